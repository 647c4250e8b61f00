#include "projections/pir.h"

#include <algorithm>
#include <map>

#include "ledger/base/encoding.h"
#include "projections/html_document.h"
#include "projections/render.h"

namespace custody {
namespace {

// The report as a list of blocks, rendered to Markdown or HTML from one source.
struct Block {
  enum Kind { kHeading, kParagraph, kList, kTable } kind;
  std::string text;                            // heading, paragraph
  std::vector<std::string> items;              // list
  std::vector<std::vector<std::string>> rows;  // table; rows[0] is the header
};

std::string MdCell(const std::string& s) { return MdEscape(s, false); }

std::string Since(TimeNs from, TimeNs to) { return to ? FormatDuration(to - from) : "—"; }

// The report's blocks, section by section.
class ReportWriter {
 public:
  explicit ReportWriter(const PirInput& in) : in(in), st(in.status) {}
  std::vector<Block> Write() {
    Intro();
    Compliance();
    Communications();
    Closing();
    Timeline();
    return std::move(b);
  }

 private:
  void heading(std::string text) { b.push_back({Block::kHeading, std::move(text), {}, {}}); }
  void para(std::string text) { b.push_back({Block::kParagraph, std::move(text), {}, {}}); }
  void list(std::vector<std::string> items) {
    if (items.empty()) items.push_back("none");
    b.push_back({Block::kList, "", std::move(items), {}});
  }
  void table(std::vector<std::vector<std::string>> rows) {
    b.push_back({Block::kTable, "", {}, std::move(rows)});
  }
  static std::string t(TimeNs v) { return v ? FormatTimeHuman(v) : std::string("—"); }

  // The title, the pin to a checkpoint, the summary, severities and response times.
  void Intro() {
    heading("Post-incident review: " + IncidentName(st.incident) + " — " + st.title);
    para("Ledger \"" + in.ledger_name + "\" (" + in.header.ledger_id + "). Pinned to checkpoint " +
         in.header.checkpoint +
         ": this report covers the events before it and judges deadlines as of " + t(in.as_of_ns) +
         ", so it is the same whenever it is regenerated from that checkpoint.");

    heading("Summary");
    list({"Severity: " + SeverityName(st.severity) +
              (st.closed ? ", closed " + t(st.closed_ns) : ", open"),
          "Declared " + t(st.declared_ns) + " by " + EncodeNpub(st.declared_by),
          "Commander: " + (st.commander ? EncodeNpub(*st.commander) : std::string("none assigned")),
          "Playbooks: " + (st.playbooks ? PlaybookNames(st.playbooks) : std::string("none")),
          "Summary: " + (st.summary.empty() ? std::string("—") : st.summary),
          "Runbook version: " + EncodeHex(st.runbook) +
              (st.runbook_current ? " (current)" : " (not the current runbook)"),
          "Events: " + std::to_string(in.rows.size())});
    if (!st.override_reason.empty()) {
      para("**Closed with the exit criteria overridden** (" + UnmetAtClose(st) +
           " not met): " + st.override_reason);
    } else if (!st.unmet_at_close.empty()) {
      para("**Warning:** closed without an override, but by the events as they stand " +
           UnmetAtClose(st) + " did not hold at the close.");
    }

    heading("Severity history");
    std::vector<std::vector<std::string>> sev{{"When (UTC)", "Severity", "Reason", "#"}};
    for (const Change& c : st.severity_history)
      sev.push_back({t(c.at_ns), c.what, c.reason, std::to_string(c.seq)});
    table(sev);

    heading("Response times");
    std::vector<std::vector<std::string>> times{{"Milestone", "When (UTC)", "After declaration"}};
    for (const SectionStatus& sec : st.sections) {
      if (sec.id != "first15") continue;
      for (const Item& i : sec.items)
        times.push_back(
            {i.id + " " + i.text + " (" + std::string(ItemStateName(i.state)) + ")", t(i.done_ns),
             i.done_ns ? Since(st.declared_ns, i.done_ns) : std::string(ItemStateName(i.state))});
    }
    times.push_back(
        {"Containment: " + st.containment, t(st.containment_ns),
         st.containment_ns ? Since(st.declared_ns, st.containment_ns) : "not contained"});
    times.push_back(
        {"Close", t(st.closed_ns), st.closed ? Since(st.declared_ns, st.closed_ns) : "open"});
    table(times);
  }

  // What the runbook asked and what was done.
  void Compliance() {
    heading("Runbook compliance");
    std::vector<std::string> findings;
    for (const SectionStatus& sec : st.sections)
      for (const Item& i : sec.items)
        if (i.state != ItemState::kDone)
          findings.push_back(
              i.id + " " + std::string(ItemStateName(i.state)) +
              (i.due_ns ? " (due " + t(i.due_ns) + (i.done_ns ? ", done " + t(i.done_ns) : "") + ")"
                        : "") +
              ": " + i.text + (i.detail.empty() ? "" : " — " + i.detail));
    for (const std::string& f : st.cadence_findings) findings.push_back("comms.1 " + f);
    for (const External& x : st.external)
      if (x.followed.rfind("late", 0) == 0 || x.followed == "overdue" ||
          x.followed.rfind("missed", 0) == 0)
        findings.push_back("comms.2 external message #" + std::to_string(x.seq) +
                           " promised an update by " + t(x.next_update_ns) + ": " + x.followed);
    // Recorded long after it occurred: said once, with the largest gap; the
    // timeline marks each one.
    size_t late_recorded = 0;
    const TimelineRow* widest = nullptr;
    for (const TimelineRow& r : in.rows)
      if (r.late_recorded) {
        ++late_recorded;
        if (!widest || r.recorded_ns - r.occurred_ns > widest->recorded_ns - widest->occurred_ns)
          widest = &r;
      }
    if (widest)
      findings.push_back(std::to_string(late_recorded) + " events recorded more than " +
                         FormatDuration(kLateRecordedNs) +
                         " after they occurred (the largest gap " +
                         FormatDuration(widest->recorded_ns - widest->occurred_ns) + ", #" +
                         std::to_string(widest->seq) +
                         "); lateness is judged on occurred time, marked in the timeline");
    list(findings);

    heading("Runbook items");
    std::vector<std::vector<std::string>> items{
        {"Step", "State", "Done (UTC)", "By", "#", "Detail"}};
    for (const SectionStatus& sec : st.sections)
      for (const Item& i : sec.items)
        items.push_back({i.id, std::string(ItemStateName(i.state)), t(i.done_ns),
                         i.seq ? ShortNpub(i.by) : "—", i.seq ? std::to_string(i.seq) : "—",
                         i.detail});
    table(items);
  }

  // Communications and reconciliations.
  void Communications() {
    heading("Communications");
    std::vector<std::string> comms;
    size_t late = 0;
    for (const Update& u : st.internal_updates) late += u.late;
    comms.push_back("Internal updates on the SEV-1 cadence (every " +
                    std::to_string(st.cadence_minutes) +
                    " min): " + std::to_string(st.internal_updates.size()) + ", " +
                    std::to_string(late) + " late");
    for (const std::string& f : st.cadence_findings) comms.push_back(f);
    for (const External& x : st.external)
      comms.push_back("External message #" + std::to_string(x.seq) + " at " + t(x.at_ns) +
                      "; next update promised by " + t(x.next_update_ns) + ": " + x.followed);
    list(comms);

    heading("Reconciliation");
    std::vector<std::vector<std::string>> rec{{"#", "When (UTC)", "Sender balance / proofs",
                                               "Receiver balance / proofs",
                                               "Tx history sent / received (entries)", "Result"}};
    for (const Reconciled& r : st.reconciliations) {
      const auto& f = r.figures;
      std::string result = r.discrepancies.empty() ? "reconciles" : "discrepancy: ";
      for (size_t i = 0; i < r.discrepancies.size(); ++i)
        result += (i ? "; " : "") + r.discrepancies[i];
      rec.push_back({std::to_string(r.seq), t(r.at_ns),
                     std::to_string(f.sender_balance) + " / " + std::to_string(f.sender_proofs) +
                         " " + f.unit,
                     std::to_string(f.receiver_balance) + " / " +
                         std::to_string(f.receiver_proofs) + " " + f.unit,
                     std::to_string(f.tx_sent) + " / " + std::to_string(f.tx_received) + " " +
                         f.unit + " (" + std::to_string(f.tx_entries) + ")",
                     result});
    }
    if (rec.size() == 1)
      para("No reconciliation recorded.");
    else
      table(rec);
  }

  // Root cause, exit criteria, corrective actions, the PIR's due date, corrections.
  void Closing() {
    heading("Root cause");
    para(st.closed ? st.root_cause : "Not closed.");
    for (const Criterion& c : st.exit)
      if (c.id == "exit.1" && c.holds) para("Recorded: " + c.why);

    heading("Exit criteria");
    std::vector<std::vector<std::string>> exit{{"Criterion", "Holds", "Why"}};
    for (const Criterion& c : st.exit)
      exit.push_back({c.id + " " + c.text, c.holds ? "yes" : "no", c.why});
    table(exit);

    heading("Corrective actions");
    std::vector<std::string> actions;
    for (const SectionStatus& sec : st.sections)
      for (const Item& i : sec.items)
        if ((sec.id == "A" || sec.id == "B" || sec.id == "C" || sec.id == "pir") && i.seq)
          actions.push_back(i.id + " " + i.text + " — " + i.detail + " (" + t(i.done_ns) + ", #" +
                            std::to_string(i.seq) + ")");
    for (const SectionStatus& sec : st.sections)
      for (const Item& i : sec.items)
        if (sec.id == "pir" && !i.seq) actions.push_back("OPEN: " + i.id + " " + i.text);
    list(actions);

    heading("PIR due");
    para(st.closed ? "Due by " + t(st.pir_due_ns) +
                         " UTC: 5 business days (Monday to Friday, UTC) after the close." +
                         (in.as_of_ns > st.pir_due_ns ? " Overdue as of this checkpoint." : "")
                   : "The incident is open; the PIR is due 5 business days after it closes.");

    if (!st.corrections.empty()) {
      heading("Corrections");
      std::vector<std::string> corr;
      for (const Corrected& c : st.corrections)
        corr.push_back("#" + std::to_string(c.seq) +
                       (c.retraction ? " retracts #" : " replaces #") + std::to_string(c.target) +
                       (c.reason.empty() ? "" : ": " + c.reason));
      list(corr);
    }
  }

  // Every event, in occurred-time order.
  void Timeline() {
    heading("Timeline");
    std::vector<std::vector<std::string>> tl{
        {"Occurred (UTC)", "Recorded (UTC)", "#", "Author", "Subjects", "What"}};
    for (const TimelineRow& r : in.rows) {
      std::string what = r.message;
      if (r.corrected_by) what = "[superseded by #" + std::to_string(r.corrected_by) + "] " + what;
      tl.push_back({FormatTimeHuman(r.occurred_ns),
                    FormatTimeHuman(r.recorded_ns) + (r.late_recorded ? " (late)" : ""),
                    std::to_string(r.seq), r.author_short, ShortNpubList(r.subjects), what});
    }
    table(tl);
  }

  const PirInput& in;
  const IncidentStatus& st;
  std::vector<Block> b;
};

std::vector<Block> Report(const PirInput& in) { return ReportWriter(in).Write(); }

}  // namespace

std::vector<TimelineRow> BuildTimelineRows(const std::vector<SignedEvent>& events) {
  std::vector<TimelineRow> rows;
  std::map<uint64_t, size_t> by_seq;
  for (const SignedEvent& ev : events) {
    const fb::Event& e = ev.event();
    TimelineRow r;
    r.seq = e.seq();
    r.event_id = EncodeHex(ev.id());
    r.occurred_ns = e.occurred_ns();
    r.recorded_ns = e.recorded_ns();
    r.author = EncodeNpub(ToHash(e.author()));
    r.author_short = ShortNpub(ToHash(e.author()));
    r.type = std::string(PayloadTypeName(e.payload_type()));
    if (e.subjects())
      for (auto* s : *e.subjects()) r.subjects.push_back(EncodeNpub(ToHash(&s->key())));
    r.message = Printable(DescribeEvent(e));
    r.step = StepOf(e);
    if (auto* c = CorrectsOf(e)) {
      r.corrects = c->seq();
      r.retraction = e.payload_type() == fb::Payload::Correction;
    }
    r.late_recorded = r.recorded_ns - r.occurred_ns > kLateRecordedNs;
    // Only a sentence that shortens something needs the full values (and they cost a rendering
    // of the payload).
    if (r.message.find("…") != std::string::npos) r.values = EventValues(e);
    by_seq[r.seq] = rows.size();
    rows.push_back(std::move(r));
  }
  // A correction that is itself superseded supersedes nothing: walk from the
  // newest down.
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return rows[a].seq > rows[b].seq; });
  for (size_t i : order) {
    if (!rows[i].corrects || rows[i].corrected_by) continue;
    auto it = by_seq.find(rows[i].corrects);
    // A declaration is never superseded (status ignores such a correction too).
    if (it != by_seq.end() && !rows[it->second].corrected_by &&
        rows[it->second].type != "incident_declared")
      rows[it->second].corrected_by = rows[i].seq;
  }
  std::stable_sort(rows.begin(), rows.end(), [](const TimelineRow& a, const TimelineRow& b) {
    return a.occurred_ns != b.occurred_ns ? a.occurred_ns < b.occurred_ns : a.seq < b.seq;
  });
  return rows;
}

std::string PirMarkdown(const PirInput& in) {
  std::string o;
  bool first = true;
  for (const Block& b : Report(in)) {
    switch (b.kind) {
      case Block::kHeading:
        o += (first ? "# " : "## ") + MdCell(b.text) + "\n\n";
        first = false;
        break;
      case Block::kParagraph: {
        // A paragraph may open with a bold label of ours; the rest is text.
        const std::string& text = b.text;
        const size_t end = text.rfind("**", 0) == 0 ? text.find("**", 2) : std::string::npos;
        if (end != std::string::npos)
          o +=
              "**" + MdCell(text.substr(2, end - 2)) + "**" + MdCell(text.substr(end + 2)) + "\n\n";
        else
          o += MdCell(text) + "\n\n";
        break;
      }
      case Block::kList:
        for (const auto& i : b.items) o += "- " + MdCell(i) + "\n";
        o += "\n";
        break;
      case Block::kTable:
        for (size_t r = 0; r < b.rows.size(); ++r) {
          o += "|";
          for (const auto& c : b.rows[r]) o += " " + MdCell(c) + " |";
          o += "\n";
          if (r == 0) {
            o += "|";
            for (size_t c = 0; c < b.rows[r].size(); ++c) o += " --- |";
            o += "\n";
          }
        }
        o += "\n";
        break;
    }
  }
  while (o.size() > 1 && o[o.size() - 1] == '\n' && o[o.size() - 2] == '\n') o.pop_back();
  return o;
}

nlohmann::ordered_json PirJson(const PirInput& in) {
  using Json = nlohmann::ordered_json;
  const IncidentStatus& st = in.status;
  Json j;
  j["incident"] = IncidentName(st.incident);
  j["title"] = st.title;
  j["severity"] = SeverityName(st.severity);
  j["ledger"] = {{"name", in.ledger_name}, {"id", in.header.ledger_id}};
  j["checkpoint"] = {{"size", in.header.checkpoint_size}, {"text", in.header.checkpoint}};
  j["as_of"] = FormatTime(in.as_of_ns);
  // The report's sections in order, as the Markdown and HTML forms show them:
  // paragraphs, list items, and tables as objects keyed by their columns.
  Json sections = Json::array();
  for (const Block& b : Report(in)) {
    if (b.kind == Block::kHeading) {
      sections.push_back({{"title", b.text},
                          {"paragraphs", Json::array()},
                          {"items", Json::array()},
                          {"tables", Json::array()}});
      continue;
    }
    if (sections.empty()) continue;  // the report opens with its heading
    Json& s = sections.back();
    if (b.kind == Block::kParagraph) s["paragraphs"].push_back(b.text);
    if (b.kind == Block::kList)
      for (const auto& i : b.items) s["items"].push_back(i);
    if (b.kind == Block::kTable && !b.rows.empty()) {
      Json rows = Json::array();
      for (size_t r = 1; r < b.rows.size(); ++r) {
        Json row = Json::object();
        for (size_t c = 0; c < b.rows[r].size() && c < b.rows[0].size(); ++c)
          row[b.rows[0][c]] = b.rows[r][c];
        rows.push_back(std::move(row));
      }
      s["tables"].push_back({{"columns", b.rows[0]}, {"rows", std::move(rows)}});
    }
  }
  j["sections"] = std::move(sections);
  return j;
}

std::string PirHtml(const PirInput& in) {
  // Values a cell or a sentence may show short (an author, a subject, a hash in a description).
  HtmlTokens tokens;
  for (const TimelineRow& r : in.rows) KnowValues(r, &tokens);
  std::string o =
      HtmlDocumentStart("PIR " + IncidentName(in.status.incident) + " — " + in.status.title,
                        "body{max-width:72rem;margin:2rem auto;padding:0 1rem}\n"
                        "@media print{body{margin:0;padding:0;max-width:none}}\n");
  bool first = true;
  for (const Block& b : Report(in)) {
    switch (b.kind) {
      case Block::kHeading:
        o += (first ? "<h1>" : "<h2>") + tokens.Text(b.text) + (first ? "</h1>\n" : "</h2>\n");
        first = false;
        break;
      case Block::kParagraph: {
        const std::string& text = b.text;
        const size_t end = text.rfind("**", 0) == 0 ? text.find("**", 2) : std::string::npos;
        if (end != std::string::npos)
          o += "<p><strong>" + tokens.Text(text.substr(2, end - 2)) + "</strong>" +
               tokens.Text(text.substr(end + 2)) + "</p>\n";
        else
          o += "<p>" + tokens.Text(text) + "</p>\n";
        break;
      }
      case Block::kList:
        o += "<ul>\n";
        for (const auto& i : b.items) o += "<li>" + tokens.Text(i) + "</li>\n";
        o += "</ul>\n";
        break;
      case Block::kTable:
        // The header row in <thead>, so that a printed table repeats it on every page.
        o += "<table>\n";
        for (size_t r = 0; r < b.rows.size(); ++r) {
          o += r == 0 ? "<thead><tr>" : "<tr>";
          for (const auto& c : b.rows[r])
            o += (r ? "<td>" : "<th>") + tokens.Text(c) + (r ? "</td>" : "</th>");
          o += r == 0 ? "</tr></thead>\n<tbody>\n" : "</tr>\n";
        }
        o += "</tbody>\n</table>\n";
        break;
    }
  }
  return o + tokens.List() + HtmlDocumentEnd();
}

}  // namespace custody
