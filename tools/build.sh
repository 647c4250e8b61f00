#!/usr/bin/env bash
# Configures and builds Custody into build/ (or $1) with Ninja and ccache.
# Extra arguments go to cmake. Safe to run again: it rebuilds what changed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$root/build}"
shift || true
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$dir" --parallel "$(nproc)"
