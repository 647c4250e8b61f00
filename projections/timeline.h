// An incident's timeline, rendered for people (Markdown, one self-contained
// HTML file with an SVG chart) and for programs (JSON, JSON Lines and CSV that
// Timesketch imports as they are: `message`, `datetime`, `timestamp_desc`).
//
// The rows are built elsewhere from the ledger (projections/pir.h); this file
// only renders them. Every
// renderer is a pure function: the same header and rows give the same bytes,
// and nothing reads the clock, the locale or the environment.
//
// The names carry an "Incident" prefix because custody::package::TimelineMarkdown
// (evidence/package.h) already renders an evidence package's timeline.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace custody {

struct TimelineRow {
  uint64_t seq = 0;
  std::string event_id;     // 64 hex chars
  int64_t occurred_ns = 0;  // UTC ns since epoch
  int64_t recorded_ns = 0;
  std::string author;                 // npub1... (full)
  std::string author_short;           // "npub1abcdefgh…wxyz"
  std::string type;                   // "step_done", "note", ...
  std::vector<std::string> subjects;  // npubs
  std::string message;                // one human sentence
  std::string step;                   // runbook step id or ""
  uint64_t corrects = 0;              // seq this row corrects (0 none)
  bool retraction = false;            // this row retracts `corrects` without replacing it
  uint64_t corrected_by = 0;          // seq of the row that supersedes this one (0 none)
  bool late_recorded = false;         // recorded more than 10 minutes after occurred
  // When `message` shows something short ("…"): the npubs and hashes the event
  // carries in full (EventValues), so that the HTML forms can link each short
  // form to its full value; else empty. Not in the machine forms.
  std::vector<std::string> values;
};

struct TimelineHeader {
  std::string incident;  // "INC-7"
  std::string title;
  std::string severity;          // current, "SEV-1"
  std::string status;            // "open" / "closed"
  std::string ledger_id;         // hex
  std::string checkpoint;        // "size 42 root <hex>" or "" when none
  uint64_t checkpoint_size = 0;  // 0 when none
  // A timeline narrowed to a time range (timeline --since/--until) says so:
  // the bounds as given, in the fixed RFC 3339 form; "" for none.
  std::string since, until;
};

// Rows arrive already sorted (occurred time, then seq); the renderers keep their order.

// "# Timeline: INC-7 — title", a severity/status/checkpoint line, then a table
// | Occurred (UTC) | Recorded (UTC) | # | Author | Type | Subjects | What | and a legend.
// A superseded row's text is struck through and says "(corrected by #N)"; a
// correcting row says "(corrects #M)" or "(retracts #M)".
std::string IncidentTimelineMarkdown(const TimelineHeader& h, const std::vector<TimelineRow>& rows);

// {"incident", "title", "severity", "status", "ledger_id",
//  "checkpoint": {"size", "root"} or null, "events": [row objects as in the JSON Lines form]},
// 2-space indent, trailing newline.
std::string IncidentTimelineJson(const TimelineHeader& h, const std::vector<TimelineRow>& rows);

// One row object per line, each ending "\n"; no header line, so Timesketch reads every line as an
// event. Keys, in order: message, datetime, timestamp_desc ("Occurred"), seq, event_id, checkpoint
// (the header's string for a row the checkpoint covers, "" otherwise), recorded, author, type,
// subjects (array), step ("" when none), corrects, corrected_by (0 when none), incident,
// retraction, late_recorded. Times are in the fixed RFC 3339 form of ledger/base/time.h
// (FormatTime).
std::string IncidentTimelineJsonl(const TimelineHeader& h, const std::vector<TimelineRow>& rows);

// RFC 4180 with the same columns as the JSON Lines form (subjects space-separated, booleans
// "true"/"false"), header line first, every line ending "\n". Text fields that a spreadsheet would
// run as a formula get a leading apostrophe (see timeline.cc).
std::string IncidentTimelineCsv(const TimelineHeader& h, const std::vector<TimelineRow>& rows);

// One self-contained HTML file: no scripts, no external resources. Header, an inline SVG chart
// (id="timeline-svg", one marker per event, one lane per kind of event) and the same table as the
// Markdown form.
std::string IncidentTimelineHtml(const TimelineHeader& h, const std::vector<TimelineRow>& rows);

class HtmlTokens;
// The row's author, subjects and values, as values its HTML rendering may show
// short (projections/html_document.h).
void KnowValues(const TimelineRow& r, HtmlTokens* tokens);

// The HTML form's chart alone: an SVG element (id="timeline-svg"), every text
// in it escaped; no script, no external reference. The live board shows it.
std::string TimelineSvg(const std::vector<TimelineRow>& rows);
// One row as the JSON and JSON Lines forms write it.
nlohmann::ordered_json TimelineRowJson(const TimelineHeader& h, const TimelineRow& r);

}  // namespace custody
