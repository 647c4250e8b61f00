#!/usr/bin/env bash
# Installs what Custody needs from Debian 12's packages, and nothing when it is
# all there already (so it is safe to run again). Run as root.
set -euo pipefail
packages=(
  cmake ninja-build ccache pkg-config g++
  librocksdb-dev libflatbuffers-dev flatbuffers-compiler libssl-dev libsecp256k1-dev
  libcli11-dev catch2 nlohmann-json3-dev
)
if [[ "${1:-}" == "--fuzz" ]]; then packages+=(clang-14 libclang-rt-14-dev); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "custody: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
