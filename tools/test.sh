#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine (as root):
#   1. installs what is missing;
#   2. checks the format of every tracked .h and .cc (clang-format-14);
#   3. builds with g++ and runs every test through ctest;
#   4. builds again with clang-14, AddressSanitizer and UndefinedBehaviorSanitizer
#      everywhere, libFuzzer's instrumentation on what the fuzzers run (the
#      rest at -O0: CMakeLists.txt, custody_unfuzzed), runs every test there too (the fuzz
#      targets' corpora among them), checks that no function is over 150
#      lines (clang-tidy-14, on that build's compile commands), and runs each
#      libFuzzer target built in that same tree (fixed seed, 300,000 runs).
# Two builds, not three: the sanitizer build is the fuzz build. CI runs exactly
# this (.ci/run). Safe to run again.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
started=$(date +%s)
tools/install-deps.sh --test
export CCACHE_DIR="${CCACHE_DIR:-$root/.cache/ccache}"

echo "== format (clang-format-14, .clang-format)"
if [ -d .git ] || git rev-parse --git-dir >/dev/null 2>&1; then
  git ls-files -z '*.h' '*.cc' | xargs -0 clang-format-14 --dry-run --Werror
  echo "format: $(git ls-files '*.h' '*.cc' | wc -l) files clean"
fi

# One test more than cores: about half of a test's time is spent waiting
# (fsync, child processes, a server's answers). The longest run first (COST).
jobs=$(( $(nproc) + 1 ))
echo "== build and test (g++, RelWithDebInfo)"
tools/build.sh "$root/build"
(cd build && ctest --output-on-failure --parallel "$jobs")

echo "== build and test with clang: ASan + UBSan, libFuzzer instrumentation"
tools/build.sh "$root/build-san" -DCUSTODY_SANITIZE=ON -DCUSTODY_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  "-DCMAKE_C_FLAGS_DEBUG=-gline-tables-only -O1" "-DCMAKE_CXX_FLAGS_DEBUG=-gline-tables-only -O1"
# The function-size check (clang-tidy) runs beside these tests, at a lower
# priority: the tests wait about half their time, and it only parses. It
# reads the clang build's compile commands (its precompiled headers are
# clang's; g++'s are not readable by clang).
git ls-files -z 'ledger/*.cc' 'rules/*.cc' 'evidence/*.cc' 'projections/*.cc' 'tools/*.cc' 'net/*.cc' 'server/*.cc' 'client/*.cc' |
  nice -n 10 xargs -0 -P "$(nproc)" -n 8 clang-tidy-14 -p build-san --quiet > build-san/function-size.log 2>&1 &
tidy=$!
(cd build-san && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
   ctest --output-on-failure --parallel "$jobs") || { kill "$tidy" 2>/dev/null; exit 1; }

echo "== function size (clang-tidy-14 readability-function-size, .clang-tidy: 150 lines)"
wait "$tidy" || true
if grep -E "(warning|error):|Error while processing" build-san/function-size.log; then
  echo "custody: clang-tidy found a function over 150 lines, or could not read a file (build-san/function-size.log)"
  exit 1
fi
echo "function size: every function of ledger/, rules/, evidence/, projections/, net/, server/, client/ and tools/ within 150 lines"

echo "== libFuzzer targets, a short run each (one per core at a time)"
# One target: a fixed seed and run count make this run repeatable; FUZZ_SEED
# and FUZZ_RUNS explore more. A crash is a failure: show it, and keep the input
# that caused it.
fuzz_one() {
  local target=$1 work
  work="$(mktemp -d)"
  cp fuzz/corpus/"$target"/* "$work"/
  if build-san/fuzz/"${target}"_fuzzer -seed="${FUZZ_SEED:-1}" -runs="${FUZZ_RUNS:-300000}" \
       -print_final_stats=0 -artifact_prefix="$work/" "$work" > "$work.log" 2>&1; then
    echo "fuzz $target: $(grep -E '^Done' "$work.log")"
    rm -rf "$work" "$work.log"
    return 0
  fi
  {
    echo "fuzz $target: FAILED"
    grep -E "ERROR|runtime error|SUMMARY|#[0-9]+ " "$work.log" | head -30
    for crash in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
      [ -e "$crash" ] && cp "$crash" "$root/" && echo "input saved as $root/$(basename "$crash")"
    done
  } 2>&1
  rm -rf "$work" "$work.log"
  return 1
}
export -f fuzz_one
export root
if ! printf '%s\n' signed_event bech32 import_line checkpoint_note tlog_proof consistency_proof \
       bag_manifest package_index package_event projection_state request |
     xargs -P "$(nproc)" -I{} bash -c 'fuzz_one "$1"' _ {}; then
  echo "custody: a fuzz target failed"
  exit 1
fi
echo "custody: all tests passed in $(( $(date +%s) - started )) s"
