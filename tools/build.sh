#!/usr/bin/env bash
# Configures and builds Custody into build/ (or $1) with Ninja and ccache.
# Extra arguments go to cmake. Safe to run again: it rebuilds what changed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:-$root/build}"
# Precompiled headers (CMakeLists.txt) and ccache: let ccache cache what uses them.
export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}"
shift || true
# Line tables and function names only (-g1): backtraces and perf keep their
# names, and the build (Boost.Beast's templates above all) takes far less time
# than with full debug information.
cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" \
  "$@" >/dev/null
cmake --build "$dir" --parallel "$(nproc)"
