#include "projections/timeline.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "ledger/base/time.h"
#include "projections/html_document.h"
#include "projections/render.h"

namespace custody {
namespace {

constexpr int64_t kSecond = 1000000000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
// 2200-01-01T00:00:00Z: ledger times are below it (ledger/base/time.h). The chart clamps to [0,
// this) so its arithmetic cannot overflow whatever a caller passes; the tables still show the time
// as given.
constexpr int64_t kLastNs = 7258118400LL * kSecond;

constexpr std::string_view kUntitled = "(no text)";

// ---------------------------------------------------------------------------------------------------------------
// Text helpers.

std::string_view Trim(std::string_view s) {
  const std::string_view ws = " \t\r\n";
  size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

// What a person reads for a row: its sentence, or a visible stand-in so that an empty one still
// shows (and a strikethrough still has something to strike).
std::string_view Sentence(const TimelineRow& r) {
  std::string_view s = Trim(r.message);
  return s.empty() ? kUntitled : s;
}

const std::string& AuthorShort(const TimelineRow& r) {
  return r.author_short.empty() ? r.author : r.author_short;
}

std::string SubjectsShort(const TimelineRow& r) { return ShortNpubList(r.subjects); }

std::string SeqRef(uint64_t seq) { return "#" + std::to_string(seq); }

std::string JoinSubjects(const std::vector<std::string>& subjects) {
  std::string out;
  for (const auto& s : subjects) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

// The root from "size 42 root <hex>"; "" when the string has no root.
std::string CheckpointRoot(const std::string& checkpoint) {
  size_t at = checkpoint.find("root ");
  if (at == std::string::npos) return "";
  return std::string(Trim(std::string_view(checkpoint).substr(at + 5)));
}

// Kinds of event, one colour and one chart lane each. Unknown types are "other": a new payload type
// shows up in the last lane rather than breaking the chart.
struct Category {
  const char* name;
  const char* colour;  // Okabe–Ito: distinguishable with the common colour-vision deficiencies
};
constexpr Category kCategories[] = {
    {"Incident, severity, command", "#D55E00"},
    {"Freezes and blocks", "#0072B2"},
    {"Steps and rotations", "#009E73"},
    {"Evidence and deploys", "#E69F00"},
    {"Communications", "#CC79A7"},
    {"Reconciliation", "#56B4E9"},
    {"Close and review", "#222222"},
    {"Notes and other", "#999999"},
};
constexpr int kCategoryCount = static_cast<int>(sizeof kCategories / sizeof kCategories[0]);

int CategoryOf(std::string_view type) {
  static constexpr std::pair<std::string_view, int> kTypes[] = {
      {"incident_declared", 0},
      {"severity_changed", 0},
      {"commander_assigned", 0},
      {"playbook_activated", 0},
      {"operation_frozen", 1},
      {"operation_unfrozen", 1},
      {"actions_blocked", 1},
      {"paths_invalidated", 1},
      {"step_done", 2},
      {"secret_rotated", 2},
      {"key_rotated", 2},
      {"key_compromised", 2},
      {"evidence", 3},
      {"deploy", 3},
      {"export", 3},
      {"checkpoint", 3},
      {"communication", 4},
      {"user_notified", 4},
      {"reconciliation", 5},
      {"incident_closed", 6},
      {"pir_published", 6},
      {"root_cause", 6},
  };
  for (const auto& [name, category] : kTypes)
    if (name == type) return category;
  return kCategoryCount - 1;
}

// ---------------------------------------------------------------------------------------------------------------
// Machine forms: one column list shared by CSV and JSON so that the two never drift apart.

constexpr const char* kColumns[] = {
    "message",      "datetime", "timestamp_desc", "seq",           "event_id", "checkpoint",
    "recorded",     "author",   "type",           "subjects",      "step",     "corrects",
    "corrected_by", "incident", "retraction",     "late_recorded",
};

// Timesketch's name for which of an event's times `datetime` is.
constexpr const char* kTimestampDesc = "Occurred";

}  // namespace

nlohmann::ordered_json TimelineRowJson(const TimelineHeader& h, const TimelineRow& r) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["message"] = r.message;
  j["datetime"] = FormatTime(r.occurred_ns);
  j["timestamp_desc"] = kTimestampDesc;
  j["seq"] = r.seq;
  j["event_id"] = r.event_id;
  // Only a row the checkpoint covers names it: a later event is not provable against it.
  j["checkpoint"] = r.seq < h.checkpoint_size ? h.checkpoint : std::string();
  j["recorded"] = FormatTime(r.recorded_ns);
  j["author"] = r.author;
  j["type"] = r.type;
  j["subjects"] = r.subjects;
  j["step"] = r.step;
  // 0 for "none", as in TimelineRow, rather than null: the column keeps one type, which is what
  // Timesketch's index (and any spreadsheet) wants.
  j["corrects"] = r.corrects;
  j["corrected_by"] = r.corrected_by;
  j["incident"] = h.incident;
  j["retraction"] = r.retraction;
  j["late_recorded"] = r.late_recorded;
  return j;
}

namespace {

// Ledger text is validated UTF-8, but a renderer must not throw on what it is given: invalid bytes
// become U+FFFD.
std::string Dump(const nlohmann::ordered_json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// One CSV field. RFC 4180: quoted when it holds a comma, a quote, CR or LF, quotes doubled.
//
// `text` fields are ones a person or a caller wrote (message, step, incident, ...). A spreadsheet
// runs a cell that begins with = + - @ (or tab or CR, which some strip first) as a formula, so such
// a field gets a leading apostrophe inside quotes: spreadsheets show the text and do not run it
// (OWASP's advice on CSV injection). A program reading the file sees the apostrophe; it is added
// only to those fields. Times, numbers and hex ids are never altered: they cannot begin with those
// characters anyway, and they must stay exact.
std::string CsvField(std::string_view value, bool text) {
  bool guard = text && !value.empty() &&
               std::string_view("=+-@\t\r").find(value[0]) != std::string_view::npos;
  bool quote = guard || value.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!quote) return std::string(value);
  std::string out = "\"";
  if (guard) out += '\'';
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Markdown.

// Event types are identifiers; shown as code so that "step_done" reads as written. Anything else is
// text.
std::string MdType(const std::string& type) {
  bool plain = !type.empty();
  for (char c : type)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) plain = false;
  return plain ? "`" + type + "`" : MdEscape(type, false);
}

std::string MdWhat(const TimelineRow& r) {
  std::string out = MdEscape(Sentence(r), true);
  if (r.corrected_by != 0) out = "~~" + out + "~~";
  if (r.corrects != 0)
    out += (r.retraction ? " (retracts " : " (corrects ") + SeqRef(r.corrects) + ")";
  if (r.corrected_by != 0) out += " (corrected by " + SeqRef(r.corrected_by) + ")";
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// HTML.

std::string Html(std::string_view s, bool breaks = false) { return HtmlEscape(s, breaks); }

std::string HtmlSeqLink(uint64_t seq) {
  return "<a href=\"#e" + std::to_string(seq) + "\">" + SeqRef(seq) + "</a>";
}

// Chart geometry, in viewBox units. The height is fixed by the number of lanes, not of events, so
// 10,000 events make a chart of the same size (markers overlap where events crowd; the table below
// lists every one).
constexpr int kSvgWidth = 1200;
constexpr int kPlotLeft = 200;
constexpr int kPlotRight = 1170;
constexpr int kLaneTop = 10;
constexpr int kLaneHeight = 24;
constexpr int kAxisY = kLaneTop + kCategoryCount * kLaneHeight + 8;
constexpr int kTickLabelY = kAxisY + 17;
constexpr int kEndLabelY = kAxisY + 36;
constexpr int kSvgHeight = kAxisY + 46;

int LaneY(int category) { return kLaneTop + category * kLaneHeight + kLaneHeight / 2; }

int64_t ClampNs(int64_t t) { return t < 0 ? 0 : (t >= kLastNs ? kLastNs - 1 : t); }

// A coordinate in tenths of a unit, written with integer arithmetic: no locale, no float formatting
// differences.
std::string Tenths(int64_t v) {
  const char* sign = v < 0 ? "-" : "";
  uint64_t a = v < 0 ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
  return sign + std::to_string(a / 10) + "." + std::to_string(a % 10);
}

// x of time t (clamped) on an axis from t0 to t1, in tenths. A zero span (one event, or all at one
// instant) puts every marker in the middle instead of dividing by zero.
int64_t XTenths(int64_t t, int64_t t0, int64_t t1) {
  if (t1 <= t0) return (kPlotLeft + kPlotRight) * 5;
  const double f = static_cast<double>(t - t0) / static_cast<double>(t1 - t0);
  return kPlotLeft * 10 + std::llround(f * (kPlotRight - kPlotLeft) * 10);
}

// Tick spacing: 1-2-5 steps below a second, then clock and calendar steps. The smallest step giving
// at most seven ticks over the span keeps labels apart at any span from nanoseconds to the two
// centuries ledgers allow.
int64_t TickStep(int64_t span) {
  static const int64_t kSteps[] = {
      1,
      2,
      5,
      10,
      20,
      50,
      100,
      200,
      500,
      1000,
      2000,
      5000,
      10000,
      20000,
      50000,
      100000,
      200000,
      500000,
      1000000,
      2000000,
      5000000,
      10000000,
      20000000,
      50000000,
      100000000,
      200000000,
      500000000,
      kSecond,
      2 * kSecond,
      5 * kSecond,
      10 * kSecond,
      15 * kSecond,
      30 * kSecond,
      kMinute,
      2 * kMinute,
      5 * kMinute,
      10 * kMinute,
      15 * kMinute,
      30 * kMinute,
      kHour,
      2 * kHour,
      3 * kHour,
      6 * kHour,
      12 * kHour,
      kDay,
      2 * kDay,
      7 * kDay,
      14 * kDay,
      30 * kDay,
      60 * kDay,
      90 * kDay,
      180 * kDay,
      365 * kDay,
      730 * kDay,
      1825 * kDay,
      3650 * kDay,
      7300 * kDay,
      18250 * kDay,
      36500 * kDay,
      73000 * kDay,
  };
  for (int64_t step : kSteps)
    if (span / step <= 6) return step;
  return kSteps[sizeof kSteps / sizeof kSteps[0] - 1];
}

// A tick label as short as the step allows; the full start and end times are printed under the
// axis.
std::string TickLabel(int64_t t, int64_t step) {
  const std::string f = FormatTime(t);  // "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"
  if (step >= kDay || (step >= kMinute && t % kDay == 0)) return f.substr(0, 10);
  if (step >= kMinute) return f.substr(11, 5);
  if (step >= kSecond) return f.substr(11, 8);
  const size_t digits = step % 1000000 == 0 ? 3 : (step % 1000 == 0 ? 6 : 9);
  return f.substr(11, 9 + digits);
}

}  // namespace

void KnowValues(const TimelineRow& r, HtmlTokens* tokens) {
  tokens->Know(r.author);
  for (const auto& s : r.subjects) tokens->Know(s);
  for (const auto& v : r.values) tokens->Know(v);
}

std::string TimelineSvg(const std::vector<TimelineRow>& rows) {
  std::string out =
      "<svg id=\"timeline-svg\" viewBox=\"0 0 " + std::to_string(kSvgWidth) + " " +
      std::to_string(kSvgHeight) +
      "\" role=\"img\" aria-labelledby=\"timeline-svg-title\" font-size=\"11\">\n"
      "<title id=\"timeline-svg-title\">Events over time, one lane per kind of event</title>\n";

  // Lanes, each labelled with its colour: the chart's legend.
  for (int i = 0; i < kCategoryCount; ++i) {
    const std::string y = std::to_string(LaneY(i));
    if (i % 2 == 0)
      out += "<rect x=\"" + std::to_string(kPlotLeft - 10) + "\" y=\"" +
             std::to_string(kLaneTop + i * kLaneHeight) + "\" width=\"" +
             std::to_string(kPlotRight - kPlotLeft + 20) + "\" height=\"" +
             std::to_string(kLaneHeight) + "\" fill=\"#f4f4f4\"/>\n";
    out += "<circle cx=\"10\" cy=\"" + y + "\" r=\"5\" fill=\"" + kCategories[i].colour +
           "\"/><text x=\"22\" y=\"" + std::to_string(LaneY(i) + 4) + "\" fill=\"#333\">" +
           kCategories[i].name + "</text>\n";
  }
  const std::string axis_y = std::to_string(kAxisY);
  out += "<line x1=\"" + std::to_string(kPlotLeft) + "\" y1=\"" + axis_y + "\" x2=\"" +
         std::to_string(kPlotRight) + "\" y2=\"" + axis_y + "\" stroke=\"#555\"/>\n";

  if (rows.empty()) {
    out += "<text x=\"" + std::to_string((kPlotLeft + kPlotRight) / 2) + "\" y=\"" +
           std::to_string(kEndLabelY) +
           "\" text-anchor=\"middle\" fill=\"#555\">No events</text>\n</svg>\n";
    return out;
  }

  int64_t t0 = ClampNs(rows.front().occurred_ns), t1 = t0;
  for (const auto& r : rows) {
    const int64_t t = ClampNs(r.occurred_ns);
    if (t < t0) t0 = t;
    if (t > t1) t1 = t;
  }

  // Ticks on whole multiples of the step (UTC), so that labels read as round times.
  if (t1 > t0) {
    const int64_t step = TickStep(t1 - t0);
    // t0 >= 0, so the division rounds down; and step <= t1 - t0, so neither addition below passes
    // t1 + step.
    int64_t tick = t0 / step * step;
    if (tick < t0) tick += step;
    for (int n = 0; tick <= t1 && n < 16; ++n) {
      const std::string x = Tenths(XTenths(tick, t0, t1));
      out += "<line x1=\"" + x + "\" y1=\"" + std::to_string(kAxisY) + "\" x2=\"" + x + "\" y2=\"" +
             std::to_string(kAxisY + 5) + "\" stroke=\"#555\"/><line x1=\"" + x + "\" y1=\"" +
             std::to_string(kLaneTop) + "\" x2=\"" + x + "\" y2=\"" + axis_y +
             "\" stroke=\"#ddd\" stroke-width=\"0.5\"/><text x=\"" + x + "\" y=\"" +
             std::to_string(kTickLabelY) + "\" text-anchor=\"middle\" fill=\"#333\">" +
             TickLabel(tick, step) + "</text>\n";
      if (t1 - tick < step) break;
      tick += step;
    }
    out += "<text x=\"" + std::to_string(kPlotLeft) + "\" y=\"" + std::to_string(kEndLabelY) +
           "\" text-anchor=\"start\" fill=\"#555\">" + FormatTimeHuman(t0) + "</text><text x=\"" +
           std::to_string(kPlotRight) + "\" y=\"" + std::to_string(kEndLabelY) +
           "\" text-anchor=\"end\" fill=\"#555\">" + FormatTimeHuman(t1) + "</text>\n";
  } else {
    out += "<text x=\"" + std::to_string((kPlotLeft + kPlotRight) / 2) + "\" y=\"" +
           std::to_string(kEndLabelY) + "\" text-anchor=\"middle\" fill=\"#555\">" +
           FormatTimeHuman(t0) + "</text>\n";
  }

  // Where each event's marker is, for the lines joining a correction to what it corrects (first row
  // wins if a caller repeats a seq).
  std::map<uint64_t, std::pair<int64_t, int>> at;
  for (const auto& r : rows)
    at.emplace(r.seq, std::make_pair(XTenths(ClampNs(r.occurred_ns), t0, t1),
                                     LaneY(CategoryOf(r.type)) * 10));
  for (const auto& r : rows) {
    if (r.corrects == 0) continue;
    auto from = at.find(r.seq), to = at.find(r.corrects);
    if (to == at.end()) continue;
    out += "<line x1=\"" + Tenths(from->second.first) + "\" y1=\"" + Tenths(from->second.second) +
           "\" x2=\"" + Tenths(to->second.first) + "\" y2=\"" + Tenths(to->second.second) +
           "\" stroke=\"#888\" stroke-dasharray=\"3 3\"/>\n";
  }

  // Markers last so that they sit on top. A superseded event is drawn hollow and faint: it happened
  // as recorded, but a later event says it was wrong.
  for (const auto& r : rows) {
    const int category = CategoryOf(r.type);
    const char* colour = kCategories[category].colour;
    const bool superseded = r.corrected_by != 0;
    out += "<circle class=\"ev" + std::string(superseded ? " superseded" : "") + "\" cx=\"" +
           Tenths(XTenths(ClampNs(r.occurred_ns), t0, t1)) + "\" cy=\"" +
           std::to_string(LaneY(category)) + "\" r=\"5\" fill=\"" +
           (superseded ? std::string("#fff") : std::string(colour)) + "\" stroke=\"" + colour +
           "\" stroke-width=\"1.5\"" + (superseded ? " opacity=\"0.55\"" : "") + "><title>" +
           SeqRef(r.seq) + " " + Html(r.type) + " " + FormatTimeHuman(r.occurred_ns) + "\n" +
           Html(Sentence(r));
    if (r.corrects != 0)
      out += std::string(r.retraction ? "\nretracts " : "\ncorrects ") + SeqRef(r.corrects);
    if (superseded) out += "\ncorrected by " + SeqRef(r.corrected_by);
    out += "</title></circle>\n";
  }
  out += "</svg>\n";
  return out;
}

namespace {

// The timeline's own rules, after the shared stylesheet (projections/html_document.cc). Times
// may wrap between date and time, and types after an underscore, so that the What column keeps
// its room on a narrow page.
constexpr const char* kStyle =
    "#timeline-svg{display:block;width:100%;max-width:1200px;height:auto;margin:0 0 1.2em}\n"
    "table{width:100%}\n"
    "td.time,td.num{font-variant-numeric:tabular-nums}\n"
    "tr.superseded td{color:#777}\n"
    ".late{color:#9a5200;font-weight:600}\n"
    ".chip{display:inline-block;width:.7em;height:.7em;border-radius:50%;margin-right:.35em}\n"
    ".legend{color:#444;font-size:.9em;margin-top:1em}\n"
    ":target td{background:#fff7d6}\n"
    // Wide screens have room for times, types and short values on one line each.
    "@media screen and (min-width:1280px){td.time,td.type,td .tok{white-space:nowrap}td "
    "wbr{display:none}}\n"
    "@media print{#timeline-svg{break-inside:avoid}}\n";

std::string HtmlChipStyles() {
  std::string out;
  for (int i = 0; i < kCategoryCount; ++i)
    out += ".c" + std::to_string(i) + "{background:" + kCategories[i].colour + "}\n";
  return out;
}

// " that occurred from SINCE until UNTIL" for a narrowed timeline; "" else.
std::string RangeText(const TimelineHeader& h) {
  if (h.since.empty() && h.until.empty()) return "";
  return " that occurred" + (h.since.empty() ? "" : " from " + h.since) +
         (h.until.empty() ? "" : " until " + h.until);
}

std::string HeadingText(const TimelineHeader& h) {
  return h.title.empty() ? h.incident : h.incident + " — " + h.title;
}

}  // namespace

std::string IncidentTimelineMarkdown(const TimelineHeader& h,
                                     const std::vector<TimelineRow>& rows) {
  std::string out = "# Timeline: " + MdEscape(HeadingText(h), false) + "\n\n";
  out += "**Severity:** " + MdEscape(h.severity, false) + " · **Status:** " +
         MdEscape(h.status, false) + " · **Checkpoint:** " +
         (h.checkpoint.empty() ? std::string("none") : MdEscape(h.checkpoint, false)) +
         " · **Ledger:** " + MdEscape(h.ledger_id, false) + " · " + std::to_string(rows.size()) +
         (rows.size() == 1 ? " event" : " events") + MdEscape(RangeText(h), false) + "\n\n";
  if (rows.empty()) {
    out += "No events.\n\n";
  } else {
    out += "In occurred-time order, then sequence number. Times are UTC.\n\n";
    out += "| Occurred (UTC) | Recorded (UTC) | # | Author | Type | Subjects | What |\n";
    out += "| --- | --- | --- | --- | --- | --- | --- |\n";
    for (const auto& r : rows) {
      out += "| " + FormatTimeHuman(r.occurred_ns) + " | " + FormatTimeHuman(r.recorded_ns) +
             (r.late_recorded ? " ⚠ recorded later" : "") + " | " + std::to_string(r.seq) + " | " +
             MdEscape(AuthorShort(r), false) + " | " + MdType(r.type) + " | " +
             MdEscape(SubjectsShort(r), false) + " | " + MdWhat(r) + " |\n";
    }
    out += "\n";
  }
  out +=
      "Legend: ~~struck through~~ (corrected by #N): superseded, event N corrects or retracts it. "
      "(corrects #M): replaces event M. (retracts #M): withdraws event M without a replacement. "
      "⚠ recorded later: recorded more than 10 minutes after it occurred.\n";
  return out;
}

std::string IncidentTimelineJson(const TimelineHeader& h, const std::vector<TimelineRow>& rows) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["incident"] = h.incident;
  j["title"] = h.title;
  j["severity"] = h.severity;
  j["status"] = h.status;
  j["ledger_id"] = h.ledger_id;
  if (!h.since.empty() || !h.until.empty())
    j["range"] = {{"since", h.since.empty() ? nullptr : nlohmann::ordered_json(h.since)},
                  {"until", h.until.empty() ? nullptr : nlohmann::ordered_json(h.until)}};
  if (h.checkpoint.empty()) {
    j["checkpoint"] = nullptr;
  } else {
    j["checkpoint"] = nlohmann::ordered_json::object();
    j["checkpoint"]["size"] = h.checkpoint_size;
    j["checkpoint"]["root"] = CheckpointRoot(h.checkpoint);
  }
  j["events"] = nlohmann::ordered_json::array();
  for (const auto& r : rows) j["events"].push_back(TimelineRowJson(h, r));
  return Dump(j, 2) + "\n";
}

std::string IncidentTimelineJsonl(const TimelineHeader& h, const std::vector<TimelineRow>& rows) {
  // dump() escapes control characters, so a line break in a message never splits a line.
  std::string out;
  for (const auto& r : rows) out += Dump(TimelineRowJson(h, r), -1) + "\n";
  return out;
}

std::string IncidentTimelineCsv(const TimelineHeader& h, const std::vector<TimelineRow>& rows) {
  // Lines end in "\n", not RFC 4180's CRLF: every CSV reader in use (Timesketch's pandas, Python's
  // csv, spreadsheets) accepts it, and it matches the rest of the project's text output. CR or LF
  // inside a field is quoted, so a record's end is never ambiguous.
  std::string out;
  for (size_t i = 0; i < sizeof kColumns / sizeof kColumns[0]; ++i)
    out += (i ? "," : "") + std::string(kColumns[i]);
  out += "\n";
  const std::string covered = CsvField(h.checkpoint, true), uncovered = CsvField("", true),
                    incident = CsvField(h.incident, true);
  for (const auto& r : rows) {
    const std::string& checkpoint =
        r.seq < h.checkpoint_size ? covered : uncovered;  // as in RowJson
    // Same order as kColumns.
    out += CsvField(r.message, true) + "," + FormatTime(r.occurred_ns) + "," + kTimestampDesc +
           "," + std::to_string(r.seq) + "," + CsvField(r.event_id, false) + "," + checkpoint +
           "," + FormatTime(r.recorded_ns) + "," + CsvField(r.author, true) + "," +
           CsvField(r.type, true) + "," + CsvField(JoinSubjects(r.subjects), true) + "," +
           CsvField(r.step, true) + "," + std::to_string(r.corrects) + "," +
           std::to_string(r.corrected_by) + "," + incident + "," +
           (r.retraction ? "true" : "false") + "," + (r.late_recorded ? "true" : "false") + "\n";
  }
  return out;
}

std::string IncidentTimelineHtml(const TimelineHeader& h, const std::vector<TimelineRow>& rows) {
  const std::string heading = "Timeline: " + HeadingText(h);
  // Values a sentence may show short; numbered as the page first uses them.
  HtmlTokens tokens;
  for (const auto& r : rows) KnowValues(r, &tokens);
  std::string out = HtmlDocumentStart(heading, kStyle + HtmlChipStyles());
  out += "<h1>" + Html(heading) + "</h1>\n";
  const std::string checkpoint =
      h.checkpoint.empty() ? "none" : "<code>" + tokens.Text(h.checkpoint) + "</code>";
  out += "<p class=\"meta\">Severity <b>" + Html(h.severity) + "</b> · Status <b>" +
         Html(h.status) + "</b> · Checkpoint " + checkpoint + " · Ledger <code>" +
         tokens.Value(h.ledger_id) + "</code> · " + std::to_string(rows.size()) +
         (rows.size() == 1 ? " event" : " events") + Html(RangeText(h)) + "</p>\n";
  out += TimelineSvg(rows);
  if (rows.empty()) {
    out += "<p>No events.</p>\n";
  } else {
    out +=
        "<table>\n<thead><tr><th>Occurred (UTC)</th><th>Recorded "
        "(UTC)</th><th>#</th><th>Author</th><th>Type</th>"
        "<th>Subjects</th><th>What</th></tr></thead>\n<tbody>\n";
    for (const auto& r : rows) {
      const bool superseded = r.corrected_by != 0;
      out += "<tr id=\"e" + std::to_string(r.seq) + "\"" +
             (superseded ? " class=\"superseded\"" : "") + ">";
      out += "<td class=\"time\">" + tokens.Text(FormatTimeHuman(r.occurred_ns)) + "</td>";
      out += "<td class=\"time\">" + tokens.Text(FormatTimeHuman(r.recorded_ns)) +
             (r.late_recorded ? "<br><span class=\"late\">⚠ recorded later</span>" : "") + "</td>";
      out += "<td class=\"num\">" + std::to_string(r.seq) + "</td>";
      out += "<td>" + tokens.Value(r.author, AuthorShort(r)) + "</td>";
      std::string type = Html(r.type);
      for (size_t at = type.find('_'); at != std::string::npos; at = type.find('_', at + 6))
        type.insert(at + 1, "<wbr>");
      out += "<td class=\"type\"><span class=\"chip c" + std::to_string(CategoryOf(r.type)) +
             "\"></span>" + type + "</td>";
      std::string subjects;
      for (const auto& s : r.subjects) subjects += (subjects.empty() ? "" : ", ") + tokens.Value(s);
      out += "<td>" + subjects + "</td>";
      std::string what = tokens.Text(Sentence(r), true);
      if (superseded) what = "<del>" + what + "</del>";
      if (r.corrects != 0)
        what += (r.retraction ? " (retracts " : " (corrects ") + HtmlSeqLink(r.corrects) + ")";
      if (superseded) what += " (corrected by " + HtmlSeqLink(r.corrected_by) + ")";
      out += "<td>" + what + "</td></tr>\n";
    }
    out += "</tbody>\n</table>\n";
  }
  out +=
      "<p class=\"legend\">Times are UTC; rows are in occurred-time order, then sequence number. "
      "<del>Struck through</del> (corrected by #N): superseded, event N corrects or retracts it; "
      "its chart marker "
      "is hollow. (corrects #M): replaces event M. (retracts #M): withdraws event M without a "
      "replacement. "
      "Dashed lines in the chart join a correction to what it corrects. "
      "<span class=\"late\">⚠ recorded later</span>: recorded more than 10 minutes after it "
      "occurred. Long values (npubs, hashes) are shown short: hover for the full value, or see "
      "its number under Full values.</p>\n";
  out += tokens.List();
  out += HtmlDocumentEnd();
  return out;
}

}  // namespace custody
