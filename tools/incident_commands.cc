// The runbook's actions: custody incident playbook|commander|severity|
// root-cause|close, freeze, unfreeze, step, comms, reconcile, correct,
// pir publish. Each checks the incident's state against the runbook under the
// writer's lock, then appends one typed event through the one append path.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "ledger/base/encoding.h"
#include "ledger/base/files.h"
#include "ledger/store/blobs.h"
#include "projections/actions.h"
#include "projections/listing.h"
#include "projections/projector.h"
#include "projections/render.h"
#include "projections/status.h"
#include "tools/append.h"
#include "tools/cli.h"

namespace custody::cli {
namespace {

namespace fs = std::filesystem;

// What every incident action takes.
struct Common {
  std::string incident, occurred, corrects;
};

void AddCommon(CLI::App* cmd, Common* c, bool correctable = true) {
  cmd->add_option("INCIDENT", c->incident, "The incident (INC-<n>)")->required();
  cmd->add_option("--occurred", c->occurred,
                  "When it happened, if earlier than now (RFC 3339); lateness is judged on it");
  if (correctable)
    cmd->add_option("--corrects", c->corrects,
                    "Replace an earlier event of the same type in this incident (its seq or id); "
                    "the old one stays, superseded");
}

bool IsBlank(const std::string& text) {
  return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

Result<uint64_t> ResolveEvent(const Store& store, const std::string& text) {
  uint64_t seq = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), seq);
  if (ec == std::errc() && p == text.data() + text.size()) {
    if (seq >= store.size())
      return Status::InvalidArgument("no event " + text + " (the ledger has " +
                                     std::to_string(store.size()) + ")");
    return seq;
  }
  auto id = DecodeHex(text);
  if (!id.ok() || id->size() != 32)
    return Status::InvalidArgument("event \"" + Printable(text) +
                                   "\": want a sequence number or a 64-hex event id");
  Hash32 h;
  std::memcpy(h.data(), id->data(), 32);
  auto found = store.SeqOfId(h);
  if (!found.ok())
    return found.status().IsNotFound() ? Status::InvalidArgument("no event with id " + text)
                                       : found.status();
  return *found;
}

// The ledger, opened for writing, and the author's key. Every rule of the
// action — the incident is open, the playbook active, nothing before the
// declaration, a close's exit criteria — is the rule set's, checked as the
// event is appended (rules/rule_set.h).
struct Checked {
  std::unique_ptr<Store> store;
  uint64_t incident = 0;
  SecretKey key;
};

Result<Checked> Open(const Context& ctx, uint64_t incident) {
  auto key = ctx.LoadKey();
  if (!key.ok()) return key.status();
  auto store = ctx.OpenWriter();
  if (!store.ok()) return store.status();
  return Checked{std::move(*store), incident, std::move(*key)};
}

// Prepares the draft's incident, occurred time and Corrects reference.
Status Prepare(const Checked& c, const Common& common, Draft* d) {
  d->incident = c.incident;
  CUSTODY_RETURN_IF_ERROR(ParseOccurred(common.occurred, d));
  if (common.corrects.empty()) return Status::OK();
  auto seq = ResolveEvent(*c.store, common.corrects);
  if (!seq.ok()) return seq.status().Prefixed("--corrects");
  auto target = c.store->Get(*seq);
  if (!target.ok()) return target.status();
  d->references.push_back({target->id(), *seq, fb::Relation::Corrects});
  return Status::OK();
}

// Appends the draft and says what was appended; `extra` joins the JSON
// document, and `more` the line, after ": ".
Status Append(const Context& ctx, Checked& c, Draft d, const Json& extra = Json::object(),
              const std::string& more = "") {
  const fb::Payload type = PayloadTypeOf(d.payload);
  std::vector<Appended> out;
  CUSTODY_RETURN_IF_ERROR(
      CommitDrafts(ctx, *c.store, c.key, {std::move(d)}, AppendOptions(), &out));
  const Appended& a = out.back();
  Json j{{"seq", a.seq},
         {"id", EncodeHex(a.id)},
         {"type", std::string(PayloadTypeName(type))},
         {"incident", IncidentName(c.incident)},
         {"recorded", FormatTime(a.recorded_ns)}};
  for (auto& [k, v] : extra.items()) j[k] = v;
  ctx.Print(j, AppendedLine(a.seq, PayloadTypeName(type), a.id, c.incident) +
                   (more.empty() ? "" : ": " + more));
  return Status::OK();
}

Result<Checked> OpenFor(const Context& ctx, const std::string& incident_text) {
  auto inc = ParseIncidentName(incident_text);
  if (!inc.ok()) return inc.status();
  return Open(ctx, *inc);
}

// --- incident playbook | commander | severity | root-cause | close -------

struct PlaybookArgs {
  Common common;
  std::string playbook;
};

Status Playbook(const Context& ctx, const PlaybookArgs& a) {
  auto bit = ParsePlaybook(a.playbook);
  if (!bit.ok()) return bit.status();
  auto c = OpenFor(ctx, a.common.incident);
  if (!c.ok()) return c.status();
  Draft d;
  d.payload = PlaybookPayload{*bit};
  CUSTODY_RETURN_IF_ERROR(Prepare(*c, a.common, &d));
  return Append(ctx, *c, std::move(d));
}

struct CommanderArgs {
  Common common;
  std::string npub;
};

Status Commander(const Context& ctx, const CommanderArgs& a) {
  auto key = ParseNpubArg("commander", a.npub);
  if (!key.ok()) return key.status();
  auto c = OpenFor(ctx, a.common.incident);
  if (!c.ok()) return c.status();
  Draft d;
  d.payload = CommanderPayload{*key};
  CUSTODY_RETURN_IF_ERROR(Prepare(*c, a.common, &d));
  return Append(ctx, *c, std::move(d));
}

struct SeverityArgs {
  Common common;
  std::string severity, reason;
};

Status Severity(const Context& ctx, const SeverityArgs& a) {
  auto sev = ParseSeverity(a.severity);
  if (!sev.ok()) return sev.status();
  auto c = OpenFor(ctx, a.common.incident);
  if (!c.ok()) return c.status();
  Draft d;
  d.payload = SeverityPayload{*sev, a.reason};
  CUSTODY_RETURN_IF_ERROR(Prepare(*c, a.common, &d));
  return Append(ctx, *c, std::move(d));
}

struct RootCauseArgs {
  Common common;
  std::string text;
  bool bounded = false;
};

Status RootCause(const Context& ctx, const RootCauseArgs& a) {
  auto c = OpenFor(ctx, a.common.incident);
  if (!c.ok()) return c.status();
  Draft d;
  d.payload = RootCausePayload{a.text, a.bounded};
  CUSTODY_RETURN_IF_ERROR(Prepare(*c, a.common, &d));
  return Append(ctx, *c, std::move(d));
}

struct CloseArgs {
  Common common;
  std::string root_cause, override_reason;
};

Status Close(const Context& ctx, const CloseArgs& a) {
  auto c = OpenFor(ctx, a.common.incident);
  if (!c.ok()) return c.status();
  Draft d;
  d.payload = ClosePayload{a.root_cause, a.override_reason};
  CUSTODY_RETURN_IF_ERROR(Prepare(*c, a.common, &d));
  return Append(ctx, *c, std::move(d));
}

// --- freeze | unfreeze ----------------------------------------------------

struct FreezeArgs {
  Common common;
  std::string operation, reason;
};

Status Freeze(const Context& ctx, const FreezeArgs& a, bool freeze) {
  if (!IsOperationName(a.operation))
    return Status::InvalidArgument("operation \"" + Printable(a.operation) +
                                   "\": want a lower-case name of a-z, 0-9 and '-' (card-issuance, "
                                   "card-rotation, outbound-payments, …)");
  auto c = OpenFor(ctx, a.common.incident);
  if (!c.ok()) return c.status();
  Draft d;
  if (freeze)
    d.payload = FreezePayload{a.operation, a.reason};
  else
    d.payload = UnfreezePayload{a.operation, a.reason};
  CUSTODY_RETURN_IF_ERROR(Prepare(*c, a.common, &d));
  return Append(ctx, *c, std::move(d));
}

// --- step -----------------------------------------------------------------

struct StepArgs {
  Common common;
  std::string step, note, new_key, label, channel, stable_since;
  std::vector<std::string> subjects;
};

// What `custody step` says of a step another command records: which command.
std::string RecordedElsewhere(const std::string& step, fb::Payload by) {
  switch (by) {
    case fb::Payload::CommanderAssigned:
      return "it is done by assigning a commander: custody incident commander ID NPUB";
    case fb::Payload::IncidentDeclared:
      return "the declaration starts the incident's timeline";
    case fb::Payload::ReconciliationRecorded:
      return "it is done by a reconciliation that reconciles: custody reconcile ID --file FILE";
    case fb::Payload::RootCauseRecorded:
      return "record the root cause: custody incident root-cause ID TEXT";
    case fb::Payload::PirPublished:
      return "it is done by publishing the PIR: custody pir publish ID FILE";
    default:
      break;
  }
  if (step == "exit.2")
    return "it holds once the active playbooks' rotations and invalidations are done";
  if (step == "exit.3") return "it holds once the latest reconciliation reconciles";
  return "communications are recorded with custody comms";
}

// The step's options, by the input each gives (projections/actions.h).
struct StepOption {
  uint32_t input;     // kStep… (projections/actions.h)
  const char* flag;   // "--new-key"
  const char* usage;  // "--new-key NPUB"
};
constexpr StepOption kStepOptions[] = {
    {kStepSubject, "--subject", "--subject NPUB"},
    {kStepNewKey, "--new-key", "--new-key NPUB"},
    {kStepSecretLabel, "--secret-label", "--secret-label LABEL"},
    {kStepChannel, "--channel", "--channel TEXT"},
    {kStepStableSince, "--stable-since", "--stable-since TIME"},
};

// The options given fit the step's form: none it does not accept, every one it
// needs ("step A.1 records …: --new-key NPUB").
Status CheckStepOptions(const StepForm& form, uint32_t given) {
  for (const StepOption& o : kStepOptions)
    if ((given & o.input) && !(form.accepts & o.input))
      return Status::Usage(std::string(o.flag) + " does not apply to step " +
                           std::string(form.step));
  const bool missing_one = form.needs_one && !(given & form.needs_one);
  if ((given & form.needs) == form.needs && !missing_one) return Status::OK();
  std::string need;
  for (const StepOption& o : kStepOptions)
    if (form.needs & o.input) need += (need.empty() ? "" : " ") + std::string(o.usage);
  std::string one;
  for (const StepOption& o : kStepOptions)
    if (form.needs_one & o.input) one += (one.empty() ? "" : " or ") + std::string(o.usage);
  if (!one.empty()) need += (need.empty() ? "" : " and ") + one;
  return Status::Usage("step " + std::string(form.step) + " " + std::string(form.records) + ": " +
                       need);
}

Status Step(const Context& ctx, const StepArgs& a) {
  fb::Payload elsewhere = fb::Payload::NONE;
  auto form = StepFormOf(a.step, &elsewhere);
  if (!form.ok() && CurrentRunbook().FindStep(a.step))
    return Status::InvalidArgument("step " + a.step + " is not recorded with custody step: " +
                                   RecordedElsewhere(a.step, elsewhere));
  if (!form.ok()) return form.status();
  StepValues v;
  v.note = a.note;
  v.secret_label = a.label;
  v.channel = a.channel;
  Draft d;
  for (const auto& s : a.subjects) {
    auto key = ParseNpubArg("--subject", s);
    if (!key.ok()) return key.status();
    d.subjects.push_back(*key);
  }
  if (!a.new_key.empty()) {
    auto key = ParseNpubArg("--new-key", a.new_key);
    if (!key.ok()) return key.status();
    v.new_key = *key;
  }
  const uint32_t given =
      (d.subjects.empty() ? 0 : kStepSubject) | (a.new_key.empty() ? 0 : kStepNewKey) |
      (a.label.empty() ? 0 : kStepSecretLabel) | (a.channel.empty() ? 0 : kStepChannel) |
      (a.stable_since.empty() ? 0 : kStepStableSince);
  CUSTODY_RETURN_IF_ERROR(CheckStepOptions(*form, given));
  if (!a.stable_since.empty()) {
    auto t = ParseTime(a.stable_since);
    if (!t.ok()) return t.status().Prefixed("--stable-since");
    v.stable_since = *t;
  }
  d.payload = StepPayloadOf(*form, v);
  auto c = OpenFor(ctx, a.common.incident);
  if (!c.ok()) return c.status();
  CUSTODY_RETURN_IF_ERROR(Prepare(*c, a.common, &d));
  return Append(ctx, *c, std::move(d));
}

// --- comms ----------------------------------------------------------------

struct CommsArgs {
  Common common;
  std::string audience, message, facts, impact, user_action, next_update;
};

Status Comms(const Context& ctx, const CommsArgs& a) {
  CommunicationPayload p;
  p.message = a.message;
  if (a.audience == "internal") {
    p.audience = fb::Audience::Internal;
    if (IsBlank(a.message)) return Status::InvalidArgument("an internal update needs --message");
    if (!a.facts.empty() || !a.impact.empty() || !a.user_action.empty() || !a.next_update.empty())
      return Status::Usage(
          "--facts, --impact, --user-action and --next-update are for external messages");
  } else if (a.audience == "external") {
    p.audience = fb::Audience::External;
    // The parts the runbook needs (runbook-v1.json, "external_required");
    // blank is missing.
    const std::map<std::string, std::pair<const std::string*, const char*>> parts = {
        {"facts", {&a.facts, "facts (--facts)"}},
        {"impact_scope", {&a.impact, "impact scope (--impact)"}},
        {"user_action", {&a.user_action, "immediate user action (--user-action)"}},
        {"next_update", {&a.next_update, "next update time (--next-update)"}}};
    std::string missing;
    for (const std::string& part : CurrentRunbook().external_required) {
      auto it = parts.find(part);
      if (it == parts.end())
        return Status::IOError(
            "the runbook needs an external message part this build does not know: " + part);
      if (IsBlank(*it->second.first))
        missing += (missing.empty() ? "" : ", ") + std::string(it->second.second);
    }
    if (!missing.empty())
      return Status::InvalidArgument(
          "an external message must carry facts, impact scope, user action and next update time; "
          "missing: " +
          missing);
    p.facts = a.facts;
    p.impact_scope = a.impact;
    p.user_action = a.user_action;
    auto t = ParseTime(a.next_update);
    if (!t.ok()) return t.status().Prefixed("--next-update");
    p.next_update_ns = *t;
  } else {
    return Status::Usage("--audience \"" + Printable(a.audience) + "\": want internal or external");
  }
  auto c = OpenFor(ctx, a.common.incident);
  if (!c.ok()) return c.status();
  Draft d;
  d.payload = p;
  CUSTODY_RETURN_IF_ERROR(Prepare(*c, a.common, &d));
  return Append(ctx, *c, std::move(d));
}

// --- reconcile ------------------------------------------------------------

// The reconciliation file (docs/cli.md "reconcile"; projections/actions.h).
Result<ReconciliationPayload> ReadReconciliation(const std::string& path,
                                                 std::vector<Hash32>* wallets) {
  auto text = ReadSmallFile(path, 1 << 20);
  if (!text.ok()) return text.status();
  auto r = ParseReconciliation(*text, wallets);
  if (!r.ok()) return r.status().Prefixed(Printable(path));
  return r;
}

struct ReconcileArgs {
  Common common;
  std::string file;
};

Status Reconcile(const Context& ctx, const ReconcileArgs& a) {
  std::vector<Hash32> wallets;
  auto r = ReadReconciliation(a.file, &wallets);
  if (!r.ok()) return r.status();
  auto c = OpenFor(ctx, a.common.incident);
  if (!c.ok()) return c.status();
  Draft d;
  d.subjects = wallets;
  const bool reconciles = r->Reconciles();
  const std::vector<std::string> discrepancies = Discrepancies(*r);
  d.payload = std::move(*r);
  CUSTODY_RETURN_IF_ERROR(Prepare(*c, a.common, &d));
  return Append(
      ctx, *c, std::move(d), {{"reconciles", reconciles}, {"discrepancies", discrepancies}},
      reconciles ? "reconciles: balances match proofs, tx history sent matches received"
                 : "DISCREPANCY recorded: see custody status " + IncidentName(c->incident));
}

// --- correct --------------------------------------------------------------

struct CorrectArgs {
  Common common;
  std::string event, reason;
};

Status Correct(const Context& ctx, const CorrectArgs& a) {
  auto c = OpenFor(ctx, a.common.incident);
  if (!c.ok()) return c.status();
  Draft d;
  d.payload = CorrectionPayload{a.reason};
  Common common = a.common;
  common.corrects = a.event;
  CUSTODY_RETURN_IF_ERROR(Prepare(*c, common, &d));
  return Append(ctx, *c, std::move(d));
}

// --- pir publish ----------------------------------------------------------

struct PirPublishArgs {
  Common common;
  std::string file, media_type;
};

Status PirPublish(const Context& ctx, const PirPublishArgs& a) {
  // The file is opened, checked and staged before the writer's lock is taken
  // (a FIFO is refused, never waited on).
  int fd = open(a.file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return Status::InvalidArgument("cannot read " + Printable(a.file) + ": " +
                                   std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Status::InvalidArgument(Printable(a.file) + ": not a regular file");
  }
  auto dir = ctx.StagingDir();
  if (!dir.ok()) {
    close(fd);
    return dir.status();
  }
  auto blob = StageBlob(*dir, fd, nullptr);
  close(fd);
  if (!blob.ok()) return blob.status();
  auto c = OpenFor(ctx, a.common.incident);
  if (!c.ok()) {
    DiscardStagedBlob(*blob);
    return c.status();
  }
  PirPayload p;
  p.sha256 = blob->sha256;
  p.size = blob->size;
  p.name = fs::path(a.file).filename().string();
  p.media_type = !a.media_type.empty()                                            ? a.media_type
                 : p.name.size() > 3 && p.name.substr(p.name.size() - 3) == ".md" ? "text/markdown"
                 : p.name.size() > 5 && p.name.substr(p.name.size() - 5) == ".html" ? "text/html"
                 : p.name.size() > 4 && p.name.substr(p.name.size() - 4) == ".pdf"
                     ? "application/pdf"
                     : "application/octet-stream";
  Draft d;
  d.payload = p;
  d.staged_blob = blob->path;
  Status s = Prepare(*c, a.common, &d);
  if (s.ok()) s = Append(ctx, *c, std::move(d));
  if (!s.ok()) DiscardStagedBlob(*blob);
  return s;
}

// custody incident list: every incident, with its standing and what is overdue.
Status List(const Context& ctx) {
  auto store = ctx.OpenReader();
  if (!store.ok()) return store.status();
  auto list = ListIncidents(**store, NowNs());
  if (!list.ok()) return list.status();
  Json j = Json::array();
  std::vector<std::vector<std::string>> rows = {{"INCIDENT", "STATE", "SEV", "COMMANDER",
                                                 "DECLARED (UTC)", "LAST EVENT (UTC)", "OVERDUE",
                                                 "TITLE"}};
  for (const IncidentSummary& s : *list) {
    j.push_back(
        {{"incident", IncidentName(s.incident)},
         {"state", s.closed ? "closed" : "open"},
         {"severity", s.severity},
         {"commander", s.commander ? Json(EncodeNpub(*s.commander)) : Json(nullptr)},
         {"declared", FormatTime(s.declared_ns)},
         {"last_event", {{"seq", s.last_seq}, {"recorded", FormatTime(s.last_recorded_ns)}}},
         {"events", s.events},
         {"overdue_items", s.overdue},
         {"title", s.title}});
    rows.push_back({IncidentName(s.incident), s.closed ? "closed" : "open", s.severity,
                    s.commander ? ShortNpub(*s.commander) : "-", FormatTimeHuman(s.declared_ns),
                    FormatTimeHuman(s.last_recorded_ns) + " #" + std::to_string(s.last_seq),
                    std::to_string(s.overdue), Printable(s.title)});
  }
  // Columns padded to their widest cell (in characters, not bytes), the title last.
  std::vector<size_t> width(rows[0].size(), 0);
  auto chars = [](const std::string& t) {
    size_t n = 0;
    for (unsigned char c : t) n += (c & 0xc0) != 0x80;
    return n;
  };
  for (const auto& r : rows)
    for (size_t i = 0; i + 1 < r.size(); ++i) width[i] = std::max(width[i], chars(r[i]));
  std::string text;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - chars(r[i]) + 2, ' ');
    }
    text += line + "\n";
  }
  if (list->empty()) text = "no incidents declared\n";
  ctx.Print(j, text);
  return Status::OK();
}

}  // namespace

void AddIncidentCommands(CLI::App& app, Context& ctx) {
  CLI::App* incident = app.get_subcommand("incident");

  auto* list = incident->add_subcommand(
      "list", "Every incident: state, severity, commander, declared, last event, overdue items");
  list->callback([&ctx] { ctx.run = [&ctx] { return List(ctx); }; });

  auto pb = std::make_shared<PlaybookArgs>();
  auto* playbook = incident->add_subcommand(
      "playbook", "Activate a playbook (A, B or C) for the incident (commander or admin)");
  AddCommon(playbook, &pb->common, false);
  playbook
      ->add_option("PLAYBOOK", pb->playbook,
                   "A (SERVICE_NSEC), B (wallet key, user scope) or C (NWC secret mapping)")
      ->required();
  playbook->callback([&ctx, pb] { ctx.run = [&ctx, pb] { return Playbook(ctx, *pb); }; });

  auto cm = std::make_shared<CommanderArgs>();
  auto* commander = incident->add_subcommand(
      "commander",
      "Assign the incident commander, a member with the commander or admin role (first15.1)");
  AddCommon(commander, &cm->common);
  commander->add_option("NPUB", cm->npub, "The commander's npub")->required();
  commander->callback([&ctx, cm] { ctx.run = [&ctx, cm] { return Commander(ctx, *cm); }; });

  auto sv = std::make_shared<SeverityArgs>();
  auto* severity = incident->add_subcommand(
      "severity", "Change the severity, with a reason (commander or admin)");
  AddCommon(severity, &sv->common);
  severity->add_option("SEVERITY", sv->severity, "SEV-1, SEV-2 or SEV-3")->required();
  severity->add_option("--reason", sv->reason, "Why")->required();
  severity->callback([&ctx, sv] { ctx.run = [&ctx, sv] { return Severity(ctx, *sv); }; });

  auto rc = std::make_shared<RootCauseArgs>();
  auto* root = incident->add_subcommand(
      "root-cause", "Record the root cause, identified or bounded (exit.1; commander or admin)");
  AddCommon(root, &rc->common);
  root->add_option("TEXT", rc->text, "The root cause")->required();
  root->add_flag("--bounded", rc->bounded, "The cause is bounded, not yet identified");
  root->callback([&ctx, rc] { ctx.run = [&ctx, rc] { return RootCause(ctx, *rc); }; });

  auto cl = std::make_shared<CloseArgs>();
  auto* close_cmd = incident->add_subcommand("close",
                                             "Close the incident; refused (exit 3) until the exit "
                                             "criteria hold, unless --override REASON (recorded)");
  AddCommon(close_cmd, &cl->common, false);
  close_cmd->add_option("--root-cause", cl->root_cause, "The root cause, identified or bounded")
      ->required();
  close_cmd->add_option("--override", cl->override_reason,
                        "Close although exit criteria do not hold, and why");
  close_cmd->callback([&ctx, cl] { ctx.run = [&ctx, cl] { return Close(ctx, *cl); }; });

  for (bool freeze : {true, false}) {
    auto fa = std::make_shared<FreezeArgs>();
    auto* cmd = app.add_subcommand(freeze ? "freeze" : "unfreeze",
                                   freeze ? "Pause a risky operation (first15.2): card-issuance, "
                                            "card-rotation, outbound-payments, or another name"
                                          : "Resume a frozen operation");
    AddCommon(cmd, &fa->common);
    cmd->add_option("OPERATION", fa->operation, "The operation, e.g. outbound-payments")
        ->required();
    auto* reason = cmd->add_option("--reason", fa->reason, "Why");
    if (freeze) reason->required();
    cmd->callback(
        [&ctx, fa, freeze] { ctx.run = [&ctx, fa, freeze] { return Freeze(ctx, *fa, freeze); }; });
  }

  auto st = std::make_shared<StepArgs>();
  auto* step = app.add_subcommand("step",
                                  "Record a runbook step done (A.1, B.4, funds.2, exit.4, pir.2 "
                                  "…); each step's options below");
  AddCommon(step, &st->common);
  step->add_option("STEP", st->step, "The runbook step id")->required();
  step->add_option("--subject", st->subjects, "The affected user (npub; repeatable): B.1-B.4, C.1");
  step->add_option("--note", st->note, "What was done");
  step->add_option("--new-key", st->new_key, "A.1, B.3: the new key's npub (never the secret)");
  step->add_option("--secret-label", st->label,
                   "B.3, C.1: the new secret's label or version name (never the secret)");
  step->add_option("--channel", st->channel, "B.1: how the user was told");
  step->add_option("--stable-since", st->stable_since,
                   "exit.4: since when monitoring has seen a stable state (RFC 3339)");
  step->callback([&ctx, st] { ctx.run = [&ctx, st] { return Step(ctx, *st); }; });

  auto co = std::make_shared<CommsArgs>();
  auto* comms = app.add_subcommand(
      "comms",
      "Record a status update: internal (SEV-1 every 30 min) or external (commander or admin)");
  AddCommon(comms, &co->common);
  comms->add_option("--audience", co->audience, "internal or external")->required();
  comms->add_option("--message", co->message, "The update (internal: required)");
  comms->add_option("--facts", co->facts, "External: the facts, only facts");
  comms->add_option("--impact", co->impact, "External: the impact scope");
  comms->add_option("--user-action", co->user_action, "External: what users must do now");
  comms->add_option("--next-update", co->next_update,
                    "External: when the next update comes (RFC 3339)");
  comms->callback([&ctx, co] { ctx.run = [&ctx, co] { return Comms(ctx, *co); }; });

  auto rec = std::make_shared<ReconcileArgs>();
  auto* reconcile = app.add_subcommand(
      "reconcile",
      "Record sender/receiver balances and proofs and tx history from a JSON file (funds.3)");
  AddCommon(reconcile, &rec->common);
  reconcile->add_option("--file", rec->file, "The figures: JSON, as below")->required();
  reconcile->callback([&ctx, rec] { ctx.run = [&ctx, rec] { return Reconcile(ctx, *rec); }; });

  auto cr = std::make_shared<CorrectArgs>();
  auto* correct = app.add_subcommand(
      "correct", "Retract an earlier event of the incident, with a reason (it stays, superseded)");
  AddCommon(correct, &cr->common, false);
  correct->add_option("EVENT", cr->event, "The event: sequence number or id")->required();
  correct->add_option("--reason", cr->reason, "Why it is wrong")->required();
  correct->callback([&ctx, cr] { ctx.run = [&ctx, cr] { return Correct(ctx, *cr); }; });

  CLI::App* pir = app.get_subcommand("pir");
  auto pp = std::make_shared<PirPublishArgs>();
  auto* publish = pir->add_subcommand(
      "publish",
      "Record the published PIR document, stored by SHA-256 (pir.1; commander or admin)");
  AddCommon(publish, &pp->common, false);
  publish->add_option("FILE", pp->file, "The PIR document")->required();
  publish->add_option("--media-type", pp->media_type, "Media type (default: from the file name)");
  publish->callback([&ctx, pp] { ctx.run = [&ctx, pp] { return PirPublish(ctx, *pp); }; });
}

}  // namespace custody::cli
