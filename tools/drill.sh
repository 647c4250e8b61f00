#!/usr/bin/env bash
# The SEV-1 SERVICE_NSEC compromise drill, run through the custody command line
# on a new ledger in WORK_DIR: declaration with playbook A, commander, freezes,
# evidence, deploy hash, the playbook's steps, communications on the SEV-1
# cadence (one update late), a reconciliation with a discrepancy and then one
# that reconciles, the exit criteria, the close, the PIR. Actions are placed in
# time with --occurred, from three hours ago to now; status is printed as the
# incident unfolds. Ends with the timeline, the PIR report, an evidence package
# verified offline, and the HTML timeline's path. A second incident (SEV-3,
# playbook C) is declared at the end and left open: the examples of
# `custody COMMAND --help` run against this ledger.
#
# usage: tools/drill.sh WORK_DIR   (CUSTODY=path/to/custody, default build/tools/custody)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:?usage: tools/drill.sh WORK_DIR}"
custody="${CUSTODY:-$root/build/tools/custody}"
verifier="$(dirname "$custody")/custody-verify-package"
mkdir -p "$work"
export CUSTODY_LEDGER="$work/ledger"
unset CUSTODY_KEY CUSTODY_KEY_FD
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# Runs custody as one of the people in the drill, echoing the command.
as() {
  local who="$1"; shift
  printf '$ custody %s   # as %s\n' "$*" "$who"
  CUSTODY_KEY="$work/$who.nsec" "$custody" "$@"
}
show() { printf '$ custody %s\n' "$*"; "$custody" "$@"; }
# at M: the time M minutes after the declaration (three hours and five minutes ago).
t0=$(( $(date -u +%s) / 60 * 60 - 185 * 60 ))
at() { date -u -d "@$((t0 + $1 * 60))" +%Y-%m-%dT%H:%M:%SZ; }

say "People: one key each (files of mode 0600); only npubs are ever printed"
for who in admin alice bob legal; do "$custody" key new --out "$work/$who.nsec" > "$work/$who.npub"; done
"$custody" key new --out "$work/new-service.nsec" > "$work/new-service.npub"  # the rotated SERVICE_NSEC
"$custody" key new --out "$work/user.nsec" > "$work/user.npub"                # a wallet user
"$custody" key new --out "$work/notary.nsec" > "$work/notary.npub"            # the team server's key
admin=$(cat "$work/admin.npub"); alice=$(cat "$work/alice.npub"); bob=$(cat "$work/bob.npub")
legal=$(cat "$work/legal.npub"); user=$(cat "$work/user.npub")
printf 'admin %s\ncommander alice %s\nresponder bob %s\nlegal %s\nwallet user %s\n' "$admin" "$alice" "$bob" "$legal" "$user"
as admin init --name "wallet-service incidents"
as admin member add "$alice" --role commander
as admin member add "$bob" --role responder
as admin member add "$legal" --role legal

say "First fifteen minutes: declare, assign the commander, freeze, preserve evidence"
inc=$(CUSTODY_KEY="$work/alice.nsec" "$custody" incident declare --sev SEV-1 --playbook A --observation-window 1h \
        --title "SERVICE_NSEC suspected compromise" \
        --summary "The service signing key appeared in a CI job log; card payloads are signed with it" \
        --occurred "$(at 0)")
echo "\$ custody incident declare --sev SEV-1 --playbook A --observation-window 1h --title … --occurred $(at 0)   # as alice"
echo "$inc"
as alice incident commander "$inc" "$alice" --occurred "$(at 2)"
as bob freeze "$inc" card-issuance --reason "card payloads are signed with the suspected key" --occurred "$(at 4)"
as bob freeze "$inc" card-rotation --reason "same key" --occurred "$(at 4)"
as bob freeze "$inc" outbound-payments --reason "pause payment automation until reconciled" --occurred "$(at 5)"
for i in $(seq 1 2000); do
  echo "$(at $((i % 180))) wallet-api card.refresh npub=$user ip=203.0.113.$((i % 250)) status=200"
done > "$work/wallet-api.log"
printf 'wallet_outbound_payments_total 18231\nwallet_card_refresh_errors_total 3\n' > "$work/metrics.prom"
as bob evidence add "$inc" "$work/wallet-api.log" --kind logs --subject "$user" --source "api-1:/var/log/wallet-api.log" \
  --acquired "$(at 7)"
as bob evidence add "$inc" "$work/metrics.prom" --kind metrics --source "prometheus: wallet_*" --acquired "$(at 8)"
as bob deploy record "$inc" --service wallet-api --hash 3f786850e387550fdab836ed7e6dc881de23001b \
  --deployed-at "$(at -2880)" --repo https://git.example/wallet-api --occurred "$(at 9)"
show status "$inc"

say "Playbook A, communications on the SEV-1 cadence, funds integrity"
as bob step "$inc" A.1 --new-key "$(cat "$work/new-service.npub")" --note "new SERVICE_NSEC deployed from the HSM" --occurred "$(at 12)"
as bob comms "$inc" --audience internal --message "SERVICE_NSEC rotated; card endpoints frozen" --occurred "$(at 25)"
as bob step "$inc" A.2 --note "card/token workflows signed by the old key revoked" --occurred "$(at 28)"
as alice comms "$inc" --audience external --facts "a service signing key was exposed; it is replaced" \
  --impact "card users; no funds moved" --user-action "re-enroll your card when prompted" --next-update "$(at 90)" \
  --occurred "$(at 30)"
funds1=$(CUSTODY_KEY="$work/bob.nsec" "$custody" --json step "$inc" funds.1 --note "settlement queue: 41 pending" \
           --occurred "$(at 38)" | sed -n 's/^  "seq": \([0-9]*\),$/\1/p')
echo "\$ custody step $inc funds.1 --note \"settlement queue: 41 pending\" --occurred $(at 38)   # as bob: #$funds1"
as bob step "$inc" funds.1 --corrects "$funds1" --note "settlement queue: 14 pending, all expected (41 was a typo)" \
  --occurred "$(at 40)"
as bob step "$inc" funds.2 --note "2 ecash-recovery-* records, no unresolved rollbacks" --occurred "$(at 45)"
as bob comms "$inc" --audience internal --message "queues checked; reconciling" --occurred "$(at 55)"
cat > "$work/reconcile-1.json" <<JSON
{"unit": "sat",
 "sender":   {"balance": 125000, "proofs": 125000},
 "receiver": {"wallet": "$user", "balance": 98000, "proofs": 97000},
 "tx_history": {"entries": 42, "sent": 27000, "received": 27000},
 "note": "receiver proofs short by 1000 sat"}
JSON
as bob reconcile "$inc" --file "$work/reconcile-1.json" --occurred "$(at 60)"
as bob step "$inc" A.3 --subject "$user" --note "card payloads re-issued; re-enrollment mandatory" --occurred "$(at 70)"
as alice comms "$inc" --audience external --facts "card payloads re-issued" --impact "card users" \
  --user-action "re-enroll your card" --next-update "$(at 180)" --occurred "$(at 88)"
as bob comms "$inc" --audience internal --message "re-enrollment under way" --occurred "$(at 95)"   # due at 85: late
show status "$inc"

say "The commander tries to close too early: refused (exit 3), nothing written"
set +e
as alice incident close "$inc" --root-cause "SERVICE_NSEC printed by a CI job"; echo "exit $?"
set -e

say "Reconciled, root cause, monitoring stable for the window, downgrade, close"
as bob step "$inc" A.4 --note "1,204 requests since the window reviewed; 3 from unknown IPs, all rejected" --occurred "$(at 100)"
sed 's/"proofs": 97000/"proofs": 98000/; s/short by 1000 sat/a pending proof confirmed/' "$work/reconcile-1.json" \
  > "$work/reconcile-2.json"
as bob reconcile "$inc" --file "$work/reconcile-2.json" --occurred "$(at 110)"
as bob unfreeze "$inc" outbound-payments --reason "reconciled" --occurred "$(at 112)"
as bob unfreeze "$inc" card-issuance --reason "new key in place" --occurred "$(at 115)"
as bob unfreeze "$inc" card-rotation --occurred "$(at 115)"
as bob comms "$inc" --audience internal --message "reconciled; monitoring" --occurred "$(at 120)"
as alice incident severity "$inc" SEV-2 --reason "contained: key rotated, paths invalidated, funds reconciled" --occurred "$(at 125)"
as alice incident root-cause "$inc" "a CI job printed SERVICE_NSEC in its log" --occurred "$(at 130)"
as bob step "$inc" exit.4 --stable-since "$(at 110)" --note "payment and card dashboards flat since reconciliation" \
  --occurred "$(at 175)"
as alice incident close "$inc" --root-cause "a CI job printed SERVICE_NSEC in its log" --occurred "$(at 180)"
show status "$inc"

say "Post-incident review: the report pinned to a checkpoint, published, the follow-ups"
as admin checkpoint --out "$work/checkpoint-1.note" > /dev/null
show pir report "$inc" --out "$work/pir-draft.md"
as alice pir publish "$inc" "$work/pir-draft.md"
as bob step "$inc" pir.2 --note "CI secret scanner blocks nsec1 in logs; alert on key use from new IPs"
as bob step "$inc" pir.3 --note "RUNBOOK.md: CI logs added to first-15 evidence"

say "Legal exports the user's evidence package; anyone verifies it offline"
as admin checkpoint --out "$work/checkpoint-2.note" > /dev/null
as legal export user "$user" --incident "$inc" --out "$work/package"
printf '$ custody-verify-package %s --trust %s\n' "$work/package" "$admin"
"$verifier" "$work/package" --trust "$admin" | tail -3

say "An auditor verifies the whole ledger and that it extends the first checkpoint"
show verify --trust "$admin" --checkpoint "$work/checkpoint-1.note" | tail -4

say "Projections are rebuilt from the events alone: identical to those kept at append"
as admin checkpoint > /dev/null
show pir report "$inc" --out "$work/pir.md"
show timeline "$inc" --format html --out "$work/timeline.html"
show projections rebuild
cmp <("$custody" pir report "$inc") "$work/pir.md" && echo "PIR report after rebuild: byte-identical"

say "The next page: a wallet user reports an NWC connection they did not make (SEV-3, left open)"
inc2=$(CUSTODY_KEY="$work/alice.nsec" "$custody" incident declare --sev SEV-3 --playbook C \
         --title "NWC connection the user did not make" \
         --summary "A user reports payments through an NWC connection they did not create")
echo "\$ custody incident declare --sev SEV-3 --playbook C --title …   # as alice"
echo "$inc2"
as alice incident commander "$inc2" "$alice"
show incident list
# The team's server signs tree heads with a key of its own (custody serve --notary-key).
as admin member add "$(cat "$work/notary.npub")" --role notary

say "The timeline"
show timeline "$inc"
say "The PIR report"
cat "$work/pir.md"
echo
echo "HTML timeline: $work/timeline.html"
echo "ledger and files kept in $work (remove it when done)"
