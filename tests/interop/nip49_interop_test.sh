#!/bin/sh
# NIP-49 both ways between custody and nostr-tools (npm): a key custody
# encrypts, nostr-tools decrypts to the same npub; a key nostr-tools encrypts,
# custody reads as --key; a wrong passphrase is refused with exit 3.
# usage: nip49_interop_test.sh CUSTODY_BIN INTEROP_DIR
set -eu
bin=$1
dir=$2
[ -d "$dir/node_modules/nostr-tools" ] || { echo "nostr-tools missing: run tools/install-deps.sh --test" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf 'pass phrase\n' > "$tmp/pass"
CUSTODY_PASSPHRASE_FD=3 "$bin" key new --encrypt --out "$tmp/a.key" 3<"$tmp/pass" > "$tmp/a.npub"
grep -q '^ncryptsec1' "$tmp/a.key"
node "$dir/nip49.mjs" decrypt "$(cat "$tmp/a.key")" 'pass phrase' > "$tmp/a.node"
cmp "$tmp/a.npub" "$tmp/a.node"

node "$dir/nip49.mjs" encrypt 'other words' > "$tmp/b.out"
head -n 1 "$tmp/b.out" > "$tmp/b.key"
chmod 600 "$tmp/b.key"
tail -n 1 "$tmp/b.out" > "$tmp/b.npub"
printf 'other words' > "$tmp/pass2"
CUSTODY_PASSPHRASE_FD=3 "$bin" --key "$tmp/b.key" key show 3<"$tmp/pass2" > "$tmp/b.custody"
cmp "$tmp/b.npub" "$tmp/b.custody"

set +e
CUSTODY_PASSPHRASE_FD=3 "$bin" --key "$tmp/b.key" key show 3<"$tmp/pass" > /dev/null 2> "$tmp/err"
code=$?
set -e
[ "$code" = 3 ] || { echo "wrong passphrase: exit $code, want 3" >&2; exit 1; }
grep -q 'wrong passphrase' "$tmp/err"
echo "nip49 interop: both ways OK"
