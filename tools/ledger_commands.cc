// custody init | member | note | log | show | verify | stats
#include <algorithm>
#include <charconv>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "ledger/base/encoding.h"
#include "ledger/base/files.h"
#include "ledger/checkpoint.h"
#include "ledger/membership.h"
#include "ledger/store/verify.h"
#include "projections/render.h"
#include "tools/append.h"
#include "tools/cli.h"

namespace custody::cli {

namespace {

// The drafts, appended by the server: signed here at the positions it
// leases, content uploaded first. Then every promise held is checked against
// the server's latest signed head (with --wait, until proved).
Status CommitRemote(const Context& ctx, const SecretKey& author, const std::vector<Draft>& drafts,
                    const ProgressFn& progress, std::vector<Appended>* out) {
  auto server = ctx.Server();
  if (!server.ok()) return server.status();
  std::vector<Upload> uploads;
  for (const Draft& d : drafts) {
    Upload u;
    if (d.staged_blob.empty() || !BlobOf(d.payload, &u.sha256, &u.size)) continue;
    u.path = d.staged_blob;
    uploads.push_back(u);
  }
  auto appended = (*server)->Append(author, drafts, uploads, progress);
  if (!appended.ok()) return appended.status();
  if (out) out->insert(out->end(), appended->begin(), appended->end());
  // The promises held — this one and earlier ones — checked against the
  // latest signed head: at once (it covers this append unless the server
  // lags), or until proved with --wait.
  return (*server)->Settle(ctx.wait);
}

}  // namespace

Status CommitDrafts(const Context& ctx, Store& store, const SecretKey& author,
                    const std::vector<Draft>& drafts, const AppendOptions& options,
                    std::vector<Appended>* out) {
  if (ctx.remote()) return CommitRemote(ctx, author, drafts, options.progress, out);
  auto signed_events = store.SignDrafts(author, drafts, options);
  if (!signed_events.ok()) return signed_events.status();
  std::vector<std::string> staged;
  for (const Draft& d : drafts) staged.push_back(d.staged_blob);
  return store.Commit(*signed_events, staged, options, out);
}

Result<Appended> AppendOne(const Context& ctx, Draft draft) {
  auto key = ctx.LoadKey();
  if (!key.ok()) return key.status();
  if (ctx.remote()) {
    // Nothing to read first: no replica to bring up to date.
    std::vector<Appended> out;
    CUSTODY_RETURN_IF_ERROR(CommitRemote(ctx, *key, {std::move(draft)}, {}, &out));
    return out.back();
  }
  auto store = ctx.OpenWriter();
  if (!store.ok()) return store.status();
  std::vector<Appended> out;
  CUSTODY_RETURN_IF_ERROR(
      CommitDrafts(ctx, **store, *key, {std::move(draft)}, AppendOptions(), &out));
  return out.back();
}

Status ParseOccurred(const std::string& text, Draft* d) {
  if (text.empty()) return Status::OK();
  auto t = ParseTime(text);
  if (!t.ok()) return t.status().Prefixed("--occurred");
  d->occurred_ns = *t;
  return Status::OK();
}

Status ParseIncidentArg(const std::string& text, Draft* d) {
  if (text.empty()) return Status::OK();
  auto inc = ParseIncidentName(text);
  if (!inc.ok()) return inc.status();
  d->incident = *inc;
  return Status::OK();
}

Status AppendAndReport(const Context& ctx, Draft draft) {
  const fb::Payload type = PayloadTypeOf(draft.payload);
  const uint64_t incident = draft.incident;
  auto appended = AppendOne(ctx, std::move(draft));
  if (!appended.ok()) return appended.status();
  const Appended& a = *appended;
  Json j{{"seq", a.seq},
         {"id", EncodeHex(a.id)},
         {"type", std::string(PayloadTypeName(type))},
         {"recorded", FormatTime(a.recorded_ns)}};
  if (incident) j["incident"] = IncidentName(incident);
  ctx.Print(j, AppendedLine(a.seq, PayloadTypeName(type), a.id, incident));
  return Status::OK();
}

namespace {

// A served ledger's genesis: the server (`custody serve --init`) waits for
// this admin's, signed here.
Status InitRemote(const Context& ctx, const std::string& name, const SecretKey& key) {
  auto server = ctx.Server();
  if (!server.ok()) return server.status();
  auto info = (*server)->Info();
  if (!info.ok()) return info.status();
  const std::string url = (*server)->url();
  if (!info->origin.empty())
    return Status::InvalidArgument("server " + url + " already serves a ledger (" + info->origin +
                                   ")");
  if (info->awaiting_admin != key.public_key())
    return Status::Unauthorized("server " + url + " awaits the genesis of " +
                                EncodeNpub(info->awaiting_admin) + ", not of this key");
  if (info->name != name)
    return Status::Usage("server " + url + " awaits a ledger named \"" + Printable(info->name) +
                         "\", not \"" + Printable(name) + "\"");
  Draft genesis;
  genesis.payload = GenesisPayload{name, kStorageFormat};
  auto appended = (*server)->Append(key, {genesis}, {});
  if (!appended.ok()) return appended.status();
  CUSTODY_RETURN_IF_ERROR((*server)->Settle(ctx.wait));
  const Hash32 id = appended->front().id;
  ctx.Print({{"ledger_id", EncodeHex(id)},
             {"name", name},
             {"admin", EncodeNpub(key.public_key())},
             {"dir", url}},
            AppendedLine(0, "genesis", id) + ": the ledger \"" + Printable(name) + "\" on " + url +
                "\nadmin      " + EncodeNpub(key.public_key()) + "\nnext: custody member add " +
                EncodeNpub(info->notary) + " --role notary");
  return Status::OK();
}

Status Init(const Context& ctx, const std::string& name) {
  auto key = ctx.LoadKey();
  if (!key.ok()) return key.status();
  if (ctx.remote()) return InitRemote(ctx, name, *key);
  auto dir = ctx.LedgerDir();
  if (!dir.ok()) return dir.status();
  auto store = Store::Init(*dir, name, *key);
  if (!store.ok()) return store.status();
  const ChainHead& h = (*store)->head();
  ctx.Print({{"ledger_id", EncodeHex(h.ledger_id)},
             {"name", name},
             {"admin", EncodeNpub(h.genesis_admin)},
             {"dir", *dir}},
            AppendedLine(0, "genesis", h.ledger_id) + ": the ledger \"" + Printable(name) +
                "\" in " + Printable(*dir) + "\nadmin      " + EncodeNpub(h.genesis_admin));
  return Status::OK();
}

Result<uint32_t> ParseRoles(const std::vector<std::string>& names) {
  uint32_t roles = 0;
  for (const auto& list : names) {
    std::stringstream ss(list);
    std::string name;
    while (std::getline(ss, name, ',')) {
      uint32_t bit = RoleFromName(name);
      if (!bit)
        return Status::InvalidArgument(
            "unknown role \"" + Printable(name) +
            "\" (roles: admin, notary, commander, responder, legal, auditor)");
      roles |= bit;
    }
  }
  return roles;
}

Status MemberChange(const Context& ctx, const std::string& npub,
                    const std::vector<std::string>& role_names, fb::MemberOp op) {
  auto member = ParseNpubArg("member", npub);
  if (!member.ok()) return member.status();
  auto roles = ParseRoles(role_names);
  if (!roles.ok()) return roles.status();
  if (op == fb::MemberOp::Grant && *roles == 0) return Status::Usage("member add needs --role");
  Draft d;
  d.payload = MembershipPayload{*member, op, *roles};
  return AppendAndReport(ctx, std::move(d));
}

Status MemberList(const Context& ctx) {
  auto store = ctx.OpenReader();
  if (!store.ok()) return store.status();
  auto members = (*store)->Members();
  if (!members.ok()) return members.status();
  Json j = Json::array();
  std::string text;
  for (auto& [key, rec] : *members) {
    j.push_back({{"npub", EncodeNpub(key)},
                 {"roles", RoleNames(rec.roles)},
                 {"compromised", rec.compromised}});
    text += EncodeNpub(key) + "  " + (rec.roles ? RoleNames(rec.roles) : "(no roles)") +
            (rec.compromised ? "  COMPROMISED" : "") + "\n";
  }
  ctx.Print(j, text);
  return Status::OK();
}

struct NoteArgs {
  std::string text, incident, occurred;
  std::vector<std::string> subjects;
};

Status Note(const Context& ctx, const NoteArgs& a) {
  Draft d;
  d.payload = NotePayload{a.text};
  CUSTODY_RETURN_IF_ERROR(ParseIncidentArg(a.incident, &d));
  CUSTODY_RETURN_IF_ERROR(ParseOccurred(a.occurred, &d));
  for (const auto& s : a.subjects) {
    auto key = ParseNpubArg("--subject", s);
    if (!key.ok()) return key.status();
    d.subjects.push_back(*key);
  }
  return AppendAndReport(ctx, std::move(d));
}

struct LogArgs {
  std::string incident, subject, type, since, until, limit;
  std::string occurred_since, occurred_until, recorded_since, recorded_until;
};

// [since, until) from two options' texts ("" for open).
struct TimeRange {
  TimeNs since = INT64_MIN, until = INT64_MAX;
  bool Holds(TimeNs t) const { return t >= since && t < until; }
};

Status ParseRange(const std::string& since_name, const std::string& since,
                  const std::string& until_name, const std::string& until, TimeRange* r) {
  if (!since.empty()) {
    auto t = ParseTime(since);
    if (!t.ok()) return t.status().Prefixed(since_name);
    r->since = *t;
  }
  if (!until.empty()) {
    auto t = ParseTime(until);
    if (!t.ok()) return t.status().Prefixed(until_name);
    r->until = *t;
  }
  if (r->since >= r->until && !since.empty() && !until.empty())
    return Status::Usage(since_name + " must come before " + until_name);
  return Status::OK();
}

// The log's columns, aligned: the widths of a ledger of `size` events.
std::string LogRow(const std::string& seq, const std::string& recorded, const std::string& occurred,
                   const std::string& author, const std::string& incident, const std::string& what,
                   size_t seq_width, size_t incident_width) {
  auto pad = [](std::string s, size_t w) {
    // Display columns: the short npub's ellipsis is three bytes, one column.
    size_t cols = 0;
    for (unsigned char c : s) cols += (c & 0xC0) != 0x80;
    return s + std::string(w > cols ? w - cols : 0, ' ');
  };
  return pad(seq, seq_width) + "  " + pad(recorded, 20) + "  " + pad(occurred, 20) + "  " +
         pad(author, 18) + "  " + pad(incident, incident_width) + "  " + what;
}

Status Log(const Context& ctx, const LogArgs& a) {
  uint64_t incident = 0;
  if (!a.incident.empty()) {
    auto inc = ParseIncidentName(a.incident);
    if (!inc.ok()) return inc.status();
    incident = *inc;
  }
  fb::Payload type = fb::Payload::NONE;
  if (!a.type.empty()) {
    type = PayloadTypeFromName(a.type);
    if (type == fb::Payload::NONE)
      return Status::InvalidArgument("unknown event type \"" + Printable(a.type) + "\"");
  }
  uint64_t limit = 0;  // 0: no limit
  if (!a.limit.empty()) {
    // Parsed here, strictly: "-1" or a number past 2^64 must not wrap around
    // to "everything".
    auto [p, ec] = std::from_chars(a.limit.data(), a.limit.data() + a.limit.size(), limit);
    if (ec != std::errc() || p != a.limit.data() + a.limit.size() || limit == 0)
      return Status::Usage("--limit \"" + Printable(a.limit) +
                           "\": want a whole number of events, 1 to 18446744073709551615");
  }
  if (!a.since.empty() && !a.occurred_since.empty())
    return Status::Usage("--since is --occurred-since; give one of them");
  if (!a.until.empty() && !a.occurred_until.empty())
    return Status::Usage("--until is --occurred-until; give one of them");
  TimeRange occurred, recorded;
  CUSTODY_RETURN_IF_ERROR(ParseRange(a.since.empty() ? "--occurred-since" : "--since",
                                     a.since.empty() ? a.occurred_since : a.since,
                                     a.until.empty() ? "--occurred-until" : "--until",
                                     a.until.empty() ? a.occurred_until : a.until, &occurred));
  CUSTODY_RETURN_IF_ERROR(ParseRange("--recorded-since", a.recorded_since, "--recorded-until",
                                     a.recorded_until, &recorded));
  auto store = ctx.OpenReader();
  if (!store.ok()) return store.status();

  Json j = Json::array();
  uint64_t shown = 0;
  Status error;
  const std::string last = std::to_string((*store)->size() ? (*store)->size() - 1 : 0);
  const size_t seq_width = std::max<size_t>(3, last.size() + 1);
  const size_t incident_width = std::max<size_t>(8, last.size() + 4);
  auto consider = [&](SignedEvent ev) {
    const fb::Event& e = ev.event();
    const bool declaration = e.payload_type() == fb::Payload::IncidentDeclared;
    const uint64_t of = declaration ? e.seq() : e.incident();
    if (incident && of != incident) return true;
    if (type != fb::Payload::NONE && e.payload_type() != type) return true;
    if (!occurred.Holds(e.occurred_ns()) || !recorded.Holds(e.recorded_ns())) return true;
    if (ctx.json) {
      j.push_back(EventToJson(ev, ev.id()));
    } else {
      if (shown == 0)
        std::cout << LogRow("SEQ", "RECORDED", "OCCURRED", "AUTHOR", "INCIDENT", "WHAT", seq_width,
                            incident_width)
                  << "\n";
      std::cout << LogRow("#" + std::to_string(e.seq()), FormatTimeHuman(e.recorded_ns()),
                          FormatTimeHuman(e.occurred_ns()), ShortNpub(ToHash(e.author())),
                          of ? IncidentName(of) : "-", DescribeEvent(e), seq_width, incident_width)
                << "\n";
    }
    ++shown;
    return !(limit && shown >= limit);
  };
  if (incident) {
    auto declared = (*store)->IsIncident(incident);
    if (!declared.ok()) return declared.status();
    if (!*declared)
      return Status::InvalidArgument(IncidentName(incident) + " is not a declared incident");
  }
  if (!a.subject.empty() || incident) {
    // An index lists the candidates: the subject's, else the incident's.
    Result<std::vector<uint64_t>> seqs = std::vector<uint64_t>();
    if (!a.subject.empty()) {
      auto user = ParseNpubArg("--subject", a.subject);
      if (!user.ok()) return user.status();
      seqs = (*store)->EventsAbout(*user);
    } else {
      seqs = (*store)->EventsOfIncident(incident);
    }
    if (!seqs.ok()) return seqs.status();
    for (uint64_t seq : *seqs) {
      auto ev = (*store)->Get(seq);
      if (!ev.ok()) return ev.status();
      if (!consider(std::move(*ev))) break;
    }
  } else {
    CUSTODY_RETURN_IF_ERROR((*store)->Scan(0, [&](uint64_t seq, ByteSpan bytes) {
      auto ev = SignedEvent::Decode(bytes);
      if (!ev.ok()) {
        error = ev.status().Prefixed("stored event " + std::to_string(seq));
        return false;
      }
      return consider(std::move(*ev));
    }));
  }
  CUSTODY_RETURN_IF_ERROR(error);
  if (ctx.json)
    ctx.Print(j, "");
  else if (shown == 0)
    ctx.Print(j, "no events match");
  return Status::OK();
}

Status Show(const Context& ctx, const std::string& which, bool raw) {
  if (raw)
    CUSTODY_RETURN_IF_ERROR(
        RefuseJson(ctx, "show", "show --raw writes the event's stored bytes, not JSON"));
  auto store = ctx.OpenReader();
  if (!store.ok()) return store.status();
  uint64_t seq = 0;
  if (which.size() == 64) {
    auto id = DecodeHex32(which);
    if (!id.ok()) return id.status();
    auto s = (*store)->SeqOfId(*id);
    if (!s.ok()) return s.status();
    seq = *s;
  } else {
    std::string_view digits = which;
    if (!digits.empty() && digits[0] == '#') digits.remove_prefix(1);
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
    if (ec != std::errc() || p != digits.data() + digits.size() || digits.empty())
      return Status::InvalidArgument("\"" + Printable(which) +
                                     "\" is neither a sequence number nor a 64-hex event id");
  }
  if (raw) {
    auto bytes = (*store)->GetRaw(seq);
    if (!bytes.ok()) return bytes.status();
    std::cout.write(reinterpret_cast<const char*>(bytes->data()),
                    static_cast<std::streamsize>(bytes->size()));
    std::cout.flush();
    return std::cout ? Status::OK() : Status::IOError("standard output: write failed");
  }
  auto ev = (*store)->Get(seq);
  if (!ev.ok()) return ev.status();
  const Hash32 id = ev->id();
  ctx.Print(EventToJson(*ev, id), EventDetail(*ev, id));
  return Status::OK();
}

Status Verify(const Context& ctx, const std::string& trust_npub,
              const std::string& checkpoint_file) {
  VerifyOptions options;
  if (!trust_npub.empty()) {
    auto trust = ParseNpubArg("--trust", trust_npub);
    if (!trust.ok()) return trust.status();
    options.trust = *trust;
  }
  if (!checkpoint_file.empty()) {
    if (trust_npub.empty())
      return Status::Usage("--checkpoint needs --trust NPUB: the key that signed it");
    auto text = ReadSmallFile(checkpoint_file, kMaxNoteSize);
    if (!text.ok()) return text.status().Prefixed("checkpoint");
    options.checkpoint = std::move(*text);
  }
  auto store = ctx.OpenReader();
  if (!store.ok()) return store.status();
  Progress progress("verify");
  options.progress = progress.Fn();
  if (ctx.remote()) {
    // A remote verify checks every evidence file too: fetched into the replica.
    Store* replica = store->get();
    options.fetch_blob = [&ctx, replica](const Hash32& sha256, uint64_t size) {
      return ctx.EnsureContent(*replica, sha256, size);
    };
  }
  VerifyReport report;
  const int64_t start = NowNs();
  Status s = VerifyLedger(**store, options, &report);
  const double seconds = (NowNs() - start) / 1e9;
  Json j;
  std::string text;
  if (report.have_genesis) {
    j["ledger_id"] = EncodeHex(report.ledger_id);
    j["name"] = report.name;
    j["genesis_admin"] = EncodeNpub(report.genesis_admin);
    text +=
        "ledger         " + EncodeHex(report.ledger_id) + " \"" + Printable(report.name) + "\"\n";
    text += "genesis admin  " + EncodeNpub(report.genesis_admin) + "\n";
  } else {
    j["ledger_id"] = nullptr;
    text += "ledger         unknown: its genesis event does not verify\n";
  }
  if (options.trust && !options.checkpoint) {
    j["trust"] = trust_npub;
    const bool matches = report.have_genesis && *options.trust == report.genesis_admin;
    text += "trusted key    " + trust_npub +
            (matches ? " (is the genesis admin)\n" : " (is NOT the genesis admin)\n");
  }
  if (options.checkpoint) {
    j["trust"] = trust_npub;
    j["checkpoint"] = checkpoint_file;
    j["extends_checkpoint"] = s.ok();
    text += "checkpoint     " + checkpoint_file +
            (s.ok() ? ", signed by " + trust_npub + ": the ledger extends it\n" : "\n");
  }
  j["events_verified"] = report.events;
  j["ok"] = s.ok();
  if (!s.ok()) {
    j["error"] = s.message();
    j["exit"] = ExitCodeOf(ctx, s);
  }
  text += "events         " + std::to_string(report.events) +
          (s.ok() ? " verified" : " verified before the failure") + "\n";
  if (s.ok()) {
    j["head_id"] = EncodeHex(report.head_id);
    j["root"] = EncodeHex(report.root);
    j["checkpoints_verified"] = report.checkpoints;
    j["seconds"] = seconds;
    text += "head           " + EncodeHex(report.head_id) + "\n";
    text += "tree root      " + EncodeHex(report.root) + "\n";
    text += "checkpoints    " + std::to_string(report.checkpoints) +
            " stored, each matches the recomputed tree\n";
    text +=
        "checked        framing, FlatBuffers bodies, ids, signatures, chain, recorded times,\n"
        "               every rule of docs/rules.md (authorization, corrections, exports, the\n"
        "               runbook's preconditions, …), Merkle tree, checkpoints, every evidence\n"
        "               file's SHA-256, head, members, event id, subject, tree, checkpoint,\n"
        "               incident, membership and blob indexes\n";
    text += "result         OK" +
            (report.findings.empty() ? std::string()
                                     : " (" + std::to_string(report.findings.size()) + " finding" +
                                           (report.findings.size() == 1 ? "" : "s") + ")") +
            "\n";
  } else {
    text += "result         FAILED\n";
  }
  // Findings: rules an event broke that do not fail the ledger (docs/rules.md).
  j["findings"] = Json::array();
  for (const Finding& f : report.findings) {
    j["findings"].push_back({{"seq", f.seq},
                             {"rule", f.rule->id},
                             {"kind", f.rule->kind == RuleKind::kPolicy ? "policy" : "integrity"},
                             {"message", f.message}});
    const std::string where = "event " + std::to_string(f.seq) + ": ";
    const std::string what =
        f.message.rfind(where, 0) == 0 ? f.message.substr(where.size()) : f.message;
    text += where + "finding: " + Printable(what) + " (" + f.rule->id + ")\n";
  }
  ctx.Print(j, text);
  return s.Prefixed("verify");
}

Status Stats(const Context& ctx) {
  auto store = ctx.OpenReader();
  if (!store.ok()) return store.status();
  const Store& st = **store;
  std::map<std::string, uint64_t> by_type;
  TimeNs first = 0, last = 0;
  Status error;
  CUSTODY_RETURN_IF_ERROR(st.Scan(0, [&](uint64_t seq, ByteSpan bytes) {
    auto ev = SignedEvent::Decode(bytes);
    if (!ev.ok()) {
      error = ev.status().Prefixed("stored event " + std::to_string(seq));
      return false;
    }
    ++by_type[std::string(PayloadTypeName(ev->event().payload_type()))];
    if (seq == 0) first = ev->event().recorded_ns();
    last = ev->event().recorded_ns();
    return true;
  }));
  CUSTODY_RETURN_IF_ERROR(error);
  auto members = st.Members();
  if (!members.ok()) return members.status();
  size_t with_roles = 0;
  for (auto& [k, rec] : *members) with_roles += rec.roles != 0;
  Json j;
  j["ledger_id"] = EncodeHex(st.head().ledger_id);
  j["name"] = st.name();
  j["events"] = st.size();
  j["head_id"] = EncodeHex(st.head().last_id);
  j["first_recorded"] = FormatTime(first);
  j["last_recorded"] = FormatTime(last);
  j["members"] = with_roles;
  j["by_type"] = by_type;
  // Against a server the disk is the replica's, not the ledger's: left out.
  if (!ctx.remote()) j["disk_bytes"] = st.DiskBytes();
  std::string text = "ledger         " + EncodeHex(st.head().ledger_id) + " \"" +
                     Printable(st.name()) + "\"\n" + "events         " + std::to_string(st.size()) +
                     "\n" + "first recorded " + FormatTime(first) + "\n" + "last recorded  " +
                     FormatTime(last) + "\n" + "members        " + std::to_string(with_roles) +
                     "\n";
  // One column for the names, as wide as the longest, and one for the counts.
  size_t width = 0;
  for (auto& [type, n] : by_type) width = std::max(width, type.size());
  for (auto& [type, n] : by_type)
    text += "  " + type + std::string(width + 2 - type.size(), ' ') + std::to_string(n) + "\n";
  if (!ctx.remote()) text += "disk bytes     " + std::to_string(st.DiskBytes()) + "\n";
  ctx.Print(j, text);
  return Status::OK();
}

}  // namespace

void AddLedgerCommands(CLI::App& app, Context& ctx) {
  auto* init = app.add_subcommand("init", "Create a ledger; --key becomes its first admin");
  auto name = std::make_shared<std::string>();
  init->add_option("--name", *name, "The ledger's name")->required();
  init->callback([&ctx, name] { ctx.run = [&ctx, name] { return Init(ctx, *name); }; });

  auto* member = app.add_subcommand("member", "Grant, revoke and list roles (changes need admin)");
  member->require_subcommand(1);
  auto add_args = std::make_shared<std::pair<std::string, std::vector<std::string>>>();
  auto* add = member->add_subcommand("add", "Grant roles to a key");
  add->add_option("NPUB", add_args->first, "The member's key")->required();
  add->add_option(
         "--role", add_args->second,
         "admin, notary, commander, responder, legal or auditor (repeat or comma-separate)")
      ->required();
  add->callback([&ctx, add_args] {
    ctx.run = [&ctx, add_args] {
      return MemberChange(ctx, add_args->first, add_args->second, fb::MemberOp::Grant);
    };
  });
  auto rm_args = std::make_shared<std::pair<std::string, std::vector<std::string>>>();
  auto* rm = member->add_subcommand(
      "remove", "Revoke roles (all of them without --role); the last admin stays");
  rm->add_option("NPUB", rm_args->first, "The member's key")->required();
  rm->add_option("--role", rm_args->second, "Only these roles");
  rm->callback([&ctx, rm_args] {
    ctx.run = [&ctx, rm_args] {
      return MemberChange(ctx, rm_args->first, rm_args->second, fb::MemberOp::Revoke);
    };
  });
  auto* list = member->add_subcommand("list", "List members and their roles");
  list->callback([&ctx] { ctx.run = [&ctx] { return MemberList(ctx); }; });

  auto note_args = std::make_shared<NoteArgs>();
  auto* note = app.add_subcommand("note", "Append a free-text note");
  note->add_option("TEXT", note_args->text, "The note")->required();
  note->add_option("--incident", note_args->incident, "The incident it belongs to (INC-<n>)");
  note->add_option("--subject", note_args->subjects, "A user it is about (npub; repeatable)");
  note->add_option("--occurred", note_args->occurred,
                   "When it happened (RFC 3339; default now; at most 120 s ahead)");
  note->callback(
      [&ctx, note_args] { ctx.run = [&ctx, note_args] { return Note(ctx, *note_args); }; });

  auto log_args = std::make_shared<LogArgs>();
  auto* log = app.add_subcommand(
      "log", "List events, oldest first: number, recorded and occurred times, author, incident");
  log->add_option("--incident", log_args->incident, "Only this incident's events (INC-<n>)");
  log->add_option("--subject", log_args->subject,
                  "Only events about this user (npub; uses the subject index)");
  log->add_option("--type", log_args->type, "Only this type (note, membership, key_rotated, …)");
  log->add_option("--occurred-since", log_args->occurred_since,
                  "Only events that occurred at or after this time (RFC 3339)");
  log->add_option("--occurred-until", log_args->occurred_until,
                  "Only events that occurred before this time (RFC 3339)");
  log->add_option("--recorded-since", log_args->recorded_since,
                  "Only events recorded at or after this time (RFC 3339)");
  log->add_option("--recorded-until", log_args->recorded_until,
                  "Only events recorded before this time (RFC 3339)");
  log->add_option("--since", log_args->since, "The same as --occurred-since");
  log->add_option("--until", log_args->until, "The same as --occurred-until");
  log->add_option("--limit", log_args->limit,
                  "At most this many events (a whole number, 1 or more)");
  log->callback([&ctx, log_args] { ctx.run = [&ctx, log_args] { return Log(ctx, *log_args); }; });

  auto show_args = std::make_shared<std::pair<std::string, bool>>();
  auto* show = app.add_subcommand("show", "Show one event by sequence number or id");
  show->add_option("SEQ-or-ID", show_args->first, "Sequence number, or 64-hex event id")
      ->required();
  show->add_flag("--raw", show_args->second,
                 "Write the stored signed-event bytes (the Merkle leaf data) to standard output");
  show->callback([&ctx, show_args] {
    ctx.run = [&ctx, show_args] { return Show(ctx, show_args->first, show_args->second); };
  });

  auto trust = std::make_shared<std::pair<std::string, std::string>>();
  auto* verify = app.add_subcommand("verify",
                                    "Verify every byte and rule of the whole ledger (exit 1 on "
                                    "failure)");
  verify->add_option(
      "--trust", trust->first,
      "Without --checkpoint: fail unless this key (npub) is the genesis admin. With it: the key "
      "that must have signed the checkpoint");
  verify->add_option("--checkpoint", trust->second,
                     "A checkpoint saved earlier: fail unless this ledger extends it (no rollback, "
                     "fork or rewrite)");
  verify->callback([&ctx, trust] {
    ctx.run = [&ctx, trust] { return Verify(ctx, trust->first, trust->second); };
  });

  auto* stats = app.add_subcommand("stats", "Counts by type, members, times and size on disk");
  stats->callback([&ctx] { ctx.run = [&ctx] { return Stats(ctx); }; });
}

}  // namespace custody::cli
