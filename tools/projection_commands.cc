// custody status | timeline | pir report | projections rebuild: the
// projections, read through a reader (they work while another process
// appends) or, for rebuild, rewritten by the writer.
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <iostream>

#include "ledger/base/encoding.h"
#include "ledger/stream_hash.h"
#include "projections/board.h"
#include "projections/pir.h"
#include "projections/projector.h"
#include "projections/render.h"
#include "projections/status.h"
#include "tools/append.h"
#include "tools/cli.h"

namespace custody::cli {
namespace {

Result<uint64_t> IncidentArg(const std::string& text) { return ParseIncidentName(text); }

Result<IncidentState> Load(const Store& store, uint64_t incident) {
  auto s = store.LoadIncident(incident);
  if (!s.ok() && s.status().IsNotFound()) return Status::InvalidArgument(s.status().message());
  return s;
}

// Writes text to a new file (never overwritten), or to standard output.
Status Emit(const std::string& out, const std::string& text) {
  if (out.empty() || out == "-") {
    std::cout << text;
    std::cout.flush();
    return std::cout ? Status::OK() : Status::IOError("write to standard output failed");
  }
  int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0 && errno == EEXIST)
    return Status::InvalidArgument(Printable(out) +
                                   " already exists; custody does not overwrite files");
  if (fd < 0)
    return Status::IOError("cannot create " + Printable(out) + ": " + std::strerror(errno));
  Status s = WriteFull(fd, reinterpret_cast<const uint8_t*>(text.data()), text.size())
                 ? Status::OK()
                 : Status::IOError("write " + Printable(out) + ": " + std::strerror(errno));
  if (s.ok() && fsync(fd) != 0)
    s = Status::IOError("sync " + Printable(out) + ": " + std::strerror(errno));
  close(fd);
  if (!s.ok()) unlink(out.c_str());
  return s;
}

Status StatusCmd(const Context& ctx, const std::string& incident_text) {
  auto incident = IncidentArg(incident_text);
  if (!incident.ok()) return incident.status();
  auto store = ctx.OpenReader();
  if (!store.ok()) return store.status();
  auto state = Load(**store, *incident);
  if (!state.ok()) return state.status();
  IncidentStatus st = Evaluate(*state, CurrentRunbook(), NowNs());
  ctx.Print(StatusJson(st), StatusText(st));
  return Status::OK();
}

TimelineHeader Header(const Store& store, const IncidentStatus& st, uint64_t cp_size,
                      const Hash32& cp_root) {
  TimelineHeader h;
  h.incident = IncidentName(st.incident);
  h.title = st.title;
  h.severity = SeverityName(st.severity);
  h.status = st.closed ? "closed" : "open";
  h.ledger_id = EncodeHex(store.head().ledger_id);
  if (cp_size) {
    h.checkpoint = "size " + std::to_string(cp_size) + " root " + EncodeHex(cp_root);
    h.checkpoint_size = cp_size;
  }
  return h;
}

struct TimelineArgs {
  std::string incident, format, out, since, until;  // format "": not given
};

bool ToFile(const std::string& out) { return !out.empty() && out != "-"; }

Status TimelineCmd(const Context& ctx, const TimelineArgs& a) {
  auto incident = IncidentArg(a.incident);
  if (!incident.ok()) return incident.status();
  // Not given: Markdown, or with --json the timeline as JSON. Given, it is
  // what is written, whatever --json says.
  const std::string format = !a.format.empty() ? a.format : ctx.json ? "json" : "md";
  if (format != "md" && format != "json" && format != "jsonl" && format != "csv" &&
      format != "html")
    return Status::Usage("--format \"" + Printable(a.format) +
                         "\": want md, json, jsonl, csv or html");
  if (format != "json" && !ToFile(a.out))
    CUSTODY_RETURN_IF_ERROR(RefuseJson(ctx, "timeline",
                                       "--format " + format +
                                           " is not JSON; give --out FILE for JSON about the "
                                           "file, or --format json"));
  TimeNs since = INT64_MIN, until = INT64_MAX;
  for (auto [name, text, t] :
       {std::tuple{"--since", &a.since, &since}, std::tuple{"--until", &a.until, &until}}) {
    if (text->empty()) continue;
    auto parsed = ParseTime(*text);
    if (!parsed.ok()) return parsed.status().Prefixed(name);
    *t = *parsed;
  }
  if (!a.since.empty() && !a.until.empty() && since >= until)
    return Status::Usage("--since must come before --until");
  auto store = ctx.OpenReader();
  if (!store.ok()) return store.status();
  auto state = Load(**store, *incident);
  if (!state.ok()) return state.status();
  auto events = IncidentEvents(**store, *incident, 0);
  if (!events.ok()) return events.status();
  const IncidentStatus st = Evaluate(*state, CurrentRunbook(), NowNs());
  // The latest stored checkpoint: rows before its size are provable against it
  // (custody prove SEQ).
  uint64_t cp_size = 0;
  Hash32 cp_root{};
  if (auto cp = (*store)->CheckpointEvent(0); cp.ok()) {
    cp_size = cp->event().payload_as_Checkpoint()->size();
    cp_root = ToHash(cp->event().payload_as_Checkpoint()->root());
  } else if (!cp.status().IsNotFound()) {
    return cp.status();
  }
  TimelineHeader h = Header(**store, st, cp_size, cp_root);
  if (!a.since.empty()) h.since = FormatTime(since);
  if (!a.until.empty()) h.until = FormatTime(until);
  auto rows = BuildTimelineRows(*events);
  // --since/--until: the rows that occurred in [since, until).
  std::erase_if(
      rows, [&](const TimelineRow& r) { return r.occurred_ns < since || r.occurred_ns >= until; });
  std::string text = format == "md"      ? IncidentTimelineMarkdown(h, rows)
                     : format == "json"  ? IncidentTimelineJson(h, rows)
                     : format == "jsonl" ? IncidentTimelineJsonl(h, rows)
                     : format == "csv"   ? IncidentTimelineCsv(h, rows)
                                         : IncidentTimelineHtml(h, rows);
  CUSTODY_RETURN_IF_ERROR(Emit(a.out, text));
  if (!ToFile(a.out)) {
    ctx.printed = true;
    return Status::OK();
  }
  ctx.Print({{"wrote", a.out},
             {"bytes", text.size()},
             {"format", format},
             {"incident", IncidentName(*incident)},
             {"events", rows.size()}},
            WroteLine(a.out,
                      "the " + format + " timeline of " + IncidentName(*incident) + ", " +
                          std::to_string(rows.size()) + " events",
                      text.size()));
  return Status::OK();
}

struct PirReportArgs {
  std::string incident, format, checkpoint, out;  // format "": not given (md)
};

Status PirReport(const Context& ctx, const PirReportArgs& a) {
  auto incident = IncidentArg(a.incident);
  if (!incident.ok()) return incident.status();
  const std::string format = a.format.empty() ? "md" : a.format;
  if (format != "md" && format != "html")
    return Status::Usage("--format \"" + Printable(a.format) + "\": want md or html");
  // With --json: the report as data, unless a --format was asked for, which
  // is written to --out (JSON about the file) and never to standard output.
  if (!a.format.empty() && !ToFile(a.out))
    CUSTODY_RETURN_IF_ERROR(RefuseJson(ctx, "pir report",
                                       "--format " + format +
                                           " is not JSON; give --out FILE for JSON about the "
                                           "file, or no --format for the report as JSON"));
  auto checkpoint = ReadCheckpointArg(a.checkpoint);
  if (!checkpoint.ok()) return checkpoint.status();
  auto store = ctx.OpenReader();
  if (!store.ok()) return store.status();
  uint64_t size = 0;
  CUSTODY_RETURN_IF_ERROR(ResolveCheckpointArg(**store, *checkpoint, &size));
  auto cp = (*store)->CheckpointEvent(size);
  if (!cp.ok()) {
    if (!cp.status().IsNotFound()) return cp.status();
    return Status::InvalidArgument(size ? "this ledger stores no checkpoint of size " +
                                              std::to_string(size)
                                        : "the PIR report is pinned to a checkpoint and this "
                                          "ledger has none yet: run custody checkpoint");
  }
  const uint64_t cp_size = cp->event().payload_as_Checkpoint()->size();
  const Hash32 cp_root = ToHash(cp->event().payload_as_Checkpoint()->root());
  auto state = Load(**store, *incident);
  if (!state.ok()) return state.status();
  if (*incident >= cp_size)
    return Status::InvalidArgument(IncidentName(*incident) + " was declared after checkpoint " +
                                   std::to_string(cp_size) +
                                   "; make a newer one: custody checkpoint");
  auto events = IncidentEvents(**store, *incident, cp_size);
  if (!events.ok()) return events.status();
  PirInput in;
  in.as_of_ns = cp->event().recorded_ns();
  IncidentState pinned = StateAt(*state, cp_size);
  pinned.events = events->size();
  in.status = Evaluate(pinned, CurrentRunbook(), in.as_of_ns);
  in.header = Header(**store, in.status, cp_size, cp_root);
  in.rows = BuildTimelineRows(*events);
  in.ledger_name = (*store)->name();
  if (ctx.json && !ToFile(a.out)) {
    ctx.Print(PirJson(in), "");
    return Status::OK();
  }
  const std::string text = format == "md" ? PirMarkdown(in) : PirHtml(in);
  CUSTODY_RETURN_IF_ERROR(Emit(a.out, text));
  if (!ToFile(a.out)) {
    ctx.printed = true;
    return Status::OK();
  }
  ctx.Print({{"wrote", a.out},
             {"bytes", text.size()},
             {"format", format},
             {"incident", IncidentName(*incident)},
             {"checkpoint", cp_size}},
            WroteLine(a.out,
                      "the PIR report of " + IncidentName(*incident) + " at checkpoint " +
                          std::to_string(cp_size) + ", " + format,
                      text.size()));
  return Status::OK();
}

Status Rebuild(const Context& ctx) {
  CUSTODY_RETURN_IF_ERROR(ctx.LocalOnly("projections rebuild"));
  auto store = ctx.OpenWriter(/*catch_up=*/false);
  if (!store.ok()) return store.status();
  Progress progress("rebuilding projections");
  RebuildReport r;
  CUSTODY_RETURN_IF_ERROR(RebuildProjections(store->get(), progress.Fn(), &r));
  const double rate = r.seconds > 0 ? r.events / r.seconds : 0;
  ctx.Print({{"events", r.events},
             {"incidents", r.incidents},
             {"applied_before", r.applied_before},
             {"matched", r.matched},
             {"differed", r.differed},
             {"missing", r.missing},
             {"extra", r.extra},
             {"seconds", r.seconds},
             {"events_per_second", rate}},
            "rebuilt the projections of " + std::to_string(r.incidents) + " incidents from " +
                std::to_string(r.events) + " events in " + std::to_string(r.seconds).substr(0, 5) +
                " s (" + std::to_string(static_cast<uint64_t>(rate)) +
                " events/s)\nstored projections (applied up to #" +
                std::to_string(r.applied_before) + "): " + std::to_string(r.matched) +
                " identical, " + std::to_string(r.differed) + " different, " +
                std::to_string(r.missing) + " missing, " + std::to_string(r.extra) +
                " extra; all replaced by the rebuilt ones");
  return Status::OK();
}

}  // namespace

void AddProjectionCommands(CLI::App& app, Context& ctx) {
  auto status_arg = std::make_shared<std::string>();
  auto* status = app.add_subcommand("status",
                                    "The incident against the runbook: done, pending, overdue; "
                                    "cadence, reconciliation, exit criteria");
  status->add_option("INCIDENT", *status_arg, "The incident (INC-<n>)")->required();
  status->callback(
      [&ctx, status_arg] { ctx.run = [&ctx, status_arg] { return StatusCmd(ctx, *status_arg); }; });

  auto ta = std::make_shared<TimelineArgs>();
  auto* timeline = app.add_subcommand(
      "timeline",
      "The incident's UTC timeline in occurred-time order; csv/jsonl import into Timesketch");
  timeline->add_option("INCIDENT", ta->incident, "The incident (INC-<n>)")->required();
  timeline->add_option(
      "--format", ta->format,
      "md (default), json, jsonl, csv or html (one self-contained file with an SVG chart)");
  timeline->add_option("--since", ta->since,
                       "Only events that occurred at or after this time (RFC 3339)");
  timeline->add_option("--until", ta->until,
                       "Only events that occurred before this time (RFC 3339)");
  timeline->add_option("--out", ta->out, "A new file (never overwritten); default standard output");
  timeline->callback([&ctx, ta] { ctx.run = [&ctx, ta] { return TimelineCmd(ctx, *ta); }; });

  auto* pir = app.add_subcommand("pir", "Post-incident review: report, publish");
  pir->require_subcommand(1);
  auto pa = std::make_shared<PirReportArgs>();
  auto* report = pir->add_subcommand(
      "report", "The PIR report, pinned to a checkpoint: byte-identical whenever regenerated");
  report->add_option("INCIDENT", pa->incident, "The incident (INC-<n>)")->required();
  report->add_option("--format", pa->format, "md (default) or html");
  report->add_option(
      "--checkpoint", pa->checkpoint,
      "A stored checkpoint: its tree size, or a saved checkpoint file (default: the latest)");
  report->add_option("--out", pa->out, "A new file (never overwritten); default standard output");
  report->callback([&ctx, pa] { ctx.run = [&ctx, pa] { return PirReport(ctx, *pa); }; });

  auto* projections = app.add_subcommand("projections", "Derived state kept at append");
  projections->require_subcommand(1);
  auto* rebuild =
      projections->add_subcommand("rebuild",
                                  "Rebuild every projection from the events alone, say whether the "
                                  "stored ones were identical, and replace them");
  rebuild->callback([&ctx] { ctx.run = [&ctx] { return Rebuild(ctx); }; });
}

}  // namespace custody::cli
