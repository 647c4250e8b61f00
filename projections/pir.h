// The incident's timeline rows (from its events) and the post-incident review
// report: summary, severity history, timeline, time to each first-15-minutes
// action, to containment and to close, runbook compliance, reconciliation,
// root cause, exit criteria, corrective actions and the PIR due date. Pure
// functions: pinned to one checkpoint, the report is the same bytes whenever
// it is regenerated.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ledger/event.h"
#include "projections/status.h"
#include "projections/timeline.h"

namespace custody {

// Rows for the events of one incident (any order in; sorted by occurred time,
// then sequence number, out). Corrections are marked on both sides.
std::vector<TimelineRow> BuildTimelineRows(const std::vector<SignedEvent>& events);

// Recorded more than this after it occurred: flagged in timelines and the PIR.
inline constexpr TimeNs kLateRecordedNs = 10LL * 60 * 1000000000;

struct PirInput {
  IncidentStatus status;
  TimelineHeader header;
  std::vector<TimelineRow> rows;
  std::string ledger_name;
  TimeNs as_of_ns = 0;  // the checkpoint's time: what "now" means in the report
};

std::string PirMarkdown(const PirInput& in);
std::string PirHtml(const PirInput& in);
// The same report as data: {"incident", "title", "severity", "ledger",
// "checkpoint", "as_of", "sections": [{"title", "paragraphs", "items",
// "tables": [{"columns", "rows": [{column: cell}]}]}]} (`pir report --json`).
nlohmann::ordered_json PirJson(const PirInput& in);

}  // namespace custody
