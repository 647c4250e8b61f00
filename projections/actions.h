// The runbook's actions as payloads: what an event recording a runbook step
// carries (which type, which inputs it needs), and the reconciliation file a
// funds reconciliation is recorded from. Front ends (the command line, a
// team server's clients) collect the inputs and build drafts with these; the
// rule set (rules/rule_set.h) then judges the event against the incident.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/base/status.h"
#include "ledger/event.h"

namespace custody {

// The inputs a step's event may carry besides its note; bit flags.
inline constexpr uint32_t kStepSubject = 1;       // the users it concerns (subjects)
inline constexpr uint32_t kStepNewKey = 2;        // a new key's public key
inline constexpr uint32_t kStepSecretLabel = 4;   // a new secret's label
inline constexpr uint32_t kStepChannel = 8;       // how a user was told
inline constexpr uint32_t kStepStableSince = 16;  // since when monitoring saw a stable state

// How one step is recorded by its own event.
struct StepForm {
  std::string_view step;     // "A.1"
  fb::Payload type;          // the event that records it
  uint32_t accepts;          // input bits it may carry (subjects: every step)
  uint32_t needs;            // input bits it must carry
  uint32_t needs_one;        // of these, at least one (B.3: a new key or a label)
  std::string_view records;  // "records the new SERVICE_NSEC's public key"
};

// The form of a step an event of its own records. InvalidArgument for a step
// that is not in the runbook, or that another kind of event records (the
// message names that event type; *elsewhere, if given, is set to it, NONE for
// a step that holds by what it judges, such as exit.2).
Result<StepForm> StepFormOf(std::string_view step, fb::Payload* elsewhere = nullptr);

// The values an action gives a step's event.
struct StepValues {
  std::string note, secret_label, channel;
  std::optional<Hash32> new_key;
  std::optional<TimeNs> stable_since;
};

// The payload recording the step. REQUIRES: the values carry what form
// needs and nothing it does not accept.
Payload StepPayloadOf(const StepForm& form, const StepValues& v);

// Parses a reconciliation file (docs/cli.md "reconcile"):
//   {"unit": "sat",
//    "sender":   {"wallet": "npub1…", "balance": 125000, "proofs": 125000},
//    "receiver": {"wallet": "npub1…", "balance": 98000, "proofs": 98000},
//    "tx_history": {"entries": 42, "sent": 27000, "received": 27000},
//    "note": "…"}
// wallet and note are optional; amounts are whole numbers of the unit. The
// wallets named are added to *wallets once each (the event's subjects).
// InvalidArgument, naming the field, for anything else.
Result<ReconciliationPayload> ParseReconciliation(std::string_view text,
                                                  std::vector<Hash32>* wallets);

}  // namespace custody
