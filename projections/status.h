// The incident against the runbook (DESIGN.md "The runbook model"): every
// item of the sections that apply — done, done late, pending, overdue or
// skipped, with who and when — the severity history, commander, freezes,
// communications cadence, reconciliations and the exit criteria. A pure
// function of the projection, the runbook and the time it is judged at.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "projections/incident.h"
#include "projections/runbook.h"

namespace custody {

enum class ItemState { kDone, kDoneLate, kPending, kOverdue, kSkipped };
std::string_view ItemStateName(ItemState s);  // "done", "done late", …

struct Item {
  std::string id, text;
  ItemState state = ItemState::kPending;
  TimeNs due_ns = 0;   // 0: no deadline
  TimeNs done_ns = 0;  // occurred time of the event that did it
  uint64_t seq = 0;    // that event
  Hash32 by{};         // its author
  std::string detail;  // what did it, or what is missing
};

struct SectionStatus {
  std::string id, title;
  TimeNs due_ns = 0;
  std::vector<Item> items;
};

struct Change {  // a severity, commander, playbook or freeze change
  uint64_t seq = 0;
  TimeNs at_ns = 0;
  Hash32 by{};
  std::string what, reason;
};

struct Frozen {
  std::string operation, reason;
  uint64_t seq = 0;
  TimeNs since_ns = 0;
  Hash32 by{};
};

struct Update {  // an internal update on the SEV-1 cadence
  uint64_t seq = 0;
  TimeNs at_ns = 0, due_ns = 0;
  Hash32 by{};
  bool late = false;
};

struct External {
  uint64_t seq = 0;
  TimeNs at_ns = 0, next_update_ns = 0;
  Hash32 by{};
  // What followed the promise: "kept (#N)", "late (#N)", "overdue", "due",
  // "missed (no update before the close)", "closed before the next update".
  std::string followed;
};

struct Reconciled {
  uint64_t seq = 0;
  TimeNs at_ns = 0;
  Hash32 by{};
  ReconciliationPayload figures;
  std::vector<std::string> discrepancies;
};

struct Criterion {
  std::string id, text;
  bool holds = false;
  std::string why;
};

struct Corrected {
  uint64_t seq = 0, target = 0;
  TimeNs at_ns = 0;
  Hash32 by{};
  bool retraction = false;
  std::string reason;
};

struct IncidentStatus {
  uint64_t incident = 0;
  std::string title, summary;
  Hash32 runbook{};
  bool runbook_current = false;  // declared under the runbook this binary carries
  uint64_t events = 0;
  TimeNs judged_at_ns = 0;  // "now", or the close for what close ends
  TimeNs declared_ns = 0;
  Hash32 declared_by{};
  fb::Severity severity = fb::Severity::None;
  std::vector<Change> severity_history;  // the declaration first
  std::vector<Change> commanders;
  std::optional<Hash32> commander;
  uint8_t playbooks = 0;
  std::vector<Change> playbook_history;
  std::vector<Frozen> frozen;  // frozen now
  std::vector<Change> freeze_history;
  std::vector<SectionStatus> sections;  // those that apply, in runbook order
  // Communications: the SEV-1 internal cadence and external promises.
  int cadence_minutes = 0;
  std::vector<Update> internal_updates;       // those inside SEV-1 periods
  std::vector<std::string> cadence_findings;  // late or missed updates
  TimeNs next_internal_due_ns = 0;            // 0: no cadence running
  std::vector<External> external;
  std::vector<Reconciled> reconciliations;
  std::vector<Criterion> exit;
  bool closed = false;
  TimeNs closed_ns = 0;
  uint64_t closed_seq = 0;
  Hash32 closed_by{};
  std::string root_cause, override_reason;
  std::vector<std::string> unmet_at_close;  // exit criteria that did not hold at close
  TimeNs containment_ns = 0;                // 0: not contained
  std::string containment;                  // what containment meant here
  uint32_t window_minutes = 0;
  TimeNs pir_due_ns = 0;  // the last nanosecond of the PIR's last business day
  std::vector<Corrected> corrections;
  std::vector<uint64_t> superseded;  // sequence numbers
};

// Judges the incident at now_ns (an open incident's deadlines run to now; a
// closed one's stop at its close, except the PIR's).
IncidentStatus Evaluate(const IncidentState& s, const Runbook& rb, TimeNs now_ns);

// The incident's standing only, as Evaluate judges it: title, severity,
// commander, playbooks, frozen operations, the close and the corrections, with
// their histories; the runbook items, communications, reconciliations and
// exit criteria are left empty. For the rules that ask what an action would
// change (rules/rule_set.cc), at a fraction of Evaluate's cost.
IncidentStatus EvaluateStanding(const IncidentState& s, const Runbook& rb, TimeNs now_ns);

// The end (exclusive) of the n-th business day (Monday to Friday, UTC) after
// the day of t.
TimeNs BusinessDaysAfter(TimeNs t, int n);

// "2h05m", "45s".
std::string FormatDuration(TimeNs d);

// What is overdue as judged: the runbook items past their deadline, the
// SEV-1 internal update when its time has passed, and an external update
// promised and not sent. `incident list` shows this count.
int OverdueCount(const IncidentStatus& st);

// The criteria that did not hold at the close, "exit.3, exit.4"; "" for none.
std::string UnmetAtClose(const IncidentStatus& st);

std::string StatusText(const IncidentStatus& st);
nlohmann::ordered_json StatusJson(const IncidentStatus& st);

}  // namespace custody
