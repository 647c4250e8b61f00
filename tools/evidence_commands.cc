// custody incident declare | evidence add | evidence get | deploy record
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <iostream>

#include "ledger/base/encoding.h"
#include "ledger/crypto.h"
#include "ledger/membership.h"
#include "ledger/store/blobs.h"
#include "projections/runbook.h"
#include "tools/append.h"
#include "tools/cli.h"

namespace custody::cli {
namespace {

namespace fs = std::filesystem;

struct DeclareArgs {
  std::string severity, title, summary, occurred, window;
  std::vector<std::string> playbooks;
};

Status Declare(const Context& ctx, const DeclareArgs& a) {
  auto sev = ParseSeverity(a.severity);
  if (!sev.ok()) return sev.status();
  IncidentDeclaredPayload p{*sev, a.title, a.summary, 0, CurrentRunbook().version};
  for (const auto& name : a.playbooks) {
    auto bit = ParsePlaybook(name);
    if (!bit.ok()) return bit.status();
    p.playbooks |= *bit;
  }
  if (!a.window.empty()) {
    // "24h", "90m", "2d": whole minutes, up to 30 days.
    uint64_t n = 0;
    const char unit = a.window.back();
    auto [ptr, ec] = std::from_chars(a.window.data(), a.window.data() + a.window.size() - 1, n);
    const uint64_t per = unit == 'm' ? 1 : unit == 'h' ? 60 : unit == 'd' ? 1440 : 0;
    if (ec != std::errc() || ptr != a.window.data() + a.window.size() - 1 || per == 0 || n == 0 ||
        n > kMaxObservationWindowMinutes / per)
      return Status::InvalidArgument("--observation-window \"" + Printable(a.window) +
                                     "\": want a duration like 90m, 24h or 2d, at most 30d");
    p.observation_window_minutes = static_cast<uint32_t>(n * per);
  }
  Draft d;
  d.payload = p;
  CUSTODY_RETURN_IF_ERROR(ParseOccurred(a.occurred, &d));
  auto appended = AppendOne(ctx, std::move(d));
  if (!appended.ok()) return appended.status();
  const std::string id = IncidentName(appended->seq);
  // The incident's id is the output (inc=$(custody incident declare …)); what
  // was appended goes to standard error.
  if (!ctx.json)
    std::cerr << AppendedLine(appended->seq, "incident_declared", appended->id) << "\n";
  ctx.Print({{"incident", id},
             {"seq", appended->seq},
             {"id", EncodeHex(appended->id)},
             {"severity", SeverityName(*sev)},
             {"playbooks", PlaybookNames(p.playbooks)},
             {"recorded", FormatTime(appended->recorded_ns)}},
            id);
  return Status::OK();
}

// A media type from the file name; --media-type overrides it.
std::string GuessMediaType(const std::string& name) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".log", "text/plain"},
      {".txt", "text/plain"},
      {".json", "application/json"},
      {".jsonl", "application/x-ndjson"},
      {".ndjson", "application/x-ndjson"},
      {".csv", "text/csv"},
      {".yaml", "application/yaml"},
      {".yml", "application/yaml"},
      {".toml", "application/toml"},
      {".prom", "text/plain"},
      {".md", "text/markdown"},
      {".html", "text/html"},
      {".gz", "application/gzip"},
      {".zst", "application/zstd"},
      {".tar", "application/x-tar"},
      {".zip", "application/zip"},
      {".pcap", "application/vnd.tcpdump.pcap"},
      {".png", "image/png"},
      {".pdf", "application/pdf"},
  };
  const std::string ext = fs::path(name).extension().string();
  for (auto& [e, type] : kTypes)
    if (ext == e) return type;
  return "application/octet-stream";
}

struct EvidenceArgs {
  std::string incident, kind = "other", source, media_type, name, acquired;
  std::vector<std::string> files, subjects;
};

// Checks, before streaming what may be gigabytes, that the append would be
// accepted: the rule set's dry run of an evidence event like the ones to come
// (the incident is declared, the key may append evidence, …).
Status PreCheck(const Context& ctx, const Hash32& author, const Draft& base) {
  auto store = ctx.OpenReader();
  if (!store.ok()) return store.status();
  auto state = (*store)->RuleState();
  if (!state.ok()) return state.status();
  Draft probe = base;
  EvidencePayload p;
  p.sha256 = Sha256(ByteSpan());
  p.name = "probe";
  p.media_type = "application/octet-stream";
  p.acquired_ns = NowNs();
  probe.payload = p;
  return (*store)->CheckDraft(author, probe, NowNs(), &*state);
}

Status EvidenceAdd(const Context& ctx, const EvidenceArgs& a) {
  Draft base;
  CUSTODY_RETURN_IF_ERROR(ParseIncidentArg(a.incident, &base));
  auto kind = ParseEvidenceKind(a.kind);
  if (!kind.ok()) return kind.status();
  for (const auto& s : a.subjects) {
    auto key = ParseNpubArg("--subject", s);
    if (!key.ok()) return key.status();
    base.subjects.push_back(*key);
  }
  TimeNs acquired = 0;
  if (!a.acquired.empty()) {
    auto t = ParseTime(a.acquired);
    if (!t.ok()) return t.status().Prefixed("--acquired");
    acquired = *t;
  }
  int stdin_uses = 0;
  for (const auto& f : a.files) stdin_uses += f == "-";
  if (stdin_uses > 1) return Status::Usage("standard input (-) can be given once");
  if (!a.name.empty() && a.files.size() != 1) return Status::Usage("--name needs exactly one FILE");
  auto key = ctx.LoadKey();
  if (!key.ok()) return key.status();
  auto dir = ctx.StagingDir();
  if (!dir.ok()) return dir.status();
  CUSTODY_RETURN_IF_ERROR(PreCheck(ctx, key->public_key(), base));

  // Stream every file into the ledger's staging area (no lock held), then
  // append one evidence event per file in one atomic batch.
  std::vector<StagedBlob> staged;
  auto discard = [&staged] {
    for (auto& b : staged) DiscardStagedBlob(b);
  };
  std::vector<Draft> drafts;
  for (const auto& file : a.files) {
    const bool is_stdin = file == "-";
    // O_NONBLOCK: a FIFO named here must not make us wait for a writer; a
    // stream is given as - (standard input).
    int fd = is_stdin ? 0 : open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
      discard();
      return Status::InvalidArgument("cannot open " + Printable(file) + ": " +
                                     std::strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode) || (!is_stdin && !S_ISREG(st.st_mode))) {
      const bool dir_given = S_ISDIR(st.st_mode);
      if (!is_stdin) close(fd);
      discard();
      return Status::InvalidArgument(
          Printable(file) + (dir_given ? " is a directory, not a file"
                                       : ": not a regular file (to stream from a pipe or a "
                                         "device, give - and redirect it to standard input)"));
    }
    const TimeNs started = NowNs();
    Progress progress("evidence " + (is_stdin ? std::string("(stdin)") : Printable(file)));
    auto blob = StageBlob(*dir, fd, progress.Fn());
    if (!is_stdin) close(fd);
    if (!blob.ok()) {
      discard();
      return blob.status();
    }
    staged.push_back(*blob);
    std::string name = !a.name.empty() ? a.name
                       : is_stdin      ? "stdin"
                                       : fs::path(file).filename().string();
    EvidencePayload p;
    p.sha256 = blob->sha256;
    p.size = blob->size;
    p.name = name;
    p.media_type = a.media_type.empty() ? GuessMediaType(name) : a.media_type;
    p.kind = *kind;
    p.acquired_ns = acquired ? acquired : started;
    p.source = a.source;
    Draft d = base;
    // Preserving evidence happened when it was acquired: lateness against
    // the runbook (first15.3) is judged on that time.
    if (acquired) d.occurred_ns = acquired;
    d.payload = std::move(p);
    d.staged_blob = blob->path;
    drafts.push_back(std::move(d));
  }
  auto store = ctx.OpenWriter();
  if (!store.ok()) {
    discard();
    return store.status();
  }
  std::vector<Appended> out;
  AppendOptions options;
  options.atomic = true;  // every file's event, or none
  Status s = CommitDrafts(ctx, **store, *key, drafts, options, &out);
  discard();  // whatever the append did not move into the blob store
  CUSTODY_RETURN_IF_ERROR(s);
  Json j = Json::array();
  std::string text;
  for (size_t i = 0; i < out.size(); ++i) {
    const auto& p = std::get<EvidencePayload>(drafts[i].payload);
    j.push_back({{"seq", out[i].seq},
                 {"id", EncodeHex(out[i].id)},
                 {"sha256", EncodeHex(p.sha256)},
                 {"size", p.size},
                 {"name", p.name},
                 {"media_type", p.media_type},
                 {"kind", std::string(EvidenceKindName(p.kind))}});
    text += AppendedLine(out[i].seq, "evidence", out[i].id, drafts[i].incident) + ": " +
            Printable(p.name) + ", sha256 " + EncodeHex(p.sha256) + ", " + std::to_string(p.size) +
            " bytes\n";
  }
  ctx.Print(j, text);
  return Status::OK();
}

Status EvidenceGet(const Context& ctx, const std::string& hash_text, const std::string& out_path) {
  if (out_path == "-")
    CUSTODY_RETURN_IF_ERROR(
        RefuseJson(ctx, "evidence get",
                   "--out - writes the snapshot itself; give --out FILE for JSON about the file"));
  std::string_view h = hash_text;
  if (h.substr(0, 7) == "sha256:") h.remove_prefix(7);
  auto hash = DecodeHex32(h);
  if (!hash.ok())
    return Status::InvalidArgument("HASH must be 64 hex digits (sha256:… also accepted)");
  auto store = ctx.OpenReader();
  if (!store.ok()) return store.status();
  auto size = (*store)->BlobSize(*hash);
  if (!size.ok())
    return size.status().IsNotFound() ? Status::InvalidArgument(size.status().message())
                                      : size.status();
  const bool to_stdout = out_path == "-";
  int fd = to_stdout
               ? 1
               : open(out_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST)
    return Status::InvalidArgument(Printable(out_path) +
                                   " already exists; custody does not overwrite files");
  if (fd < 0)
    return Status::IOError("cannot create " + Printable(out_path) + ": " + std::strerror(errno));
  Status s = ctx.EnsureContent(**store, *hash, *size);
  if (s.ok()) s = CopyVerified((*store)->BlobFile(*hash), *hash, *size, fd);
  if (!to_stdout) {
    if (s.ok() && fsync(fd) != 0)
      s = Status::IOError("sync " + Printable(out_path) + ": " + std::strerror(errno));
    close(fd);
    if (!s.ok()) unlink(out_path.c_str());  // what was written is not the evidence
  }
  CUSTODY_RETURN_IF_ERROR(s);
  if (!to_stdout)
    ctx.Print({{"sha256", EncodeHex(*hash)}, {"size", *size}, {"out", out_path}},
              WroteLine(out_path, "the snapshot sha256 " + EncodeHex(*hash) + ", checked", *size));
  return Status::OK();
}

struct DeployArgs {
  std::string incident, service, hash, deployed_at, repo, occurred;
};

Status DeployRecord(const Context& ctx, const DeployArgs& a) {
  Draft d;
  CUSTODY_RETURN_IF_ERROR(ParseIncidentArg(a.incident, &d));
  CUSTODY_RETURN_IF_ERROR(ParseOccurred(a.occurred, &d));
  DeployPayload p;
  p.service = a.service;
  p.repo = a.repo;
  auto commit = DecodeGitCommit(a.hash);
  if (!commit.ok()) return commit.status().Prefixed("--hash \"" + Printable(a.hash) + "\"");
  p.commit = *commit;
  if (!a.deployed_at.empty()) {
    auto t = ParseTime(a.deployed_at);
    if (!t.ok()) return t.status().Prefixed("--deployed-at");
    p.deployed_ns = *t;
  }
  d.payload = std::move(p);
  return AppendAndReport(ctx, std::move(d));
}

}  // namespace

void AddEvidenceCommands(CLI::App& app, Context& ctx) {
  auto* incident = app.add_subcommand(
      "incident", "Incidents: declare, playbook, commander, severity, root-cause, close");
  incident->require_subcommand(1);
  auto declare_args = std::make_shared<DeclareArgs>();
  auto* declare = incident->add_subcommand(
      "declare", "Declare an incident; prints its id, INC-<seq> (commander or admin)");
  declare->add_option("--sev", declare_args->severity, "SEV-1, SEV-2 or SEV-3 (RUNBOOK.md)")
      ->required();
  declare->add_option("--title", declare_args->title, "A short title")->required();
  declare->add_option("--summary", declare_args->summary, "What is known so far");
  declare->add_option("--playbook", declare_args->playbooks,
                      "A playbook active from the start: A, B or C (repeatable)");
  declare->add_option("--occurred", declare_args->occurred,
                      "When it was declared, if earlier than now (RFC 3339)");
  declare->add_option("--observation-window", declare_args->window,
                      "How long monitoring must see a stable state before close (exit.4): 90m, "
                      "24h, 2d (default 24h)");
  declare->callback([&ctx, declare_args] {
    ctx.run = [&ctx, declare_args] { return Declare(ctx, *declare_args); };
  });

  auto* evidence = app.add_subcommand("evidence", "Log and metrics snapshots, stored by SHA-256");
  evidence->require_subcommand(1);
  auto add_args = std::make_shared<EvidenceArgs>();
  auto* add = evidence->add_subcommand("add",
                                       "Store files (any size, streamed) and append one signed "
                                       "evidence event per file, all or none");
  add->add_option("INCIDENT", add_args->incident, "The incident (INC-<n>)")->required();
  add->add_option("FILE", add_args->files, "Files to store; - reads standard input")->required();
  add->add_option("--kind", add_args->kind, "logs, metrics, config or other (default other)");
  add->add_option("--subject", add_args->subjects,
                  "A user the snapshot is about (npub; repeatable)");
  add->add_option("--source", add_args->source, "Where it came from: host, path, query");
  add->add_option("--media-type", add_args->media_type, "Media type (default: from the file name)");
  add->add_option("--name", add_args->name,
                  "The name to record (default: the file's; \"stdin\" for -)");
  add->add_option("--acquired", add_args->acquired,
                  "When it was acquired (RFC 3339; default: when reading began); also the event's "
                  "occurred time");
  add->callback(
      [&ctx, add_args] { ctx.run = [&ctx, add_args] { return EvidenceAdd(ctx, *add_args); }; });
  auto get_args = std::make_shared<std::pair<std::string, std::string>>();
  auto* get = evidence->add_subcommand(
      "get", "Write a stored snapshot to a new file, re-checking its SHA-256");
  get->add_option("HASH", get_args->first, "The content's SHA-256 (64 hex)")->required();
  get->add_option("--out", get_args->second,
                  "A new file (never overwritten), or - for standard output")
      ->required();
  get->callback([&ctx, get_args] {
    ctx.run = [&ctx, get_args] { return EvidenceGet(ctx, get_args->first, get_args->second); };
  });

  auto* deploy = app.add_subcommand("deploy", "Deploy hashes");
  deploy->require_subcommand(1);
  auto deploy_args = std::make_shared<DeployArgs>();
  auto* record =
      deploy->add_subcommand("record", "Record a deployed commit (git SHA-1 or SHA-256)");
  record->add_option("INCIDENT", deploy_args->incident, "The incident (INC-<n>)")->required();
  record->add_option("--service", deploy_args->service, "The service deployed")->required();
  record->add_option("--hash", deploy_args->hash, "The commit: 40 or 64 hex digits")->required();
  record->add_option("--deployed-at", deploy_args->deployed_at, "When it was deployed (RFC 3339)");
  record->add_option("--repo", deploy_args->repo, "The repository (URL)");
  record->add_option("--occurred", deploy_args->occurred,
                     "When it was found, if earlier than now (RFC 3339)");
  record->callback([&ctx, deploy_args] {
    ctx.run = [&ctx, deploy_args] { return DeployRecord(ctx, *deploy_args); };
  });
}

}  // namespace custody::cli
