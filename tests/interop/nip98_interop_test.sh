#!/bin/sh
# NIP-98 between nostr-tools (npm) and custody serve: a member's request
# made and signed by nostr-tools is accepted (GET, and POST with a payload
# tag); a non-member's is refused with 401.
# usage: nip98_interop_test.sh CUSTODY_BIN INTEROP_DIR
set -eu
bin=$1
dir=$2
[ -d "$dir/node_modules/nostr-tools" ] || { echo "nostr-tools missing: run tools/install-deps.sh --test" >&2; exit 1; }
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

node "$dir/nip98.mjs" keygen > "$tmp/admin"
node "$dir/nip98.mjs" keygen > "$tmp/outsider"
admin_nsec=$(sed -n 1p "$tmp/admin")
admin_npub=$(sed -n 2p "$tmp/admin")
"$bin" key new --out "$tmp/notary.nsec" > /dev/null
"$bin" --ledger "$tmp/ledger" serve --listen 127.0.0.1:0 --notary-key "$tmp/notary.nsec" \
  --init --admin "$admin_npub" --name interop > "$tmp/serve.out" 2> "$tmp/serve.err" &
pid=$!
for _ in $(seq 100); do grep -q '^notary ' "$tmp/serve.out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^serving //p' "$tmp/serve.out")
[ -n "$url" ] || { cat "$tmp/serve.err" >&2; exit 1; }

node "$dir/nip98.mjs" request "$admin_nsec" GET "$url/v1/info" > "$tmp/info"
[ "$(sed -n 1p "$tmp/info")" = 200 ] || { cat "$tmp/info" >&2; exit 1; }
grep -q '"awaiting_admin"' "$tmp/info"

node "$dir/nip98.mjs" request "$admin_nsec" POST "$url/v1/lease" '{"count":1,"subjects":[]}' > "$tmp/lease"
[ "$(sed -n 1p "$tmp/lease")" = 200 ] || { cat "$tmp/lease" >&2; exit 1; }
grep -q '"token"' "$tmp/lease"

node "$dir/nip98.mjs" request "$(sed -n 1p "$tmp/outsider")" GET "$url/v1/info" > "$tmp/refused"
[ "$(sed -n 1p "$tmp/refused")" = 401 ] || { cat "$tmp/refused" >&2; exit 1; }
echo "nip98 interop: nostr-tools requests accepted for a member, refused for an outsider"
