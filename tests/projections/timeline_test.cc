// The incident timeline renderers: the machine forms parse back to what went in (CSV by RFC 4180,
// JSON and JSON Lines by nlohmann-json) with the Timesketch columns; the human forms show
// corrections beside what they correct and escape what people wrote; the HTML loads nothing; and
// every form is the same bytes for the same input.
#include "projections/timeline.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ledger/base/time.h"

using namespace custody;

namespace {

constexpr int64_t kS = 1000000000;
constexpr int64_t kT0 = 1795168980LL * kS;  // 2026-11-20T10:03:00Z

const char* const kCsvHeader =
    "message,datetime,timestamp_desc,seq,event_id,checkpoint,recorded,author,type,subjects,step,"
    "corrects,"
    "corrected_by,incident,retraction,late_recorded";

std::string Hex(char c) { return std::string(64, c); }
std::string Npub(char c) { return "npub1" + std::string(58, c); }

TimelineHeader Header() {
  TimelineHeader h;
  h.incident = "INC-7";
  h.title = "Relay key leak, O'Brien & \"co\"";
  h.severity = "SEV-1";
  h.status = "open";
  h.ledger_id = Hex('f');
  h.checkpoint = "size 42 root " + Hex('c');
  h.checkpoint_size = 42;
  return h;
}

TimelineRow Row(uint64_t seq, int64_t occurred, const std::string& type,
                const std::string& message) {
  TimelineRow r;
  r.seq = seq;
  r.event_id = Hex(static_cast<char>('0' + seq % 10));
  r.occurred_ns = occurred;
  r.recorded_ns = occurred + 5 * kS;
  r.author = Npub('q');
  r.author_short = "npub1qqqqqqqq…qqqq";
  r.type = type;
  r.message = message;
  return r;
}

const char* const kHostile = "=HYPERLINK(\"x\")\nsecond line <script>alert(1)</script> | end, done";

// In occurred order, as callers pass them: a correction pair (4 corrected by 6), a retraction (7
// retracted by 8), a subject list, and messages that need every kind of quoting and escaping.
std::vector<TimelineRow> Rows() {
  std::vector<TimelineRow> rows;
  rows.push_back(Row(3, kT0, "incident_declared", "declared SEV-1, relay key leak"));
  rows.push_back(Row(4, kT0 + 60 * kS, "step_done", "froze \"all\" payouts"));
  rows.back().step = "first15.2";
  rows.back().corrected_by = 6;
  rows.push_back(Row(5, kT0 + 120 * kS, "note", kHostile));
  rows.back().subjects = {Npub('a'), Npub('b')};
  rows.back().recorded_ns = kT0 + 120 * kS + 30 * 60 * kS;
  rows.back().late_recorded = true;
  rows.push_back(Row(6, kT0 + 180 * kS, "step_done", "froze payouts from 10:04"));
  rows.back().step = "first15.2";
  rows.back().corrects = 4;
  rows.push_back(Row(7, kT0 + 240 * kS, "user_notified", "notified the wrong user"));
  rows.back().corrected_by = 8;
  rows.push_back(Row(8, kT0 + 270 * kS, "correction", "retracted: wrong user"));
  rows.back().corrects = 7;
  rows.back().retraction = true;
  rows.push_back(Row(9, kT0 + 300 * kS, "reconciliation", "-5 sats between ledger and node"));
  return rows;
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size()))
    ++n;
  return n;
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl = s.find('\n'); nl != std::string::npos; nl = s.find('\n', start)) {
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  if (start < s.size()) out.push_back(s.substr(start));
  return out;
}

// A strict RFC 4180 reader: quotes only around a whole field, records end in LF or CRLF, and the
// text must end with a record end. Returns false on anything else.
bool ParseCsv(const std::string& s, std::vector<std::vector<std::string>>* records) {
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted) {
      if (c != '"') {
        field += c;
      } else if (i + 1 < s.size() && s[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        quoted = false;
      }
      continue;
    }
    if (c == '"') {
      if (!field.empty() || was_quoted) return false;
      quoted = was_quoted = true;
    } else if (c == ',') {
      record.push_back(field);
      field.clear();
      was_quoted = false;
    } else if (c == '\n' || (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n')) {
      if (c == '\r') ++i;
      record.push_back(field);
      records->push_back(record);
      record.clear();
      field.clear();
      was_quoted = false;
    } else {
      if (was_quoted) return false;  // text after a closing quote
      field += c;
    }
  }
  return !quoted && field.empty() && record.empty();
}

// What the CSV form should hold for a text field: the formula guard adds an apostrophe, nothing
// else changes.
std::string Guarded(const std::string& s) {
  return !s.empty() && std::string("=+-@\t\r").find(s[0]) != std::string::npos ? "'" + s : s;
}

}  // namespace

TEST_CASE("Timeline: CSV has the Timesketch header and every record parses back to its row",
          "[timeline]") {
  const auto rows = Rows();
  const TimelineHeader h = Header();
  const std::string csv = IncidentTimelineCsv(h, rows);
  REQUIRE(csv.substr(0, csv.find('\n')) == kCsvHeader);
  CHECK(csv.back() == '\n');

  std::vector<std::vector<std::string>> records;
  REQUIRE(ParseCsv(csv, &records));
  REQUIRE(records.size() == rows.size() + 1);
  const size_t columns = records[0].size();
  CHECK(columns == 16);
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& f = records[i + 1];
    INFO("row " << i);
    REQUIRE(f.size() == columns);
    CHECK(f[0] == Guarded(rows[i].message));
    CHECK(f[1] == FormatTime(rows[i].occurred_ns));
    CHECK(f[2] == "Occurred");
    CHECK(f[3] == std::to_string(rows[i].seq));
    CHECK(f[4] == rows[i].event_id);
    CHECK(f[5] == h.checkpoint);
    CHECK(f[6] == FormatTime(rows[i].recorded_ns));
    CHECK(f[7] == rows[i].author);
    CHECK(f[8] == rows[i].type);
    CHECK(f[10] == rows[i].step);
    CHECK(f[11] == std::to_string(rows[i].corrects));
    CHECK(f[12] == std::to_string(rows[i].corrected_by));
    CHECK(f[13] == "INC-7");
    CHECK(f[14] == (rows[i].retraction ? "true" : "false"));
    CHECK(f[15] == (rows[i].late_recorded ? "true" : "false"));
  }
  // The formula guard: '=' and '-' get the apostrophe inside quotes; the rest of the text is as
  // written.
  CHECK(records[3][0] == std::string("'") + kHostile);
  CHECK(records[7][0] == "'-5 sats between ledger and node");
  CHECK(csv.find("\"'=HYPERLINK(\"\"x\"\")\nsecond line") != std::string::npos);
  CHECK(records[3][9] == Npub('a') + " " + Npub('b'));
  CHECK(records[1][9].empty());
}

TEST_CASE("Timeline: JSON Lines has one parseable object per event with the Timesketch fields",
          "[timeline]") {
  const auto rows = Rows();
  const std::string jsonl = IncidentTimelineJsonl(Header(), rows);
  CHECK(jsonl.back() == '\n');
  const auto lines = Lines(jsonl);
  REQUIRE(lines.size() == rows.size());
  std::vector<std::string> header_columns;
  const std::string header = kCsvHeader;
  for (size_t start = 0, comma = 0; comma != std::string::npos; start = comma + 1) {
    comma = header.find(',', start);
    header_columns.push_back(
        header.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    INFO("line " << i);
    const auto j = nlohmann::ordered_json::parse(lines[i]);
    REQUIRE(j.is_object());
    for (const char* key :
         {"message", "datetime", "timestamp_desc", "seq", "event_id", "checkpoint"})
      CHECK(j.contains(key));
    CHECK(j["message"] == rows[i].message);
    CHECK(j["datetime"] == FormatTime(rows[i].occurred_ns));
    CHECK(j["timestamp_desc"] == "Occurred");
    CHECK(j["seq"] == rows[i].seq);
    CHECK(j["event_id"] == rows[i].event_id);
    CHECK(j["checkpoint"] == Header().checkpoint);  // every row is below its size, 42
    CHECK(j["subjects"] == rows[i].subjects);
    CHECK(j["corrects"] == rows[i].corrects);
    CHECK(j["corrected_by"] == rows[i].corrected_by);
    CHECK(j["retraction"] == rows[i].retraction);
    // The same columns as the CSV, in the same order.
    std::vector<std::string> keys;
    for (const auto& item : j.items()) keys.push_back(item.key());
    CHECK(keys == header_columns);
  }
  // A row the checkpoint does not cover names none, in JSON Lines and CSV.
  TimelineHeader small = Header();
  small.checkpoint = "size 5 root " + Hex('c');
  small.checkpoint_size = 5;
  const auto covered = Lines(IncidentTimelineJsonl(small, rows));
  for (size_t i = 0; i < rows.size(); ++i)
    CHECK(nlohmann::ordered_json::parse(covered[i])["checkpoint"] ==
          (rows[i].seq < 5 ? small.checkpoint : ""));
  const std::string csv = IncidentTimelineCsv(small, rows);
  CHECK(csv.find("," + small.checkpoint + ",") != std::string::npos);
  CHECK(csv.find("," + rows.back().event_id + ",,") != std::string::npos);
}

TEST_CASE("Timeline: JSON is one document with the header, the checkpoint and the events in order",
          "[timeline]") {
  const auto rows = Rows();
  const std::string text = IncidentTimelineJson(Header(), rows);
  CHECK(text.back() == '\n');
  CHECK(text.find("\n  \"events\": [") != std::string::npos);  // 2-space indent
  const auto j = nlohmann::json::parse(text);
  CHECK(j["incident"] == "INC-7");
  CHECK(j["title"] == Header().title);
  CHECK(j["severity"] == "SEV-1");
  CHECK(j["status"] == "open");
  CHECK(j["ledger_id"] == Hex('f'));
  CHECK(j["checkpoint"]["size"] == 42);
  CHECK(j["checkpoint"]["root"] == Hex('c'));
  REQUIRE(j["events"].size() == rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    CHECK(j["events"][i]["seq"] == rows[i].seq);
    CHECK(j["events"][i]["message"] == rows[i].message);
  }

  TimelineHeader none = Header();
  none.checkpoint.clear();
  none.checkpoint_size = 0;
  CHECK(nlohmann::json::parse(IncidentTimelineJson(none, rows))["checkpoint"].is_null());
  CHECK(nlohmann::json::parse(Lines(IncidentTimelineJsonl(none, rows))[0])["checkpoint"] == "");
}

TEST_CASE("Timeline: Markdown strikes superseded rows and names corrections beside them",
          "[timeline]") {
  const auto rows = Rows();
  const std::string md = IncidentTimelineMarkdown(Header(), rows);
  CHECK(md.rfind("# Timeline: INC-7 — Relay key leak, O'Brien \\& \"co\"\n", 0) == 0);
  CHECK(md.find("SEV-1") != std::string::npos);
  CHECK(md.find("size 42 root " + Hex('c')) != std::string::npos);
  CHECK(md.find("| Occurred (UTC) | Recorded (UTC) | # | Author | Type | Subjects | What |\n") !=
        std::string::npos);
  CHECK(md.find("| 2026-11-20 10:03:00Z | 2026-11-20 10:03:05Z | 3 | npub1qqqqqqqq…qqqq | "
                "`incident_declared` |  | "
                "declared SEV-1, relay key leak |\n") != std::string::npos);
  CHECK(md.find("~~froze \"all\" payouts~~ (corrected by #6)") != std::string::npos);
  CHECK(md.find("froze payouts from 10:04 (corrects #4)") != std::string::npos);
  CHECK(md.find("~~notified the wrong user~~ (corrected by #8)") != std::string::npos);
  CHECK(md.find("retracted: wrong user (retracts #7)") != std::string::npos);
  CHECK(md.find("2026-11-20 10:35:00Z ⚠ recorded later") != std::string::npos);
  // The hostile message stays in its cell: its pipe is escaped, its line break is a <br>, its tags
  // are text.
  CHECK(md.find("second line \\<script\\>alert(1)\\</script\\> \\| end") != std::string::npos);
  CHECK(md.find("<script>") == std::string::npos);
  size_t table_lines = 0;
  for (const auto& line : Lines(md)) {
    if (line.rfind("| ", 0) != 0) continue;
    ++table_lines;
    size_t pipes = 0;
    for (size_t i = 0; i < line.size(); ++i)
      if (line[i] == '|' && (i == 0 || line[i - 1] != '\\')) ++pipes;
    INFO(line);
    CHECK(pipes == 8);
  }
  CHECK(table_lines == rows.size() + 2);
  // Subjects are shown, short.
  CHECK(md.find("| npub1aaaaaaaa…aaaa, npub1bbbbbbbb…bbbb |") != std::string::npos);
  CHECK(md.find("Legend:") != std::string::npos);
}

TEST_CASE("Timeline: HTML is self-contained, escaped, and charts every event", "[timeline]") {
  const auto rows = Rows();
  const std::string html = IncidentTimelineHtml(Header(), rows);
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<meta charset=\"utf-8\">") != std::string::npos);
  CHECK(html.find(
            "<title>Timeline: INC-7 — Relay key leak, O&#39;Brien &amp; &quot;co&quot;</title>") !=
        std::string::npos);
  CHECK(html.find("<style>") != std::string::npos);
  CHECK(html.find("<svg") != std::string::npos);
  CHECK(html.find("id=\"timeline-svg\"") != std::string::npos);
  CHECK(html.find("viewBox=\"0 0 ") != std::string::npos);
  CHECK(html.find("http://") == std::string::npos);
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.find("url(") == std::string::npos);
  CHECK(Count(html, "<circle class=\"ev") == rows.size());
  CHECK(Count(html, "<circle class=\"ev superseded\"") == 2);
  CHECK(Count(html, "<td><del>") == 2);
  CHECK(html.find("(corrects <a href=\"#e4\">#4</a>)") != std::string::npos);
  CHECK(html.find("(retracts <a href=\"#e7\">#7</a>)") != std::string::npos);
  CHECK(html.find("(corrected by <a href=\"#e6\">#6</a>)") != std::string::npos);
  CHECK(html.find("⚠ recorded later") != std::string::npos);
  CHECK(html.find("<title>#3 incident_declared 2026-11-20 10:03:00Z") != std::string::npos);
  // Five minutes of events: ticks a minute apart, and the span's ends in full.
  CHECK(html.find(">10:04</text>") != std::string::npos);
  CHECK(html.find(">2026-11-20 10:03:00Z</text>") != std::string::npos);
  CHECK(html.find(">2026-11-20 10:08:00Z</text>") != std::string::npos);
  CHECK(html.substr(html.size() - 8) == "</html>\n");
}

TEST_CASE("Timeline: HTML shows npubs and hashes short, each in full once under Full values",
          "[timeline]") {
  auto rows = Rows();
  // A sentence with a full npub, and one with DescribeEvent's short form of a hash the event
  // carries.
  rows.push_back(Row(10, kT0 + 330 * kS, "secret_rotated", "rotated to new key " + Npub('d')));
  rows.push_back(Row(11, kT0 + 360 * kS, "evidence", "logs snapshot (sha256 eeeeeeeeeeeeeeee…)"));
  rows.back().values = {Npub('q'), Hex('e')};
  const std::string html = IncidentTimelineHtml(Header(), rows);
  for (const std::string& full :
       {Hex('c'), Hex('f'), Npub('q'), Npub('a'), Npub('b'), Npub('d'), Hex('e')}) {
    INFO(full);
    // In a title, and once in the list.
    CHECK(html.find("title=\"" + full + "\"") != std::string::npos);
    CHECK(Count(html, "<code>" + full + "</code></li>") == 1);
  }
  CHECK(html.find("Checkpoint <code>size 42 root <span class=\"tok\" title=\"" + Hex('c') +
                  "\">cccccccccccccccc…</span><sup class=\"ref\"><a href=\"#v1\">1</a></sup>"
                  "</code>") != std::string::npos);
  CHECK(html.find("Ledger <code><span class=\"tok\" title=\"" + Hex('f') +
                  "\">ffffffffffffffff…") != std::string::npos);
  CHECK(html.find("<td><span class=\"tok\" title=\"" + Npub('q') +
                  "\">npub1qqqqqqqq…<wbr>qqqq</span><sup class=\"ref\"><a href=\"#v3\">3</a></sup>"
                  "</td>") != std::string::npos);
  CHECK(html.find("rotated to new key <span class=\"tok\" title=\"" + Npub('d') +
                  "\">npub1dddddddd…<wbr>dddd</span>") != std::string::npos);
  CHECK(html.find("(sha256 <span class=\"tok\" title=\"" + Hex('e') +
                  "\">eeeeeeeeeeeeeeee…</span>") != std::string::npos);
  CHECK(html.find("<h2>Full values</h2>") != std::string::npos);
  // The types may break after an underscore; the dates never.
  CHECK(html.find("incident_<wbr>declared</td>") != std::string::npos);
  CHECK(html.find("<td class=\"time\"><span class=\"nw\">2026-11-20</span> 10:03:00Z</td>") !=
        std::string::npos);
  // Print rules, and the machine forms keep every value in full, with no markup.
  CHECK(html.find("@media print") != std::string::npos);
  CHECK(IncidentTimelineCsv(Header(), rows).find(Npub('d')) != std::string::npos);
  CHECK(IncidentTimelineJson(Header(), rows).find("<span") == std::string::npos);
}

TEST_CASE("Timeline: no events and one event render in every form", "[timeline]") {
  const TimelineHeader h = Header();
  const std::vector<TimelineRow> none;
  CHECK(IncidentTimelineCsv(h, none) == std::string(kCsvHeader) + "\n");
  CHECK(IncidentTimelineJsonl(h, none).empty());
  CHECK(nlohmann::json::parse(IncidentTimelineJson(h, none))["events"].empty());
  CHECK(IncidentTimelineMarkdown(h, none).find("No events.") != std::string::npos);
  const std::string empty_html = IncidentTimelineHtml(h, none);
  CHECK(empty_html.find("id=\"timeline-svg\"") != std::string::npos);
  CHECK(Count(empty_html, "<circle class=\"ev") == 0);

  // One event: a zero span puts the marker mid-axis, with no division by zero.
  const std::vector<TimelineRow> one = {Row(1, kT0, "note", "only")};
  const std::string html = IncidentTimelineHtml(h, one);
  CHECK(Count(html, "<circle class=\"ev") == 1);
  CHECK(html.find("nan") == std::string::npos);
  CHECK(html.find("inf") == std::string::npos);
  CHECK(Lines(IncidentTimelineJsonl(h, one)).size() == 1);
  CHECK(Lines(IncidentTimelineCsv(h, one)).size() == 2);
  CHECK(IncidentTimelineMarkdown(h, one).find("| only |") != std::string::npos);
  CHECK(nlohmann::json::parse(IncidentTimelineJson(h, one))["events"].size() == 1);

  // An empty message still shows something, and a struck one still has text to strike.
  std::vector<TimelineRow> blank = {Row(1, kT0, "note", ""), Row(2, kT0 + kS, "note", "fixed")};
  blank[0].corrected_by = 2;
  blank[1].corrects = 1;
  CHECK(IncidentTimelineMarkdown(h, blank).find("~~(no text)~~ (corrected by #2)") !=
        std::string::npos);
}

TEST_CASE("Timeline: every form is the same bytes for the same input", "[timeline]") {
  const auto rows = Rows();
  const TimelineHeader h = Header();
  const auto again = Rows();
  CHECK(IncidentTimelineMarkdown(h, rows) == IncidentTimelineMarkdown(Header(), again));
  CHECK(IncidentTimelineJson(h, rows) == IncidentTimelineJson(Header(), again));
  CHECK(IncidentTimelineJsonl(h, rows) == IncidentTimelineJsonl(Header(), again));
  CHECK(IncidentTimelineCsv(h, rows) == IncidentTimelineCsv(Header(), again));
  CHECK(IncidentTimelineHtml(h, rows) == IncidentTimelineHtml(Header(), again));
}

TEST_CASE("Timeline: the chart keeps its size for 10,000 events spread over two centuries",
          "[timeline]") {
  const TimelineHeader h = Header();
  std::vector<TimelineRow> many;
  const char* const types[] = {"incident_declared", "operation_frozen", "step_done",
                               "evidence",          "communication",    "reconciliation",
                               "pir_published",     "some_future_type"};
  for (uint64_t i = 0; i < 10000; ++i)
    many.push_back(Row(i + 1, static_cast<int64_t>(i) * 725811LL * kS, types[i % 8],
                       "event " + std::to_string(i)));
  const std::string html = IncidentTimelineHtml(h, many);
  const auto view_box = [](const std::string& s) {
    size_t at = s.find("viewBox=\"");
    return s.substr(at, s.find('"', at + 9) - at);
  };
  CHECK(view_box(html) == view_box(IncidentTimelineHtml(h, Rows())));
  CHECK(Count(html, "<circle class=\"ev") == many.size());
  CHECK(html.find("nan") == std::string::npos);
  CHECK(html.find(">2199-") != std::string::npos);  // the last event's end label
}
