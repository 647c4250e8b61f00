// The end-to-end SEV-1 SERVICE_NSEC compromise drill (tools/drill.sh, the
// README's demonstration) through the command line: status, the timeline in
// every format and the PIR report are checked against what the drill did, then
// `projections rebuild` must leave every one of them byte-identical. The HTML
// timeline is loaded in headless Chromium: no console errors, the SVG present.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <sstream>

#include "tests/tools/cli_run.h"

using namespace custody;
using custody::test::Has;
using custody::test::Json;
using custody::test::Run;

namespace {

// Runs a shell command, returning its exit code; output goes to files.
int Shell(const std::string& cmd) {
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::vector<std::string> SplitLines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

struct Drill {
  test::TempDir tmp;
  std::string work = tmp / "drill";
  std::string ledger = work + "/ledger";
  std::string inc = "INC-4";

  Drill() {
    const std::string cmd = "CUSTODY='" + std::string(CUSTODY_BIN) + "' '" +
                            std::string(CUSTODY_SOURCE_DIR) + "/tools/drill.sh' '" + work +
                            "' > '" + (tmp / "drill.out") + "' 2>&1";
    const int rc = Shell(cmd);
    INFO(test::ReadFile(tmp / "drill.out"));
    REQUIRE(rc == 0);
  }
  test::Out Read(std::vector<std::string> args) {
    args.insert(args.begin(), {"--ledger", ledger});
    return Run(args);
  }
  std::string Must(std::vector<std::string> args) {
    auto o = Read(args);
    INFO(o.err);
    REQUIRE(o.code == 0);
    return o.out;
  }
  // Everything the projections show, as bytes.
  std::vector<std::string> Renderings() {
    std::vector<std::string> out{Must({"status", inc}), Must({"--json", "status", inc}),
                                 Must({"pir", "report", inc}),
                                 Must({"pir", "report", inc, "--format", "html"})};
    for (const char* f : {"md", "json", "jsonl", "csv", "html"})
      out.push_back(Must({"timeline", inc, "--format", f}));
    return out;
  }
};

std::string StateOf(const Json& st, const std::string& id) {
  for (const auto& sec : st["sections"])
    for (const auto& item : sec["items"])
      if (item["id"] == id) return item["state"];
  return "absent";
}

}  // namespace

TEST_CASE("Drill: the SEV-1 SERVICE_NSEC compromise, end to end through the CLI", "[drill]") {
  Drill d;
  const Json st = Json::parse(d.Must({"--json", "status", d.inc}));
  CHECK(st["status"] == "closed");
  CHECK(st["severity"] == "SEV-2");
  REQUIRE(st["severity_history"].size() == 2);
  CHECK(st["severity_history"][0]["what"] == "SEV-1");
  CHECK(st["playbooks"] == "A");
  CHECK(st["frozen"].empty());
  CHECK(st["freeze_history"].size() == 6);
  for (const char* id : {"first15.1", "first15.2", "first15.3", "first15.4", "A.1", "A.2", "A.3",
                         "A.4", "funds.1", "funds.2", "funds.3", "pir.1", "pir.2", "pir.3"})
    CHECK(StateOf(st, id) == "done");
  // Communications: four internal updates on the cadence, the one at 95 min late (due 85).
  CHECK(st["communications"]["internal_updates"].size() == 4);
  REQUIRE(st["communications"]["findings"].size() == 1);
  CHECK(Has(st["communications"]["findings"][0], "was 10m late"));
  REQUIRE(st["communications"]["external"].size() == 2);
  CHECK(Has(st["communications"]["external"][0]["followed"], "kept"));
  // A discrepancy, then reconciled.
  REQUIRE(st["reconciliations"].size() == 2);
  CHECK(st["reconciliations"][0]["reconciles"] == false);
  CHECK(st["reconciliations"][1]["reconciles"] == true);
  for (const auto& c : st["exit_criteria"]) CHECK(c["holds"] == true);
  CHECK(st["close"]["override_reason"].is_null());
  REQUIRE(st["corrections"].size() == 1);
  CHECK(st["corrections"][0]["retraction"] == false);
  const std::string status_text = d.Must({"status", d.inc});
  CHECK(Has(status_text, "INC-4  SEV-2  closed  SERVICE_NSEC suspected compromise"));
  CHECK(Has(status_text, "[holds] exit.4"));
  // The early close was refused and wrote nothing: one close in the ledger.
  CHECK(Json::parse(d.Must({"--json", "log", "--type", "incident_closed"})).size() == 1);

  // The timeline in every format: every event of the incident, in occurred order.
  const Json events = Json::parse(d.Must({"--json", "log", "--incident", d.inc}));
  const size_t n = events.size();
  const Json tl = Json::parse(d.Must({"timeline", d.inc, "--format", "json"}));
  REQUIRE(tl["events"].size() == n);
  for (size_t i = 1; i < n; ++i)
    CHECK(tl["events"][i - 1]["datetime"] <= tl["events"][i]["datetime"]);
  CHECK(tl["checkpoint"]["size"].get<uint64_t>() > 0);
  const auto jsonl = SplitLines(d.Must({"timeline", d.inc, "--format", "jsonl"}));
  REQUIRE(jsonl.size() == n);
  for (const auto& line : jsonl) {
    const Json row = Json::parse(line);
    for (const char* k : {"message", "datetime", "timestamp_desc", "seq", "event_id", "checkpoint"})
      CHECK(row.contains(k));
    CHECK(row["event_id"].get<std::string>().size() == 64);
  }
  const auto csv = SplitLines(d.Must({"timeline", d.inc, "--format", "csv"}));
  REQUIRE(csv.size() == n + 1);
  CHECK(csv[0].rfind("message,datetime,timestamp_desc,seq,event_id,checkpoint,", 0) == 0);
  const std::string md = d.Must({"timeline", d.inc});
  CHECK(Has(md, "# Timeline: INC-4"));
  CHECK(Has(md, "~~funds.1 done: settlement queue: 41 pending~~ (corrected by #17)"));
  CHECK(Has(md, "(corrects #16)"));
  // --since/--until: the rows that occurred in [since, until), in every format.
  {
    const std::string since = tl["events"][3]["datetime"], until = tl["events"][n - 3]["datetime"];
    size_t inside = 0, after = 0;
    for (const auto& row : tl["events"]) {
      inside += row["datetime"] >= since && row["datetime"] < until;
      after += row["datetime"] >= since;
    }
    const Json part = Json::parse(
        d.Must({"timeline", d.inc, "--format", "json", "--since", since, "--until", until}));
    CHECK(part["events"].size() == inside);
    CHECK(part["range"]["since"] == since);  // the timeline says it is narrowed
    CHECK(part["range"]["until"] == until);
    CHECK_FALSE(tl.contains("range"));
    CHECK(Has(d.Must({"timeline", d.inc, "--since", since}),
              "events that occurred from " + since.substr(0, 10)));
    CHECK(part["events"].front()["datetime"] >= since);
    CHECK(part["events"].back()["datetime"] < until);
    CHECK(SplitLines(d.Must({"timeline", d.inc, "--format", "csv", "--since", since})).size() ==
          after + 1);
    CHECK(d.Read({"timeline", d.inc, "--since", until, "--until", since}).code == 2);
    CHECK(d.Read({"timeline", d.inc, "--since", "yesterday"}).code == 3);
  }
  const std::string html = d.Must({"timeline", d.inc, "--format", "html"});
  CHECK(Has(html, "<svg"));
  CHECK_FALSE(Has(html, "http://"));
  CHECK_FALSE(Has(html, "https://"));

  // The PIR report: every part the runbook and the issue ask for.
  const std::string pir = test::ReadFile(d.work + "/pir.md");
  for (const char* part :
       {"# Post-incident review: INC-4", "## Summary", "## Severity history", "## Response times",
        "Containment: keys and secrets rotated, old paths invalidated (A.1, A.2)",
        "## Runbook compliance", "comms.1 internal update \\#23", "## Reconciliation",
        "receiver balance 98,000 sat vs proofs 97,000 sat", "## Root cause",
        "a CI job printed SERVICE\\_NSEC in its log", "## Exit criteria", "## Corrective actions",
        "CI secret scanner", "## PIR due", "## Timeline"}) {
    INFO(part);
    CHECK(Has(pir, part));
  }
  // --json: the report's content as data, the same sections as the Markdown.
  {
    const Json j = Json::parse(
        d.Must({"--json", "pir", "report", d.inc, "--checkpoint", d.work + "/checkpoint-2.note"}));
    CHECK(j["incident"] == "INC-4");
    CHECK(j["severity"] == "SEV-2");
    CHECK(j["checkpoint"]["size"].get<uint64_t>() > 0);
    std::vector<std::string> titles;
    for (const auto& sec : j["sections"]) titles.push_back(sec["title"]);
    for (const char* t : {"Summary", "Severity history", "Response times", "Runbook compliance",
                          "Reconciliation", "Root cause", "Exit criteria", "Timeline"}) {
      INFO(t);
      CHECK(std::find(titles.begin(), titles.end(), t) != titles.end());
    }
    // A table's rows are objects keyed by its columns.
    bool found_row = false;
    for (const auto& sec : j["sections"])
      for (const auto& table : sec["tables"])
        for (const auto& row : table["rows"])
          found_row = found_row || row.size() == table["columns"].size();
    CHECK(found_row);
    CHECK(Has(j.dump(), "a CI job printed SERVICE_NSEC in its log"));
  }
  // With --out, the file is written and the confirmation says so.
  {
    const std::string out = d.work + "/pir-again.html";
    const auto o = d.Read({"pir", "report", d.inc, "--format", "html", "--out", out});
    REQUIRE(o.code == 0);
    CHECK(Has(o.out, "wrote " + out + ": the PIR report of INC-4 at checkpoint"));
  }
  // A --format asked for is what is written, --json or not: Markdown to a
  // file, with JSON about it; to standard output it is refused (exit 2).
  for (const std::vector<std::string>& cmd :
       {std::vector<std::string>{"timeline", d.inc, "--format", "md"},
        std::vector<std::string>{"pir", "report", d.inc, "--format", "md"}}) {
    std::vector<std::string> line = cmd;
    line.insert(line.begin(), "--json");
    const auto refused = d.Read(line);
    INFO(refused.out + refused.err);
    CHECK(refused.code == 2);
    CHECK(Json::parse(refused.out)["exit"] == 2);
    const std::string out = d.work + "/" + cmd[0] + "-json.md";
    line.insert(line.end(), {"--out", out});
    const auto wrote = d.Read(line);
    REQUIRE(wrote.code == 0);
    const Json about = Json::parse(wrote.out);
    CHECK(about["wrote"] == out);
    CHECK(about["format"] == "md");
    const std::string text = test::ReadFile(out);
    CHECK(text.rfind("# ", 0) == 0);  // Markdown, not JSON
    CHECK(about["bytes"] == text.size());
  }
  // Pinned to its checkpoint: regenerated, the same bytes.
  CHECK(d.Must({"pir", "report", d.inc, "--checkpoint", d.work + "/checkpoint-2.note"}) ==
        d.Must({"pir", "report", d.inc, "--checkpoint", d.work + "/checkpoint-2.note"}));

  // The HTML forms show long values short: the new SERVICE_NSEC key of A.1, given in full in its
  // sentence, is in full only in titles (hover) and once in the Full values list (the chart's
  // tooltips, SVG <title> elements, keep each event's sentence as it is). The report is pinned too.
  std::string new_key = test::ReadFile(d.work + "/new-service.npub");
  new_key.erase(new_key.find_last_not_of("\n") + 1);
  REQUIRE(new_key.size() == 63);
  const std::vector<std::string> pir_html_args{
      "pir", "report", d.inc, "--format", "html", "--checkpoint", d.work + "/checkpoint-2.note"};
  const std::string pir_html = d.Must(pir_html_args);
  CHECK(d.Must(pir_html_args) == pir_html);
  const auto count = [](const std::string& s, const std::string& part) {
    size_t n = 0;
    for (size_t at = s.find(part); at != std::string::npos; at = s.find(part, at + 1)) ++n;
    return n;
  };
  const size_t svg = html.find("<svg"), svg_end = html.find("</svg>");
  REQUIRE(svg_end != std::string::npos);
  for (const std::string& doc : {html.substr(0, svg) + html.substr(svg_end), pir_html}) {
    CHECK(Has(doc, "<h2>Full values</h2>"));
    CHECK(count(doc, "<code>" + new_key + "</code></li>") == 1);
    const size_t titled = count(doc, "title=\"" + new_key + "\"");
    CHECK(titled > 0);
    CHECK(count(doc, new_key) == titled + 1);
  }

  // Projections rebuilt from scratch: identical to those kept at append, and
  // every rendering the same bytes.
  const auto before = d.Renderings();
  const Json rebuilt = Json::parse(d.Must({"--json", "projections", "rebuild"}));
  CHECK(rebuilt["incidents"] == 2);  // the SEV-1, and the SEV-3 left open
  CHECK(rebuilt["matched"] == 2);
  CHECK(rebuilt["differed"] == 0);
  CHECK(rebuilt["missing"] == 0);
  CHECK(d.Renderings() == before);
  // And the ledger verifies.
  CHECK(d.Read({"verify"}).code == 0);
}

TEST_CASE("Drill: the HTML timeline loads in headless Chromium without console errors, SVG present",
          "[drill][chromium]") {
  Drill d;
  const std::string html = d.work + "/timeline.html", dom = d.tmp / "dom.html",
                    log = d.tmp / "chromium.log";
  REQUIRE(Shell("command -v chromium > /dev/null") ==
          0);  // tools/install-deps.sh --test installs it
  // A profile of its own (a Chromium still running with the default one would
  // take the page over and never print it), and no keyring over D-Bus.
  const std::string profile = d.tmp / "chromium-profile";
  const int rc = Shell(
      "timeout 120 chromium --headless --no-sandbox --disable-gpu --password-store=basic "
      "--use-mock-keychain --no-first-run --no-default-browser-check --disable-dev-shm-usage "
      "--user-data-dir='" +
      profile + "' --enable-logging=stderr --v=0 --dump-dom 'file://" + html + "' > '" + dom +
      "' 2> '" + log + "'");
  const std::string out = test::ReadFile(dom), err = test::ReadFile(log);
  INFO(err);
  REQUIRE(rc == 0);
  CHECK(Has(out, "<svg"));
  CHECK(Has(out, "id=\"timeline-svg\""));
  CHECK(Has(out, "INC-4"));
  // Chromium logs every console message (and every blocked resource) as CONSOLE.
  CHECK_FALSE(Has(err, ":CONSOLE"));
  CHECK_FALSE(Has(err, "Uncaught"));
  CHECK_FALSE(Has(err, "Refused to"));
}
