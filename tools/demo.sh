#!/usr/bin/env bash
# The demonstration: installs what is missing, builds, and runs the SEV-1
# SERVICE_NSEC compromise drill (tools/drill.sh) on an embedded ledger in a new
# temporary directory, printing the status as the incident unfolds and ending
# with the timeline, the PIR report and the HTML timeline's path.
# Safe to run again: each run uses a new temporary directory.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/tools/install-deps.sh"
export CCACHE_DIR="${CCACHE_DIR:-$root/.cache/ccache}"
"$root/tools/build.sh" "$root/build"
CUSTODY="$root/build/tools/custody" exec "$root/tools/drill.sh" "$(mktemp -d /tmp/custody-demo-XXXXXX)"
