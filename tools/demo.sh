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
run --key "$work/admin.nsec" member add "$alice" --role commander,responder
run --key "$work/admin.nsec" member add "$legal" --role legal
run member list

say "The commander declares a SEV-1 SERVICE_NSEC compromise and records the first minutes"
export CUSTODY_KEY="$work/alice.nsec"
inc=$("$custody" incident declare --sev SEV-1 --title "SERVICE_NSEC suspected compromised" --playbook A \
        --occurred "$(date -u -d '-10 min' +%FT%TZ)")
echo "\$ custody incident declare --sev SEV-1 --title \"SERVICE_NSEC suspected compromised\" --playbook A"
echo "$inc"
run note --incident "$inc" --occurred "$(date -u -d '-9 min' +%FT%TZ)" "froze card issuance/rotation and outbound payment automation"
run note --incident "$inc" --subject "$user" --occurred "$(date -u -d '-5 min' +%FT%TZ)" \
  "user's card payload issued under the old SERVICE_NSEC; user notified"
cat > "$work/requests.jsonl" <<JSON
{"type":"note","text":"request review: 1,204 requests since the suspected window; 3 from unknown IPs","incident":"$inc","occurred":"$(date -u -d '-3 min' +%FT%TZ)"}
{"type":"note","text":"request review: the 3 unknown requests targeted the user's card","incident":"$inc","subjects":["$user"],"occurred":"$(date -u -d '-2 min' +%FT%TZ)"}
JSON
run import "$work/requests.jsonl"

say "Evidence: a log snapshot (streamed, stored by SHA-256), a metrics snapshot and the deploy hashes"
for i in $(seq 1 2000); do
  echo "2026-11-24T10:$(printf %02d $((i % 60))):00Z wallet-api card.refresh npub=$user ip=203.0.113.$((i % 250)) status=200"
done > "$work/wallet-api.log"
printf 'wallet_outbound_payments_total 18231\nwallet_card_refresh_errors_total 3\n' > "$work/metrics.prom"
run evidence add "$inc" "$work/wallet-api.log" --kind logs --subject "$user" --source "api-1:/var/log/wallet-api.log"
run evidence add "$inc" "$work/metrics.prom" --kind metrics --source "prometheus: wallet_*"
run deploy record "$inc" --service wallet-api --hash 3f786850e387550fdab836ed7e6dc881de23001b \
  --deployed-at "$(date -u -d '-2 days' +%FT%TZ)" --repo https://git.example/wallet-api
run log --incident "$inc"

say "What the ledger refuses (exit 3, nothing written)"
set +e
run member add "$alice" --role admin; echo "exit $?"
run note --occurred "$(date -u -d '+1 hour' +%FT%TZ)" "a note from the future"; echo "exit $?"
set -e

say "The timeline so far, and everything about one user (from the subject index)"
run log
run log --subject "$user"
run show 6

say "The admin signs a checkpoint of the Merkle tree; the auditor keeps a copy"
run --key "$work/admin.nsec" checkpoint --out "$work/checkpoint-1.note" --nostr "$work/checkpoint-1.nostr.json"
cp -r "$CUSTODY_LEDGER" "$work/ledger-copy-at-checkpoint-1"

say "The incident goes on; a second checkpoint; anyone can prove an event is in it"
run note --incident "$inc" --occurred "$(date -u -d '-1 min' +%FT%TZ)" "SERVICE_NSEC rotated; new service key npub recorded in the deploy notes"
run --key "$work/admin.nsec" checkpoint --out "$work/checkpoint-2.note" > /dev/null
run prove 5
run consistency --from "$work/checkpoint-1.note"

say "Legal exports everything about the user, signed; the ledger records the export"
run --key "$work/legal.nsec" export user "$user" --out "$work/package"
run log --type export

say "Anyone verifies the package offline: no ledger, no RocksDB (custody-verify-package)"
printf '$ custody-verify-package %s --trust %s\n' "$work/package" "$admin"
"$root/build/tools/custody-verify-package" "$work/package" --trust "$admin"

say "What a legal reader sees: the package's report and timeline"
sed -n '1,12p' "$work/package/data/report.md"
echo "…"
cat "$work/package/data/timeline.md"

say "One changed byte in the package is caught (exit 1)"
cp -r "$work/package" "$work/package-tampered"
printf 'X' | dd of="$work/package-tampered/data/blobs/sha256/$(ls "$work/package/data/blobs/sha256" | head -1)" \
  bs=1 seek=10 conv=notrunc status=none
set +e
"$root/build/tools/custody-verify-package" "$work/package-tampered" --trust "$admin" | tail -1
echo "exit ${PIPESTATUS[0]}"
set -e

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
