#!/bin/sh
# The drill's HTML timeline and PIR report in headless Chromium (print.mjs,
# puppeteer-core): at 1,024 and 1,400 px, and printed on A4 and Letter; and the
# timeline again with a note that holds a long path and a long URL.
# usage: print_browser_test.sh CUSTODY_BIN INTEROP_DIR SOURCE_DIR [OUT_DIR]
# OUT_DIR keeps the screenshots and PDFs.
set -eu
bin=$1
dir=$2
src=$3
[ -d "$dir/node_modules/puppeteer-core" ] || { echo "puppeteer-core missing: run tools/install-deps.sh --test" >&2; exit 1; }
command -v chromium > /dev/null || { echo "chromium missing: run tools/install-deps.sh --test" >&2; exit 1; }
tmp=$(mktemp -d)
out=${4:-$tmp/out}
mkdir -p "$out"
trap 'rm -rf "$tmp"' EXIT
export XDG_STATE_HOME="$tmp/state" XDG_CACHE_HOME="$tmp/cache"

work="$tmp/drill"
CUSTODY="$bin" "$src/tools/drill.sh" "$work" > "$tmp/drill.out" 2>&1 || { cat "$tmp/drill.out" >&2; exit 1; }
# The drill prints the incident's id on a line of its own when it declares it.
inc=$(grep -m1 -x 'INC-[0-9]*' "$tmp/drill.out")
"$bin" --ledger "$work/ledger" pir report "$inc" --format html --out "$work/pir.html" > /dev/null
# Then what no drill writes: a note with a 150-character path and a long URL, in a third document.
long=$(printf 'x%.0s' $(seq 150))
"$bin" --ledger "$work/ledger" --key "$work/bob.nsec" note --incident "$inc" \
  "state kept in /var/lib/wallet/$long/state.db; see https://status.example.org/incidents/2026/12/02/service-signing-key-exposure/postmortem?lang=en" > /dev/null
"$bin" --ledger "$work/ledger" timeline "$inc" --format html --out "$work/timeline-long.html" > /dev/null
# Every npub and 64-hex hash the incident's events carry, in full.
"$bin" --ledger "$work/ledger" --json log --incident "$inc" |
  grep -o -E '"(npub1[02-9ac-hj-np-z]{58}|[0-9a-f]{64})"' | sort -u | paste -sd, - > "$tmp/values"

cat > "$tmp/config.json" <<JSON
{"documents": [{"name": "timeline", "path": "$work/timeline.html"},
               {"name": "pir", "path": "$work/pir.html"},
               {"name": "timeline-long", "path": "$work/timeline-long.html"}],
 "values": [$(cat "$tmp/values")], "out": "$out"}
JSON
node "$dir/print.mjs" "$tmp/config.json"
