// Every command's entry of the manual (tools/help.h): what it needs, its
// inputs, what --json prints, and examples that run in the directory
// `tools/drill.sh DIR` leaves. There, INC-4 is the drill's incident (declared
// SEV-1, SEV-2 when closed, its PIR published) and INC-41 a SEV-3 one left open (playbook C,
// alice its commander); admin.nsec is the admin, alice.nsec the commander,
// bob.nsec a responder, legal.nsec legal, user.nsec a wallet user (no role).
// tests/tools/help_test.cc runs every example and checks its exit status.
#include "tools/help.h"

namespace custody::cli {

namespace {

using P = fb::Payload;
constexpr std::string_view kAppendJson =
    R"({"seq", "id", "type", "recorded"} of the event appended, and "incident" for an incident's.)";

std::vector<CommandHelp> KeyCommands() {
  return {
      // --- keys -----------------------------------------------------------
      {"key new",
       Needs::kNothing,
       {},
       "--out names a file that must not exist; it is written with mode 0600 and holds one line, "
       "nsec1… (or ncryptsec1… with --encrypt). The npub is printed; the secret never is. "
       "--encrypt asks the passphrase twice on the terminal, or reads it once from "
       "CUSTODY_PASSPHRASE_FD=N (printable ASCII).",
       JsonForm::kDocument,
       R"({"npub", "file", "encrypted"}.)",
       {{"custody key new --out carol.nsec", 0,
         "makes a key for a new responder and prints its npub"},
        {"printf 'correct horse battery staple' > pass.txt; CUSTODY_PASSPHRASE_FD=3 custody key "
         "new --encrypt --out dana.nsec 3< pass.txt",
         0, "the same, encrypted under a passphrase read from descriptor 3 (NIP-49)"},
        {"custody key new --out alice.nsec", 3,
         "refused: the file exists, and is never replaced"}}},
      {"key encrypt",
       Needs::kNothing,
       {},
       "FILE is a plain key file (nsec1…). The encrypted file replaces it (written beside it, "
       "synced, renamed over it). The passphrase: twice on the terminal, or once from "
       "CUSTODY_PASSPHRASE_FD=N.",
       JsonForm::kDocument,
       R"({"npub", "file", "encrypted": true, "log_n"}.)",
       {{"printf 'correct horse battery staple' > pass.txt; CUSTODY_PASSPHRASE_FD=3 custody key "
         "encrypt user.nsec 3< pass.txt",
         0, "encrypts the wallet user's key file in place"},
        {"custody key encrypt no-such.nsec", 3, "refused: there is no such file"}}},
      {"key decrypt",
       Needs::kNothing,
       {},
       "FILE is an encrypted key file (ncryptsec1…); it is replaced by the plain key. The "
       "passphrase: once, from the terminal or CUSTODY_PASSPHRASE_FD=N.",
       JsonForm::kDocument,
       R"({"npub", "file", "encrypted": false}.)",
       {{"printf 'correct horse battery staple' > pass.txt; export CUSTODY_PASSPHRASE_FD=3; "
         "custody key encrypt user.nsec 3< pass.txt && custody key decrypt user.nsec 3< pass.txt",
         0, "encrypts the user's key, then decrypts it again"},
        {"custody key decrypt bob.nsec", 3, "refused: bob.nsec is not encrypted"}}},
      {"key show",
       Needs::kKeyOnly,
       {},
       "",
       JsonForm::kDocument,
       R"({"npub", "hex"} (hex: the 32-byte x-only public key).)",
       {{"custody --key alice.nsec key show", 0, "prints alice's npub"},
        {"CUSTODY_KEY=bob.nsec custody --json key show", 0, "bob's, as JSON"},
        {"custody key show", 2, "refused: no key given"}}},
      {"key rotate",
       Needs::kAppend,
       {P::KeyRotated},
       "--new names the new key's file (plain or encrypted; its passphrase from "
       "CUSTODY_NEW_PASSPHRASE_FD or the terminal). Every role of --key passes to the new key, "
       "which must hold none and must not be recorded as compromised; the old key never gets a "
       "role again. The event is signed by both keys.",
       JsonForm::kDocument,
       kAppendJson,
       {{"custody key new --out admin-2026.nsec && custody --key admin.nsec key rotate --new "
         "admin-2026.nsec",
         0, "the admin moves to a new key"},
        {"custody --key admin.nsec key rotate --new bob.nsec", 3,
         "refused: bob's key already holds a role"}}},
      {"key compromised",
       Needs::kAppend,
       {P::KeyCompromised},
       "NPUB need not be a member. --since is RFC 3339 (at most 120 s after now). The key loses "
       "every role and never gets one again.",
       JsonForm::kDocument,
       kAppendJson,
       {{"custody --key admin.nsec key compromised $(cat bob.npub) --since 2026-11-30T09:00:00Z "
         "--reason \"laptop stolen at the airport\"",
         0, "records bob's key as compromised; bob loses the responder role"},
        {"custody --key bob.nsec key compromised $(cat alice.npub) --since 2026-11-30T09:00:00Z "
         "--reason \"suspicious\"",
         3, "refused: only an admin records a compromise"}}},
  };
}

std::vector<CommandHelp> LedgerCommands() {
  return {
      // --- the ledger ---------------------------------------------------
      {"init",
       Needs::kKeyOnly,
       {},
       "Creates the ledger at --ledger (a new or empty directory); --key becomes its genesis "
       "admin, the key auditors trust (verify --trust NPUB). Against a server started with "
       "serve --init, signs the genesis it awaits.",
       JsonForm::kDocument,
       R"({"ledger_id", "name", "admin", "dir"}.)",
       {{"custody --ledger team-ledger --key admin.nsec init --name \"wallet-service incidents\"",
         0, "creates a second ledger in ./team-ledger"},
        {"custody --key admin.nsec init --name again", 3, "refused: a ledger is already there"}}},
      {"member add",
       Needs::kAppend,
       {P::Membership},
       "NPUB: the member's key. --role: admin, notary, commander, responder, legal or auditor "
       "(repeat the option or separate with commas). Deny by default: a key holds only what it "
       "was granted.",
       JsonForm::kDocument,
       kAppendJson,
       {{"custody --key admin.nsec member add $(cat user.npub) --role auditor", 0,
         "grants the auditor role"},
        {"custody --key admin.nsec member add $(custody key new --out carol.nsec) --role "
         "responder,legal",
         0, "makes a key for carol and grants two roles"},
        {"custody --key bob.nsec member add $(cat user.npub) --role admin", 3,
         "refused: a responder grants nothing"}}},
      {"member remove",
       Needs::kAppend,
       {P::Membership},
       "Revokes the roles given with --role, or all of them. The last admin is never removed.",
       JsonForm::kDocument,
       kAppendJson,
       {{"custody --key admin.nsec member remove $(cat legal.npub)", 0, "legal loses every role"},
        {"custody --key admin.nsec member remove $(cat admin.npub)", 3,
         "refused: the ledger must keep an admin"}}},
      {"member list",
       Needs::kRead,
       {},
       "",
       JsonForm::kDocument,
       R"(an array of {"npub", "roles", "compromised"}.)",
       {{"custody member list", 0, "every member and their roles"},
        {"custody --json member list", 0, "the same, as JSON"}}},
      {"note",
       Needs::kAppend,
       {P::Note},
       "TEXT: UTF-8, at most 64 KiB, no secret key or NWC secret (refused, exit 3, however "
       "written). --occurred: RFC 3339 with a zone, at most 120 s ahead; default now.",
       JsonForm::kDocument,
       kAppendJson,
       {{"custody --key bob.nsec note --incident INC-41 \"the user's NWC connection was made "
         "from 198.51.100.7\"",
         0, "appends a note to the open incident"},
        {"custody --key bob.nsec note --incident INC-41 --subject $(cat user.npub) --occurred "
         "\"$(date -u -d '20 minutes ago' +%FT%TZ)\" \"user called support\"",
         0, "a note about the user, placed in time"},
        {"custody --key bob.nsec note \"pasted by mistake: $(cat user.nsec)\"", 3,
         "refused: the text holds a secret key; nothing is written and it is not echoed"}}},
      {"log",
       Needs::kRead,
       {},
       "Columns: the event's number, when it was recorded and when it occurred (UTC), its "
       "author, its incident, what it records. --since/--until are the same as "
       "--occurred-since/--occurred-until; --recorded-since/--recorded-until filter on the "
       "recorded time. Times are RFC 3339 with a zone; since is inclusive, until is not. --type: "
       "genesis, note, membership, key_rotated, key_compromised, checkpoint, incident_declared, "
       "evidence, deploy, export, playbook_activated, commander_assigned, severity_changed, "
       "operation_frozen, operation_unfrozen, secret_rotated, paths_invalidated, user_notified, "
       "actions_blocked, step_done, reconciliation, communication, root_cause, incident_closed, "
       "pir_published or correction.",
       JsonForm::kDocument,
       "an array of events, each as show --json prints one.",
       {{"custody log --incident INC-4 --type communication", 0,
         "the drill's status updates (INC-4)"},
        {"custody log --subject $(cat user.npub) --occurred-since \"$(date -u -d '2 hours ago' "
         "+%FT%TZ)\"",
         0, "what happened to the wallet user in the last two hours"},
        {"custody --json log --limit 3", 0, "the first three events, as JSON"},
        {"custody log --type no_such_type", 3, "refused: not an event type"}}},
      {"show",
       Needs::kRead,
       {},
       "SEQ-or-ID: the event's sequence number (#41 or 41) or its 64-hex id. --raw writes the "
       "stored signed-event bytes (the Merkle leaf's data) to standard output.",
       JsonForm::kDocument,
       "the event: every field, its id and signature. With --raw, refused (exit 2): the "
       "output is the event's bytes.",
       {{"custody show 4", 0, "the drill's declaration (INC-4), every field"},
        {"custody show 4 --raw > 4.event", 0, "its stored bytes, for flatc or another tool"},
        {"custody show 999999", 3, "refused: there is no such event"}}},
      {"verify",
       Needs::kRead,
       {},
       "Replays every rule of the one rule set over the whole ledger (docs/rules.md) and checks "
       "the Merkle tree, the checkpoints, every evidence file's SHA-256 and the indexes. --trust "
       "NPUB: the genesis admin's key, as you know it from outside the ledger. --checkpoint FILE "
       "(with --trust: the checkpoint's signer): fail unless the ledger extends that saved "
       "checkpoint (no truncation, rollback, rewrite or fork). Runbook findings do not fail it.",
       JsonForm::kDocument,
       R"({"ok", "events_verified", "head_id", "root", …}; on failure "ok": false, "error", "exit".)",
       {{"custody verify --trust $(cat admin.npub)", 0, "the drill's ledger is intact"},
        {"custody verify --trust $(cat admin.npub) --checkpoint checkpoint-1.note", 0,
         "and it extends the checkpoint saved before the PIR"},
        {"custody verify --trust $(cat bob.npub)", 1, "fails: bob is not the genesis admin"}}},
      {"stats",
       Needs::kRead,
       {},
       "",
       JsonForm::kDocument,
       R"({"ledger_id", "name", "events", "by_type", "members", …}.)",
       {{"custody stats", 0, "counts by type, members, first and last recorded times"},
        {"custody --json stats", 0, "the same, as JSON"}}},
      {"import",
       Needs::kAppend,
       {P::Note, P::DeployRecorded},
       "FILE: JSON Lines (- for standard input), one event a line:\n"
       "  {\"type\":\"note\",\"text\":\"…\",\"incident\":\"INC-7\",\"subjects\":[\"npub1…\"],"
       "\"occurred\":\"2026-11-20T10:03:00Z\"}\n"
       "  {\"type\":\"deploy\",\"incident\":\"INC-7\",\"service\":\"wallet-api\","
       "\"hash\":\"<40 or 64 hex>\",\"deployed_at\":\"…\",\"repo\":\"…\",\"occurred\":\"…\"}\n"
       "Every line is checked before any is written: a bad line means exit 3, naming it, and "
       "nothing written.",
       JsonForm::kDocument,
       R"({"imported", "first_seq", "last_seq", "seconds"}.)",
       {{"printf '%s\\n' '{\"type\":\"note\",\"text\":\"relay "
         "restarted\",\"incident\":\"INC-41\"}' "
         "'{\"type\":\"note\",\"text\":\"NWC relay logs copied\",\"incident\":\"INC-41\"}' > "
         "notes.jsonl && custody --key bob.nsec import notes.jsonl",
         0, "appends two notes to the open incident"},
        {"custody --key bob.nsec import no-such.jsonl", 3, "refused: there is no such file"},
        {"printf '%s\\n' '{\"type\":\"note\",\"text\":\"\"}' | custody --key bob.nsec import -", 3,
         "refused: line 1 has an empty text; nothing written"}}},
  };
}

std::vector<CommandHelp> ProofCommands() {
  return {
      // --- checkpoints and proofs ---------------------------------------
      {"checkpoint",
       Needs::kAppend,
       {P::Checkpoint},
       "Signs the Merkle tree's head as a C2SP signed note and stores it as a checkpoint "
       "event. Without --out it prints the note; --out and --nostr save the note and the "
       "NIP-01 event to new files. --list lists the stored ones (a read: no key needed). "
       "--by-notary: against a server, its notary signs one now.",
       JsonForm::kDocument,
       R"({"size", "root", "seq", "origin", "note", "nostr"} of the checkpoint; --list: an array.)",
       {{"custody --key admin.nsec checkpoint --out latest.note", 0,
         "signs the tree and saves the note for auditors"},
        {"custody checkpoint --list", 0, "every stored checkpoint"},
        {"custody --key bob.nsec checkpoint", 3, "refused: a responder signs no checkpoint"}}},
      {"prove",
       Needs::kRead,
       {},
       "SEQ: the event's sequence number. Prints a C2SP tlog-proof: the checkpoint, the leaf "
       "index and the inclusion proof (docs/checkpoints.md). --size N: against the stored "
       "checkpoint of tree size N.",
       JsonForm::kDocument,
       R"({"index", "size", "root", "leaf_hash", "proof", "tlog_proof"}.)",
       {{"custody prove 4 > 4.tlog-proof", 0, "proves the declaration is in the latest checkpoint"},
        {"custody prove 4 --size 34", 0, "against the checkpoint of the first 34 events"},
        {"custody prove 4 --size 7", 3, "refused: no checkpoint of that size is stored"}}},
      {"consistency",
       Needs::kRead,
       {},
       "--from: a checkpoint saved earlier (a signed note, as checkpoint --out saves it). "
       "Prints the consistency proof from it to the latest stored checkpoint.",
       JsonForm::kDocument,
       R"({"old_size", "new_size", "proof", "consistency_proof"}.)",
       {{"custody consistency --from checkpoint-1.note", 0,
         "the latest checkpoint extends the one saved before the PIR"},
        {"custody consistency --from no-such.note", 3, "refused: there is no such file"}}},
  };
}

std::vector<CommandHelp> IncidentCommands() {
  return {
      // --- incidents ------------------------------------------------------
      {"incident declare",
       Needs::kAppend,
       {P::IncidentDeclared},
       "--sev: SEV-1, SEV-2 or SEV-3 (RUNBOOK.md). --playbook: A (SERVICE_NSEC), B (a wallet "
       "key, user scope), C (an NWC secret mapping); repeatable. --observation-window: how long "
       "monitoring must be stable before close, as 90m, 24h or 2d. Prints the incident's id, "
       "INC-<seq>, on standard output (for scripts) and what it appended on standard error.",
       JsonForm::kDocument,
       R"({"incident", "seq", "id", "severity", …}.)",
       {{"custody --key alice.nsec incident declare --sev SEV-2 --playbook B --title \"wallet key "
         "exposed in a support ticket\"",
         0, "declares an incident and prints INC-<n>"},
        {"custody --key bob.nsec incident declare --sev SEV-1 --title \"relay down\"", 3,
         "refused: a responder declares no incident"},
        {"custody --key alice.nsec incident declare --sev SEV-9 --title x", 3,
         "refused: no such severity"}}},
      {"incident list",
       Needs::kRead,
       {},
       "One line per incident: state, severity, commander, declared, the newest event, overdue "
       "runbook items, title.",
       JsonForm::kDocument,
       R"(an array of {"incident", "state", "severity", "commander", "declared", "last_event": {"seq", "recorded"}, "events", "overdue_items", "title"}.)",
       {{"custody incident list", 0, "the drill's two incidents"},
        {"custody --json incident list", 0, "the same, as JSON"}}},
      {"incident playbook",
       Needs::kAppend,
       {P::PlaybookActivated},
       "PLAYBOOK: A (SERVICE_NSEC), B (a wallet key, user scope) or C (an NWC secret mapping); "
       "its steps join the incident's runbook.",
       JsonForm::kDocument,
       kAppendJson,
       {{"custody --key alice.nsec incident playbook INC-41 B", 0,
         "the user's wallet key may be exposed too: playbook B"},
        {"custody --key alice.nsec incident playbook INC-41 C", 3,
         "refused: C is already active"}}},
      {"incident commander",
       Needs::kAppend,
       {P::CommanderAssigned},
       "NPUB: a member with the commander or admin role (runbook step first15.1).",
       JsonForm::kDocument,
       kAppendJson,
       {{"custody --key alice.nsec incident commander INC-41 $(cat admin.npub)", 0,
         "alice hands the incident to the admin"},
        {"custody --key alice.nsec incident commander INC-41 $(cat bob.npub)", 3,
         "refused: bob is a responder"}}},
      {"incident severity",
       Needs::kAppend,
       {P::SeverityChanged},
       "SEVERITY: SEV-1, SEV-2 or SEV-3; --reason says why.",
       JsonForm::kDocument,
       kAppendJson,
       {{"custody --key alice.nsec incident severity INC-41 SEV-2 --reason \"payments moved "
         "without the user\"",
         0, "raises the open incident to SEV-2"},
        {"custody --key alice.nsec incident severity INC-41 SEV-3 --reason same", 3,
         "refused: it is SEV-3 already"}}},
      {"incident root-cause",
       Needs::kAppend,
       {P::RootCauseRecorded},
       "TEXT: the root cause (runbook step exit.1); --bounded when it is bounded, not yet "
       "identified.",
       JsonForm::kDocument,
       kAppendJson,
       {{"custody --key alice.nsec incident root-cause INC-41 --bounded \"an NWC string shared "
         "in a support chat\"",
         0, "records a bounded root cause"},
        {"custody --key bob.nsec incident root-cause INC-41 \"x\"", 3,
         "refused: commander or admin only"}}},
      {"incident close",
       Needs::kAppend,
       {P::IncidentClosed},
       "Refused (exit 3, naming what is missing) until the runbook's exit criteria hold: root "
       "cause, funds reconciled, monitoring stable for the observation window, the SEV-1 "
       "communications. --override REASON closes anyway and records why.",
       JsonForm::kDocument,
       kAppendJson,
       {{"custody --key alice.nsec incident close INC-41 --root-cause \"NWC string shared in "
         "support\"",
         3, "refused: the exit criteria do not hold yet"},
        {"custody --key alice.nsec incident close INC-41 --root-cause \"NWC string shared in "
         "support\" --override \"duplicate of INC-4, handled there\"",
         0, "closes anyway; the override is recorded"}}},
      {"evidence add",
       Needs::kAppend,
       {P::EvidenceAttached},
       "FILE…: any size, streamed and hashed while stored (- for standard input); one signed "
       "event per file, all or none. --kind: logs, metrics, config or other. --acquired: when "
       "it was taken (RFC 3339), also the event's occurred time. Identical content is stored "
       "once.",
       JsonForm::kDocument,
       R"(an array of {"seq", "id", "sha256", "size", "name"} (one per file).)",
       {{"custody --key bob.nsec evidence add INC-41 wallet-api.log --kind logs --subject $(cat "
         "user.npub) --source api-1:/var/log/wallet-api.log",
         0, "stores the API log and attaches it to the open incident"},
        {"tail -n 100 wallet-api.log | custody --key bob.nsec evidence add INC-41 - --name "
         "api-tail.log",
         0, "stores standard input"},
        {"custody --key bob.nsec evidence add INC-41 no-such.log", 3,
         "refused: no such file; nothing is written"}}},
      {"evidence get",
       Needs::kRead,
       {},
       "HASH: the content's SHA-256 (64 hex, as log and show print it). --out: a new file, or - "
       "for standard output. The hash is checked again while it is written.",
       JsonForm::kWithOut,
       R"({"sha256", "size", "out"}. With --out -, refused (exit 2): the output is the content.)",
       {{"custody evidence get $(sha256sum metrics.prom | cut -c1-64) --out metrics-copy.prom", 0,
         "writes the stored metrics snapshot to a new file"},
        {"custody evidence get $(sha256sum metrics.prom | cut -c1-64) --out - | head -1", 0,
         "to standard output"},
        {"custody evidence get $(sha256sum metrics.prom | cut -c1-64) --out metrics.prom", 3,
         "refused: the file exists"}}},
      {"deploy record",
       Needs::kAppend,
       {P::DeployRecorded},
       "--hash: the deployed commit, 40 (git SHA-1) or 64 (SHA-256) hex digits. --deployed-at: "
       "RFC 3339. --repo: the repository's URL.",
       JsonForm::kDocument,
       kAppendJson,
       {{"custody --key bob.nsec deploy record INC-41 --service nwc-relay --hash "
         "9fceb02d0ae598e95dc970b74767f19372d61af8 --repo https://git.example/nwc-relay",
         0, "records the relay's deployed commit"},
        {"custody --key bob.nsec deploy record INC-41 --service nwc-relay --hash 123", 3,
         "refused: not a commit hash"}}},
  };
}

std::vector<CommandHelp> RunbookCommands() {
  return {
      // --- the runbook ----------------------------------------------------
      {"freeze",
       Needs::kAppend,
       {P::OperationFrozen},
       "OPERATION: card-issuance, card-rotation, outbound-payments, or another name (runbook "
       "step first15.2); --reason is required.",
       JsonForm::kDocument,
       kAppendJson,
       {{"custody --key bob.nsec freeze INC-41 nwc-payments --reason \"payments through the "
         "mapping the user did not make\"",
         0, "pauses NWC payments"},
        {"custody --key bob.nsec freeze INC-4 outbound-payments --reason late", 3,
         "refused: INC-4 is closed"}}},
      {"unfreeze",
       Needs::kAppend,
       {P::OperationUnfrozen},
       "OPERATION: a frozen operation of the incident.",
       JsonForm::kDocument,
       kAppendJson,
       {{"custody --key bob.nsec freeze INC-41 nwc-payments --reason x && custody --key bob.nsec "
         "unfreeze INC-41 nwc-payments --reason \"mapping revoked\"",
         0, "freezes, then resumes"},
        {"custody --key bob.nsec unfreeze INC-41 card-issuance", 3,
         "refused: card-issuance is not frozen in INC-41"}}},
      {"step",
       Needs::kAppend,
       {P::SecretRotated, P::PathsInvalidated, P::UserNotified, P::ActionsBlocked, P::StepDone},
       "",
       JsonForm::kDocument,
       kAppendJson,
       {{"custody --key bob.nsec step INC-41 C.1 --secret-label nwc-mapping-2 --subject $(cat "
         "user.npub) --note \"old mapping revoked, new secret issued\"",
         0, "playbook C's first step: the mapping rotated (its label, never the secret)"},
        {"custody --key bob.nsec step INC-41 C.2 --note \"card payloads signed before 10:00 "
         "revoked\"",
         0, "the next step of playbook C"},
        {"custody --key bob.nsec step INC-41 A.1 --new-key $(cat new-service.npub)", 3,
         "refused: playbook A is not active in INC-41"}}},
      {"comms",
       Needs::kAppend,
       {P::CommunicationSent},
       "--audience internal needs --message (SEV-1: every 30 minutes). --audience external "
       "needs --facts, --impact, --user-action and --next-update (RFC 3339), and the commander "
       "or admin role.",
       JsonForm::kDocument,
       kAppendJson,
       {{"custody --key bob.nsec comms INC-41 --audience internal --message \"mapping revoked; "
         "checking other users\"",
         0, "an internal update"},
        {"custody --key alice.nsec comms INC-41 --audience external --facts \"one NWC connection "
         "was misused\" --impact \"one user\" --user-action \"none\" --next-update \"$(date -u -d "
         "'2 hours' +%FT%TZ)\"",
         0, "an external update, with the four parts the runbook needs"},
        {"custody --key bob.nsec comms INC-41 --audience external --facts x --impact y "
         "--user-action z --next-update \"$(date -u -d '1 hour' +%FT%TZ)\"",
         3, "refused: external updates are the commander's"}}},
      {"reconcile",
       Needs::kAppend,
       {P::ReconciliationRecorded},
       "--file: JSON, amounts in whole units (runbook step funds.3):\n"
       "  {\"unit\": \"sat\",\n"
       "   \"sender\":   {\"wallet\": \"npub1…\", \"balance\": 125000, \"proofs\": 125000},\n"
       "   \"receiver\": {\"wallet\": \"npub1…\", \"balance\": 98000, \"proofs\": 98000},\n"
       "   \"tx_history\": {\"entries\": 42, \"sent\": 27000, \"received\": 27000},\n"
       "   \"note\": \"…\"}\n"
       "wallet and note are optional; the wallets named become the event's subjects. A "
       "discrepancy is recorded, and named by status, until a later reconciliation clears it.",
       JsonForm::kDocument,
       R"({"seq", "id", "type", "recorded", "incident", "reconciles", "discrepancies"}.)",
       {{"custody --key bob.nsec reconcile INC-41 --file reconcile-2.json", 0,
         "records balances that reconcile"},
        {"custody --key bob.nsec reconcile INC-41 --file reconcile-1.json", 0,
         "records a discrepancy (receiver proofs short by 1,000 sat)"},
        {"echo '{\"unit\":\"sat\"}' > bad.json && custody --key bob.nsec reconcile INC-41 --file "
         "bad.json",
         3, "refused: the sender's figures are missing"}}},
      {"correct",
       Needs::kAppend,
       {P::Correction},
       "EVENT: an event of the incident (its sequence number or id); --reason says what is "
       "wrong. Nothing is edited: the event stays, marked superseded. Only a role that may "
       "append the event may correct it. (To replace an event, give its replacement "
       "--corrects SEQ.)",
       JsonForm::kDocument,
       kAppendJson,
       {{"custody --key bob.nsec note --incident INC-41 \"wrong user\" > /dev/null && custody "
         "--key bob.nsec correct INC-41 44 --reason \"the note named the wrong user\"",
         0, "retracts that note"},
        {"custody --key bob.nsec correct INC-41 4 --reason x", 3,
         "refused: event 4 is not part of INC-41"}}},
  };
}

std::vector<CommandHelp> ReportCommands() {
  return {
      // --- status and reports ---------------------------------------------
      {"status",
       Needs::kRead,
       {},
       "Every runbook item of the incident (done, done late, pending, overdue, skipped), the "
       "SEV-1 update cadence, promised external updates, reconciliations, freezes and the exit "
       "criteria, judged now.",
       JsonForm::kDocument,
       R"(the same as an object: {"incident", "title", "severity", "status", "sections", …}; docs/cli.md lists every key.)",
       {{"custody status INC-4", 0, "the drill's incident: declared SEV-1, closed at SEV-2"},
        {"custody status INC-41", 0, "the open one: what is overdue"},
        {"custody status INC-3", 3, "refused: event 3 is not an incident"}}},
      {"timeline",
       Needs::kRead,
       {},
       "--format: md (default), json, jsonl or csv (for Timesketch), html (one self-contained "
       "file with an SVG chart; it prints on A4 and Letter). --since/--until: only events that "
       "occurred in that range (RFC 3339; since inclusive). --out: a new file.",
       JsonForm::kWithOut,
       "--format json (the default with --json) prints the timeline itself; another --format "
       "(md too, when given) needs --out FILE, writes the file and prints {\"wrote\", \"bytes\", "
       "\"format\", \"incident\", \"events\"} about it; without --out it is refused (exit 2).",
       {{"custody timeline INC-4", 0, "the drill's incident, in occurred-time order"},
        {"custody timeline INC-4 --format html --out inc-4.html", 0,
         "one HTML file to open or print"},
        {"custody timeline INC-4 --format csv --since \"$(date -u -d '2 hours ago' +%FT%TZ)\"", 0,
         "the last two hours, for Timesketch"}}},
      {"pir report",
       Needs::kRead,
       {},
       "The post-incident review drafted from the events: summary, severity history, response "
       "times, runbook items, communications, reconciliations, root cause. Pinned to a "
       "checkpoint (--checkpoint: a stored one's tree size or a saved note; default the latest), "
       "so it is the same bytes whenever it is made. --format md (default) or html. --out: a "
       "new file.",
       JsonForm::kDocument,
       R"(the report's content as data: {"incident", "title", "severity", "ledger", "checkpoint", "as_of", "sections": [{"title", "paragraphs", "items", "tables": [{"columns", "rows"}]}]}. With --format md|html: only with --out FILE, then {"wrote", "bytes", "format", "incident", "checkpoint"} about the file written (without --out, exit 2).)",
       {{"custody pir report INC-4", 0, "the drill's PIR, in Markdown"},
        {"custody pir report INC-4 --format html --out pir-inc-4.html", 0, "as one HTML file"},
        {"custody --json pir report INC-4", 0, "its content as JSON"}}},
      {"pir publish",
       Needs::kAppend,
       {P::PirPublished},
       "FILE: the published PIR document, stored by SHA-256 like evidence (runbook step pir.1). "
       "Only after the close.",
       JsonForm::kDocument,
       kAppendJson,
       {{"custody --key alice.nsec pir publish INC-4 pir.md", 0, "publishes a revised PIR"},
        {"custody --key alice.nsec pir publish INC-41 pir.md", 3,
         "refused: INC-41 is not closed"}}},
      {"projections rebuild",
       Needs::kLocal,
       {},
       "Rebuilds every incident's projection from the events alone, says whether the stored "
       "ones were identical, and replaces them.",
       JsonForm::kDocument,
       R"({"events", "incidents", "applied_before", "matched", …}.)",
       {{"custody projections rebuild", 0, "identical to those kept at append"},
        {"custody --json projections rebuild", 0, "the same, as JSON: events, incidents, matched"},
        {"custody --ledger https://custody.example:8443 projections rebuild", 2,
         "refused: it runs on the ledger's own directory, on the server's machine"}}},
  };
}

std::vector<CommandHelp> PackageCommands() {
  return {
      // --- packages -------------------------------------------------------
      {"export user",
       Needs::kAppend,
       {P::ExportPerformed},
       "NPUB: the user. --out: a new or empty directory. The package: every event about the user "
       "(--incident: in one incident), with inclusion proofs against a signed checkpoint "
       "(--checkpoint: a stored one's size or a saved note; default the latest), the membership "
       "events, the snapshots about the user only (--include-shared-blobs: those shared with "
       "others too), a README.txt, signed by the exporter (docs/package.md). The export is "
       "recorded in the ledger.",
       JsonForm::kDocument,
       R"({"out", "events", "membership_events", "blobs_included", …}.)",
       {{"custody --key legal.nsec export user $(cat user.npub) --out user-package", 0,
         "everything the ledger holds about the wallet user"},
        {"custody --key legal.nsec export user $(cat user.npub) --incident INC-4 --out "
         "user-inc-4",
         0, "only INC-4's"},
        {"custody --key bob.nsec export user $(cat user.npub) --out p", 3,
         "refused: export is for legal and admin"}}},
      {"export incident",
       Needs::kAppend,
       {P::ExportPerformed},
       "ID: the incident. Options as export user's.",
       JsonForm::kDocument,
       R"({"out", "events", "membership_events", "blobs_included", …}.)",
       {{"custody --key legal.nsec export incident INC-4 --out inc-4-package", 0,
         "every event of INC-4, with proofs"},
        {"custody --key legal.nsec export incident INC-4 --out package", 3,
         "refused: the directory is not empty"}}},
      {"verify-package",
       Needs::kNothing,
       {},
       "DIR: the package. --trust NPUB: the key that signed its checkpoint, known from outside "
       "the package. Checks the bag, every file's hash, the signatures, each event's inclusion "
       "proof, the selection, and that README.txt describes this package; needs no ledger (also "
       "the standalone custody-verify-package). Exit 0: it verifies; 1: it does not (the line "
       "names the first failure); 2: a usage error.",
       JsonForm::kDocument,
       R"({"package", "trust", "ok", "checks", "failure"}; on failure also "error" and "exit".)",
       {{"custody verify-package package --trust $(cat admin.npub)", 0,
         "the drill's package verifies"},
        {"custody verify-package package --trust $(cat bob.npub)", 1,
         "fails: bob did not sign its checkpoint"}}},
  };
}

std::vector<CommandHelp> ServerCommands() {
  return {
      // --- the server -------------------------------------------------
      {"serve",
       Needs::kLocal,
       {},
       "Serves --ledger DIR over HTTP(S) (docs/server.md). --notary-key: the server's own key, "
       "a member with the notary role; its passphrase from --notary-passphrase-file, "
       "CUSTODY_PASSPHRASE_FD or the terminal. --tls-cert/--tls-key: HTTPS (plain HTTP only on "
       "loopback). Prints the URL and the notary's npub. Runs until SIGTERM or SIGINT.",
       JsonForm::kRefused,
       "serve prints its URL and notary key, then a request log",
       {{"timeout -s TERM 3 custody serve --listen 127.0.0.1:0 --notary-key notary.nsec --quiet; "
         "test $? = 124",
         0, "serves on a free port for three seconds, then stops (notary.nsec: a notary's key)"},
        {"custody serve --listen 127.0.0.1:0 --notary-key carol.nsec", 3,
         "refused: there is no key file carol.nsec"}}},
      {"open",
       Needs::kServer,
       {},
       "INCIDENT: the incident whose board to open. Prints a sign-in link (a signed token, "
       "valid 5 minutes, good once); --browser opens it ($BROWSER, else xdg-open).",
       JsonForm::kDocument,
       R"({"url", "board", "expires"}.)",
       {{"custody --ledger \"$SERVER\" --trust \"$NOTARY\" --key alice.nsec open INC-4", 0,
         "a link to INC-4's live board (SERVER, NOTARY: the URL and npub serve "
         "printed)"},
        {"custody --key alice.nsec open INC-4", 2,
         "refused: the board is on a server, and --ledger names a directory"}}},
      {"backup",
       Needs::kCopy,
       {},
       "--out: a new directory on the ledger's filesystem (evidence is hard-linked). Safe while "
       "others append. Against a server (admin): the server makes it on its machine. Restore: "
       "docs/server.md.",
       JsonForm::kDocument,
       R"({"out", "events"}; against a server {"out", "server"}.)",
       {{"custody backup --out ledger-backup && custody --ledger ledger-backup verify", 0,
         "a consistent copy, verified"},
        {"custody backup --out package", 3, "refused: the directory exists"}}},
      {"trust reset",
       Needs::kNothing,
       {},
       "URL: the server. Forgets the notary key pinned for it, the last verified checkpoint "
       "and the replica — only after a legitimate restore or key change, confirmed with its "
       "operator. Nothing is sent over the network.",
       JsonForm::kDocument,
       R"({"reset"}.)",
       {{"custody trust reset https://custody.example:8443", 0,
         "the next command against that server pins its key again"},
        {"custody trust reset ftp://custody.example", 2, "refused: not a server URL"}}},
      {"bench",
       Needs::kNothing,
       {},
       "Builds a fresh ledger in a temporary directory and measures it against DESIGN.md's "
       "targets (docs/performance.md); prints each figure and its ratio to its target. "
       "--server: the server under load instead.",
       JsonForm::kDocument,
       R"({"figures": […]} with each figure, its target and their ratio.)",
       {{"custody bench --events 100000 --note-at 40000 --note-runs 3 --rounds 1 --blob-mib 16", 0,
         "a short run, under a minute (the targets are judged at the defaults: a million events, "
         "a GiB of evidence)"},
        {"custody bench --events 1000", 2, "refused: too few events to measure note at scale"}}},
  };
}

std::vector<CommandHelp> ManualCommands() {
  return {
      // --- the manual itself --------------------------------------------
      {"man",
       Needs::kNothing,
       {},
       "--out: a directory (made if missing): writes custody.1, one page per command "
       "(custody-incident-declare.1, …) and custody-verify-package.1, made from this help. "
       "The packages install them; man -l FILE reads one.",
       JsonForm::kDocument,
       R"({"wrote": [FILE, …], "dir"}.)",
       {{"custody man --out man1", 0, "writes the pages into ./man1"},
        {"custody man --out man1 > /dev/null && man -l man1/custody-note.1 | head -5", 0,
         "and shows the start of one"}}},
      {"completion",
       Needs::kNothing,
       {},
       "SHELL: bash or zsh. Prints the completion script: commands, options, step ids, and — "
       "from the ledger directory of --ledger/CUSTODY_LEDGER, or a server's verified replica "
       "in this machine's cache, never from the network and never asking a passphrase — "
       "incident ids and member npubs. The packages install both.",
       JsonForm::kRefused,
       "the output is a shell script",
       {{"custody completion bash > custody.bash && bash -c '. ./custody.bash && complete -p "
         "custody'",
         0, "saves it, and loads it into a bash"},
        {"custody completion zsh > _custody", 0,
         "for a directory on zsh's fpath (the packages install both)"},
        {"custody completion fish", 2, "refused: bash or zsh"}}},
  };
}

}  // namespace

const std::vector<CommandHelp>& CommandHelps() {
  static const std::vector<CommandHelp> kHelp = [] {
    std::vector<CommandHelp> all;
    for (auto part : {KeyCommands, LedgerCommands, ProofCommands, IncidentCommands, RunbookCommands,
                      ReportCommands, PackageCommands, ServerCommands, ManualCommands}) {
      std::vector<CommandHelp> v = part();
      all.insert(all.end(), v.begin(), v.end());
    }
    return all;
  }();
  return kHelp;
}

}  // namespace custody::cli
