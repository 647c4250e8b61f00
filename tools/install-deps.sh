#!/usr/bin/env bash
# Installs what Custody needs from Debian 12's packages, and nothing when it is
# all there already (so it is safe to run again). Run as root.
set -euo pipefail
packages=(
  cmake ninja-build ccache pkg-config g++ dpkg-dev
  librocksdb-dev libflatbuffers-dev flatbuffers-compiler libssl-dev libsecp256k1-dev libsodium-dev
  libcli11-dev catch2 nlohmann-json3-dev libboost-dev
)
# --test: what the whole test suite needs besides: clang and libFuzzer for the
# sanitizer and fuzz build, clang-format and clang-tidy for the format and
# function-size checks (and git, whose list of tracked files they check), Chromium to load the HTML timeline
# and the incident board headless (driven by npm puppeteer-core), dpkg-dev and systemd to build the
# Debian packages and check their unit (systemd-analyze), man-db and zsh to
# render the manual pages and try the completions.
if [[ "${1:-}" == "--test" ]]; then
  packages+=(clang-14 libclang-rt-14-dev clang-format-14 clang-tidy-14 chromium git dpkg-dev systemd man-db zsh)
fi
# Node.js and npm for the interoperability tests (tests/interop: nostr-tools),
# from Debian unless a node and an npm are already on the PATH.
if [[ "${1:-}" == "--test" ]]; then
  command -v node >/dev/null || packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
fi
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
# The npm packages the interoperability tests use, pinned by their lock file
# (from the npm registry; nothing is fetched at build or test time).
if [[ "${1:-}" == "--test" ]]; then
  interop="$(cd "$(dirname "$0")/.." && pwd)/tests/interop"
  if [[ ! -d "$interop/node_modules/nostr-tools" || ! -d "$interop/node_modules/puppeteer-core" ]]; then
    echo "custody: installing the npm packages of tests/interop" >&2
    (cd "$interop" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
