#!/bin/sh
# The live incident board in headless Chromium (board.mjs, puppeteer-core)
# against a custody server started here on 127.0.0.1 and a free port.
# usage: board_browser_test.sh CUSTODY_BIN INTEROP_DIR [OUT_DIR]
# OUT_DIR keeps the screenshots (1,024 and 1,400 px) and PDFs (A4, Letter).
set -eu
bin=$1
dir=$2
[ -d "$dir/node_modules/puppeteer-core" ] || { echo "puppeteer-core missing: run tools/install-deps.sh --test" >&2; exit 1; }
command -v chromium > /dev/null || { echo "chromium missing: run tools/install-deps.sh --test" >&2; exit 1; }
tmp=$(mktemp -d)
out=${3:-$tmp/out}
mkdir -p "$out"
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
export XDG_STATE_HOME="$tmp/state" XDG_CACHE_HOME="$tmp/cache"

node "$dir/nip98.mjs" keygen > "$tmp/admin"
(umask 077 && sed -n 1p "$tmp/admin" > "$tmp/admin.nsec")
admin_npub=$(sed -n 2p "$tmp/admin")
"$bin" key new --out "$tmp/notary.nsec" > /dev/null
responder=$("$bin" key new --out "$tmp/responder.nsec")
"$bin" --ledger "$tmp/ledger" serve --listen 127.0.0.1:0 --notary-key "$tmp/notary.nsec" \
  --init --admin "$admin_npub" --name board > "$tmp/serve.out" 2> "$tmp/serve.err" &
pid=$!
for _ in $(seq 100); do grep -q '^notary ' "$tmp/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^serving //p' "$tmp/serve.out")
notary=$(sed -n 's/^notary //p' "$tmp/serve.out")
[ -n "$url" ] || { cat "$tmp/serve.err" >&2; exit 1; }
as() { key=$1; shift; "$bin" --ledger "$url" --trust "$notary" --key "$key" "$@"; }

as "$tmp/admin.nsec" init --name board > /dev/null
as "$tmp/admin.nsec" member add "$notary" --role notary > /dev/null
as "$tmp/admin.nsec" member add "$responder" --role responder > /dev/null
incident=$(as "$tmp/admin.nsec" incident declare --sev SEV-1 --title "Service key compromise")
as "$tmp/admin.nsec" incident commander "$incident" "$admin_npub" > /dev/null
as "$tmp/admin.nsec" freeze "$incident" outbound-payments --reason "suspected key compromise" > /dev/null
as "$tmp/responder.nsec" note --incident "$incident" "rotation of SERVICE_NSEC under way" > /dev/null
link=$(as "$tmp/admin.nsec" open "$incident")
link2=$(as "$tmp/responder.nsec" open "$incident")

cat > "$tmp/config.json" <<JSON
{"url": "$url", "incident": "$incident", "link": "$link", "link2": "$link2",
 "admin_nsec": "$(cat "$tmp/admin.nsec")", "out": "$out",
 "custody": ["$bin", "--ledger", "$url", "--trust", "$notary", "--key", "$tmp/admin.nsec"],
 "remove": ["$bin", "--ledger", "$url", "--trust", "$notary", "--key", "$tmp/admin.nsec",
            "member", "remove", "$responder"]}
JSON
node "$dir/board.mjs" "$tmp/config.json"
# The server's request log has no token.
if grep -q 'token' "$tmp/serve.err"; then echo "a token reached the server's log" >&2; exit 1; fi
