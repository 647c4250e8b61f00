// custody export user | export incident | verify-package
#include <cctype>
#include <charconv>
#include <filesystem>

#include "evidence/export/export.h"
#include "ledger/base/encoding.h"
#include "ledger/base/files.h"
#include "ledger/checkpoint.h"
#include "tools/append.h"
#include "tools/cli.h"
#include "tools/verify_package_command.h"

namespace custody::cli {

Result<CheckpointArg> ReadCheckpointArg(const std::string& text) {
  CheckpointArg arg;
  arg.text = text;
  if (text.empty()) return arg;
  const std::string where = "--checkpoint " + Printable(text);
  std::error_code ec;
  if (!std::filesystem::exists(text, ec)) {
    // Not a file: a tree size.
    auto [p, err] = std::from_chars(text.data(), text.data() + text.size(), arg.size);
    if (err != std::errc() || p != text.data() + text.size() || arg.size == 0)
      return Status::InvalidArgument(
          where + ": neither a saved checkpoint file nor a stored checkpoint's tree size");
    return arg;
  }
  auto file = ReadSmallFile(text, kMaxNoteSize);
  if (!file.ok()) return file.status().Prefixed("--checkpoint");
  auto note = ParseSignedNote(*file);
  if (!note.ok()) return note.status().Prefixed(where);
  auto cp = ParseCheckpointBody(note->text);
  if (!cp.ok()) return cp.status().Prefixed(where);
  arg.size = cp->size;
  arg.root = cp->root;
  return arg;
}

Status ResolveCheckpointArg(const Store& store, const CheckpointArg& arg, uint64_t* size) {
  if (arg.text.empty()) return Status::OK();
  if (arg.root) {
    auto stored = store.CheckpointEvent(arg.size);
    if (!stored.ok())
      return Status::InvalidArgument("--checkpoint: this ledger stores no checkpoint of size " +
                                     std::to_string(arg.size));
    if (ToHash(stored->event().payload_as_Checkpoint()->root()) != *arg.root)
      return Status::VerificationFailed(
          "--checkpoint: its root differs from the stored checkpoint of size " +
          std::to_string(arg.size));
  }
  *size = arg.size;
  return Status::OK();
}

namespace {

struct ExportArgs {
  std::string who;  // NPUB or INC-<n>
  std::string incident, checkpoint, out;
  bool shared = false;
};

Status Export(const Context& ctx, const ExportArgs& a, fb::ExportScope scope) {
  ExportRequest req;
  req.scope = scope;
  req.include_shared_blobs = a.shared;
  req.out_dir = a.out;
  if (scope == fb::ExportScope::User) {
    auto user = ParseNpubArg("NPUB", a.who);
    if (!user.ok()) return user.status();
    req.user = *user;
    if (!a.incident.empty()) {
      auto inc = ParseIncidentName(a.incident);
      if (!inc.ok()) return inc.status();
      req.incident = *inc;
    }
  } else {
    auto inc = ParseIncidentName(a.who);
    if (!inc.ok()) return inc.status();
    req.incident = *inc;
  }
  auto checkpoint = ReadCheckpointArg(a.checkpoint);
  if (!checkpoint.ok()) return checkpoint.status();
  auto key = ctx.LoadKey();
  if (!key.ok()) return key.status();
  auto store = ctx.OpenWriter();
  if (!store.ok()) return store.status();
  CUSTODY_RETURN_IF_ERROR(ResolveCheckpointArg(**store, *checkpoint, &req.checkpoint_size));
  Progress progress("export");
  req.progress = progress.Fn();
  if (ctx.remote()) {
    Store* replica = store->get();
    req.fetch_blob = [&ctx, replica](const Hash32& sha256, uint64_t size) {
      return ctx.EnsureContent(*replica, sha256, size);
    };
    req.append = [&ctx, replica, &key](Draft d) -> Result<Appended> {
      std::vector<Appended> out;
      CUSTODY_RETURN_IF_ERROR(CommitDrafts(ctx, *replica, *key, {std::move(d)}, {}, &out));
      return out.back();
    };
  }
  ExportResult r;
  CUSTODY_RETURN_IF_ERROR(ExportPackage(store->get(), *key, req, &r));
  size_t included = 0;
  for (const auto& b : r.index.blobs) included += b.included;
  ctx.Print({{"out", a.out},
             {"events", r.index.events.size()},
             {"membership_events", r.index.membership.size()},
             {"blobs_included", included},
             {"blobs_listed_only", r.index.blobs.size() - included},
             {"checkpoint_size", r.index.checkpoint_size},
             {"checkpoint_root", EncodeHex(r.index.checkpoint_root)},
             {"payload_files", r.files},
             {"payload_bytes", r.bytes},
             {"tagmanifest_sha256", EncodeHex(r.tagmanifest_sha256)},
             {"export_event", r.recorded.seq}},
            AppendedLine(r.recorded.seq, "export", r.recorded.id, r.index.incident) + "\n" +
                WroteLine(a.out,
                          "an evidence package of " + std::to_string(r.index.events.size()) +
                              " events, " + std::to_string(r.index.membership.size()) +
                              " membership events and " + std::to_string(included) +
                              " snapshots (" + std::to_string(r.index.blobs.size() - included) +
                              " shared, listed by hash only), at checkpoint " +
                              std::to_string(r.index.checkpoint_size),
                          FileBytes(a.out)) +
                "\ncheck it with: custody-verify-package " + Printable(a.out) +
                " --trust NPUB-OF-THE-CHECKPOINT-SIGNER");
  return Status::OK();
}

}  // namespace

void AddExportCommands(CLI::App& app, Context& ctx) {
  auto* exp = app.add_subcommand(
      "export",
      "Write a signed evidence package (BagIt) for a user or an incident (legal or admin)");
  exp->require_subcommand(1);
  auto add_common = [](CLI::App* sub, ExportArgs* a) {
    sub->add_option(
        "--checkpoint", a->checkpoint,
        "A stored checkpoint: its tree size, or a saved checkpoint file (default: the latest)");
    sub->add_option("--out", a->out, "A new or empty directory (never through a symlink)")
        ->required();
    sub->add_flag(
        "--include-shared-blobs", a->shared,
        "Include snapshots also attached to other users (default: listed by hash and size only)");
  };
  auto user_args = std::make_shared<ExportArgs>();
  auto* user = exp->add_subcommand(
      "user", "Every event about one user (npub), with proofs: for the user and legal follow-up");
  user->add_option("NPUB", user_args->who, "The user")->required();
  user->add_option("--incident", user_args->incident,
                   "Only this incident's events about the user (INC-<n>)");
  add_common(user, user_args.get());
  user->callback([&ctx, user_args] {
    ctx.run = [&ctx, user_args] { return Export(ctx, *user_args, fb::ExportScope::User); };
  });
  auto inc_args = std::make_shared<ExportArgs>();
  auto* inc = exp->add_subcommand("incident", "Every event of one incident, with proofs");
  inc->add_option("ID", inc_args->who, "The incident (INC-<n>)")->required();
  add_common(inc, inc_args.get());
  inc->callback([&ctx, inc_args] {
    ctx.run = [&ctx, inc_args] { return Export(ctx, *inc_args, fb::ExportScope::Incident); };
  });

  auto vp = std::make_shared<std::pair<std::string, std::string>>();
  auto* verify = app.add_subcommand(
      "verify-package",
      "Verify an evidence package offline: no ledger needed (also: custody-verify-package)");
  verify->add_option("DIR", vp->first, "The package directory")->required();
  verify
      ->add_option("--trust", vp->second,
                   "The checkpoint signer's key (npub), as you know it from outside the package")
      ->required();
  verify->callback([&ctx, vp] {
    ctx.run = [&ctx, vp] {
      if (auto trust = ParseNpubArg("--trust", vp->second); !trust.ok())
        return Status::Usage(trust.status().message());
      ctx.printed = true;  // it prints its document (or text), failure or not
      return VerifyPackageCommand(vp->first, vp->second, ctx.json);
    };
  });
}

}  // namespace custody::cli
