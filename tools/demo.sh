#!/usr/bin/env bash
# The demonstration: installs what is missing, builds, and runs a drill on an
# embedded ledger in a temporary directory, printing what each step shows.
# Safe to run again: each run uses a new temporary directory.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/tools/install-deps.sh"
export CCACHE_DIR="${CCACHE_DIR:-$root/.cache/ccache}"
"$root/tools/build.sh" "$root/build"
custody="$root/build/tools/custody"
work="$(mktemp -d /tmp/custody-demo-XXXXXX)"
export CUSTODY_LEDGER="$work/ledger"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ custody %s\n' "$*"; "$custody" "$@"; }

say "Keys: one per person, files of mode 0600; only npubs are ever printed"
admin=$("$custody" key new --out "$work/admin.nsec")
alice=$("$custody" key new --out "$work/alice.nsec")
legal=$("$custody" key new --out "$work/legal.nsec")
user=$("$custody" key new --out "$work/user.nsec")
echo "admin     $admin"; echo "responder $alice"; echo "legal     $legal"; echo "user      $user (a wallet user)"
ls -l "$work"/*.nsec | awk '{print $1, $NF}'

say "A ledger: the admin key signs its genesis"
run --key "$work/admin.nsec" init --name "wallet-service incidents"
run --key "$work/admin.nsec" member add "$alice" --role responder
run --key "$work/admin.nsec" member add "$legal" --role legal
run member list

say "The responder records the first minutes of a SERVICE_NSEC compromise drill"
export CUSTODY_KEY="$work/alice.nsec"
run note --occurred "$(date -u -d '-9 min' +%FT%TZ)" "SEV-1 drill: SERVICE_NSEC suspected compromised; commander alice"
run note --occurred "$(date -u -d '-8 min' +%FT%TZ)" "froze card issuance/rotation and outbound payment automation"
run note --subject "$user" --occurred "$(date -u -d '-5 min' +%FT%TZ)" "user's card payload issued under the old SERVICE_NSEC; user notified"
cat > "$work/requests.jsonl" <<JSON
{"type":"note","text":"request review: 1,204 requests since the suspected window; 3 from unknown IPs","occurred":"$(date -u -d '-3 min' +%FT%TZ)"}
{"type":"note","text":"request review: the 3 unknown requests targeted the user's card","subjects":["$user"],"occurred":"$(date -u -d '-2 min' +%FT%TZ)"}
JSON
run import "$work/requests.jsonl"

say "What the ledger refuses (exit 3, nothing written)"
set +e
run member add "$alice" --role admin; echo "exit $?"
run note --occurred "$(date -u -d '+1 hour' +%FT%TZ)" "a note from the future"; echo "exit $?"
set -e

say "The timeline so far, and everything about one user (from the subject index)"
run log
run log --subject "$user"
run show 5

say "The admin signs a checkpoint of the Merkle tree; the auditor keeps a copy"
run --key "$work/admin.nsec" checkpoint --out "$work/checkpoint-1.note" --nostr "$work/checkpoint-1.nostr.json"
cp -r "$CUSTODY_LEDGER" "$work/ledger-copy-at-checkpoint-1"

say "The incident goes on; a second checkpoint; anyone can prove an event is in it"
run note --occurred "$(date -u -d '-1 min' +%FT%TZ)" "SERVICE_NSEC rotated; new service key npub recorded in the deploy notes"
run --key "$work/admin.nsec" checkpoint --out "$work/checkpoint-2.note" > /dev/null
run prove 5
run consistency --from "$work/checkpoint-1.note"

say "An auditor verifies the whole ledger, and that it extends the checkpoint they kept"
unset CUSTODY_KEY
run verify --trust "$admin"
run verify --checkpoint "$work/checkpoint-1.note" --trust "$admin" | grep -E '^(\$|checkpoint|result)'

say "A ledger rolled back to an older copy is caught (exit 1)"
set +e
run --ledger "$work/ledger-copy-at-checkpoint-1" verify --checkpoint "$work/checkpoint-2.note" --trust "$admin" |
  grep -E '^(\$|checkpoint|result)'
echo "exit ${PIPESTATUS[0]}"
set -e
run stats
echo
echo "ledger kept in $work (remove it when done)"
