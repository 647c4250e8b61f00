// custody checkpoint | prove | consistency: the Merkle tree's signed
// checkpoints and the proofs against them (docs/checkpoints.md).
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "ledger/base/encoding.h"
#include "ledger/base/files.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "tools/append.h"
#include "tools/cli.h"

namespace custody::cli {
namespace {

// Reads a small text file (a checkpoint or proof someone saved): a regular
// file only, never blocking on a FIFO (ledger/base/files.h).
Result<std::string> ReadSavedText(const std::string& path, const std::string& what) {
  auto text = ReadSmallFile(path, kMaxProofText);
  if (!text.ok()) return text.status().Prefixed(what);
  return text;
}

// Creates a new file (never replacing one) and writes text to it, synced.
Status WriteNewFile(const std::string& path, const std::string& text) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return Status::IOError(path + ": " + std::strerror(errno));
  bool ok =
      write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && fsync(fd) == 0;
  int err = errno;
  close(fd);
  return ok ? Status::OK() : Status::IOError(path + ": " + std::strerror(err));
}

// Checked before anything is appended, so a bad path writes nothing.
Status RefuseExisting(const std::string& path) {
  if (path.empty()) return Status::OK();
  if (access(path.c_str(), F_OK) == 0)
    return Status::InvalidArgument(path + " already exists; refusing to replace it");
  const std::string dir =
      path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/') + 1);
  if (access(dir.c_str(), W_OK) != 0)
    return Status::InvalidArgument(path + ": cannot write in " + dir);
  return Status::OK();
}

Status List(const Context& ctx) {
  auto store = ctx.OpenReader();
  if (!store.ok()) return store.status();
  auto list = (*store)->Checkpoints();
  if (!list.ok()) return list.status();
  Json j = Json::array();
  std::string text;
  for (auto [size, seq] : *list) {
    auto ev = (*store)->Get(seq);
    if (!ev.ok()) return ev.status();
    auto* cp = ev->event().payload_as_Checkpoint();
    if (cp == nullptr)
      return Status::Corruption("checkpoints index points at event " + std::to_string(seq));
    const std::string root = EncodeHex(ToHash(cp->root()));
    j.push_back({{"size", size},
                 {"root", root},
                 {"seq", seq},
                 {"recorded", FormatTime(ev->event().recorded_ns())},
                 {"signer", EncodeNpub(ToHash(ev->event().author()))},
                 {"note", cp->note()->str()}});
    text += "size " + std::to_string(size) + "  root " + root + "  event #" + std::to_string(seq) +
            "  " + FormatTimeHuman(ev->event().recorded_ns()) + "  " +
            EncodeNpub(ToHash(ev->event().author())) + "\n";
  }
  if (list->empty()) text = "no checkpoints yet (make one with: custody checkpoint)\n";
  ctx.Print(j, text);
  return Status::OK();
}

// The server's notary signs and stores a checkpoint now (it does once a
// minute while appends come in).
Status ByNotary(const Context& ctx, bool other_options) {
  if (other_options) return Status::Usage("--by-notary takes no --list, --out or --nostr");
  if (!ctx.remote())
    return Status::Usage("--by-notary asks a server: give --ledger https://HOST:PORT");
  ctx.writing = true;
  auto server = ctx.Server();
  if (!server.ok()) return server.status();
  auto appended = (*server)->RequestCheckpoint();
  if (!appended.ok()) return appended.status();
  const uint64_t seq = appended->back().seq;
  ctx.Print({{"seq", seq}, {"size", seq}, {"id", EncodeHex(appended->back().id)}},
            AppendedLine(seq, "checkpoint", appended->back().id) +
                ": the server's notary's checkpoint of the first " + std::to_string(seq) +
                " events");
  return Status::OK();
}

Status Make(const Context& ctx, const std::string& out, const std::string& nostr_out) {
  auto resolved = [](const std::string& p) {
    std::error_code ec;
    return std::filesystem::weakly_canonical(std::filesystem::absolute(p, ec), ec);
  };
  if (!out.empty() && !nostr_out.empty() && resolved(out) == resolved(nostr_out))
    return Status::Usage("--out and --nostr name the same file; give each its own");
  CUSTODY_RETURN_IF_ERROR(RefuseExisting(out));
  CUSTODY_RETURN_IF_ERROR(RefuseExisting(nostr_out));
  auto key = ctx.LoadKey();
  if (!key.ok()) return key.status();
  // The checkpoint of the tree as it stands where its event goes.
  Checkpoint cp;
  std::string note, nostr;
  auto make = [&](const Position& pos, Store& store) -> Result<Draft> {
    cp.origin = CheckpointOrigin(store.head().ledger_id);
    cp.size = pos.seq;
    cp.root = store.tree().Root();
    auto signed_note = SignCheckpoint(*key, cp);
    if (!signed_note.ok()) return signed_note.status();
    auto nostr_event = NostrCheckpointEvent(*key, cp, NowNs() / 1000000000);
    if (!nostr_event.ok()) return nostr_event.status();
    note = *signed_note;
    nostr = *nostr_event;
    Draft d;
    d.payload = CheckpointPayload{cp.size, cp.root, note, nostr};
    return d;
  };
  uint64_t seq = 0;
  Hash32 id{};
  if (ctx.remote()) {
    auto server = ctx.Server();
    if (!server.ok()) return server.status();
    auto appended = (*server)->AppendAtHead(*key, make);
    if (!appended.ok()) return appended.status();
    seq = appended->seq;
    id = appended->id;
    CUSTODY_RETURN_IF_ERROR((*server)->Settle(ctx.wait));
  } else {
    auto store = ctx.OpenWriter();
    if (!store.ok()) return store.status();
    auto d = make(Position{(*store)->size(), {}, {}, 0}, **store);
    if (!d.ok()) return d.status();
    std::vector<Appended> appended;
    CUSTODY_RETURN_IF_ERROR(
        CommitDrafts(ctx, **store, *key, {std::move(*d)}, AppendOptions(), &appended));
    seq = appended.back().seq;
    id = appended.back().id;
  }
  if (!out.empty()) CUSTODY_RETURN_IF_ERROR(WriteNewFile(out, note));
  if (!nostr_out.empty()) CUSTODY_RETURN_IF_ERROR(WriteNewFile(nostr_out, nostr));
  const std::string what = "the checkpoint of the first " + std::to_string(cp.size) + " events";
  std::string text =
      AppendedLine(seq, "checkpoint", id) + ": " + what + ", root " + EncodeHex(cp.root);
  if (!out.empty()) text += "\n" + WroteLine(out, what + ", a signed note", note.size());
  if (!nostr_out.empty())
    text += "\n" + WroteLine(nostr_out, what + ", a NIP-01 event", nostr.size());
  // Without a file, the signed note is the output (for a pipe); what was
  // appended goes to standard error.
  if (out.empty() && !ctx.json) {
    std::cerr << text << "\n";
    text = note;
  }
  ctx.Print({{"size", cp.size},
             {"root", EncodeHex(cp.root)},
             {"seq", seq},
             {"origin", cp.origin},
             {"note", note},
             {"nostr", Json::parse(nostr)}},
            text);
  return Status::OK();
}

Status Prove(const Context& ctx, uint64_t seq, uint64_t size) {
  auto store = ctx.OpenReader();
  if (!store.ok()) return store.status();
  auto ev = (*store)->CheckpointEvent(size);
  if (!ev.ok()) return ev.status();
  auto* cp = ev->event().payload_as_Checkpoint();
  if (seq >= cp->size())
    return Status::InvalidArgument(
        "event " + std::to_string(seq) + " is not in the checkpoint of size " +
        std::to_string(cp->size()) + " (make a newer one with: custody checkpoint)");
  auto proof = InclusionProof((*store)->Nodes(), seq, cp->size());
  if (!proof.ok())
    return proof.status().IsNotFound() ? Status::Corruption(proof.status().message())
                                       : proof.status();
  auto raw = (*store)->GetRaw(seq);
  if (!raw.ok()) return raw.status();
  // Never hand out a proof that does not check.
  const Hash32 leaf = HashLeaf(*raw), root = ToHash(cp->root());
  CUSTODY_RETURN_IF_ERROR(
      VerifyInclusion(seq, cp->size(), leaf, *proof, root).Prefixed("stored tree"));
  TlogProof p;
  p.index = seq;
  p.hashes = *proof;
  p.checkpoint = cp->note()->str();
  const std::string text = FormatTlogProof(p);
  Json hashes = Json::array();
  for (auto& h : *proof) hashes.push_back(EncodeBase64(h));
  ctx.Print({{"index", seq},
             {"size", cp->size()},
             {"root", EncodeHex(root)},
             {"leaf_hash", EncodeHex(leaf)},
             {"proof", hashes},
             {"tlog_proof", text}},
            text);
  return Status::OK();
}

Status Consistency(const Context& ctx, const std::string& from) {
  auto text = ReadSavedText(from, "checkpoint");
  if (!text.ok()) return text.status();
  auto note = ParseSignedNote(*text);
  if (!note.ok()) return note.status().Prefixed(from);
  auto old = ParseCheckpointBody(note->text);
  if (!old.ok()) return old.status().Prefixed(from);
  auto store = ctx.OpenReader();
  if (!store.ok()) return store.status();
  if (old->origin != CheckpointOrigin((*store)->head().ledger_id))
    return Status::VerificationFailed(from + " is a checkpoint of " + Printable(old->origin) +
                                      ", not of this ledger");
  auto ev = (*store)->CheckpointEvent(0);
  if (!ev.ok()) return ev.status();
  auto* latest = ev->event().payload_as_Checkpoint();
  if (old->size == 0)
    return Status::InvalidArgument(from + ": a checkpoint of the empty tree proves nothing");
  if (old->size > latest->size())
    return Status::VerificationFailed("the saved checkpoint has " + std::to_string(old->size) +
                                      " events, the latest stored one " +
                                      std::to_string(latest->size()) +
                                      ": truncated or rolled back");
  std::vector<Hash32> proof;
  if (old->size < latest->size()) {
    auto p = ConsistencyProof((*store)->Nodes(), old->size, latest->size());
    if (!p.ok())
      return p.status().IsNotFound() ? Status::Corruption(p.status().message()) : p.status();
    proof = std::move(*p);
  }
  Status s = VerifyConsistency(old->size, latest->size(), proof, old->root, ToHash(latest->root()));
  if (!s.ok())
    return Status::VerificationFailed("this ledger does not extend the checkpoint in " + from +
                                      " (its root at size " + std::to_string(old->size) +
                                      " differs)");
  ConsistencyProofText out{old->size, proof, latest->note()->str()};
  const std::string body = FormatConsistencyProof(out);
  Json hashes = Json::array();
  for (auto& h : proof) hashes.push_back(EncodeBase64(h));
  ctx.Print({{"old_size", old->size},
             {"new_size", latest->size()},
             {"proof", hashes},
             {"consistency_proof", body}},
            body);
  return Status::OK();
}

Result<uint64_t> ParseCount(const std::string& what, const std::string& text) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty())
    return Status::InvalidArgument(what + " \"" + Printable(text) + "\" is not a number");
  return v;
}

}  // namespace

void AddMerkleCommands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string out, nostr, seq, size, from;
    bool list = false;
    bool by_notary = false;
  };
  auto a = std::make_shared<Args>();
  auto* cp = app.add_subcommand("checkpoint",
                                "Sign and store a checkpoint of the Merkle tree; or --list the "
                                "stored ones");
  cp->add_option("--out", a->out, "Also save the signed note to this new file");
  cp->add_option("--nostr", a->nostr,
                 "Also save the checkpoint as a NIP-01 event (JSON) to this new file");
  cp->add_flag("--list", a->list, "List the stored checkpoints instead");
  cp->add_flag("--by-notary", a->by_notary,
               "Against a server: ask its notary to sign and store one now (admin or notary)");
  cp->callback([&ctx, a] {
    ctx.run = [&ctx, a]() -> Status {
      if (a->list && (!a->out.empty() || !a->nostr.empty()))
        return Status::Usage("--list takes no --out or --nostr");
      if (a->by_notary) return ByNotary(ctx, a->list || !a->out.empty() || !a->nostr.empty());
      return a->list ? List(ctx) : Make(ctx, a->out, a->nostr);
    };
  });

  auto* prove = app.add_subcommand("prove",
                                   "Print a C2SP tlog-proof that event SEQ is in the latest stored "
                                   "checkpoint (or the one of --size N)");
  prove->add_option("SEQ", a->seq, "The event's sequence number")->required();
  prove->add_option("--size", a->size, "Prove against the stored checkpoint of this tree size");
  prove->callback([&ctx, a] {
    ctx.run = [&ctx, a]() -> Status {
      auto seq = ParseCount("SEQ", a->seq);
      if (!seq.ok()) return seq.status();
      uint64_t size = 0;
      if (!a->size.empty()) {
        auto s = ParseCount("--size", a->size);
        if (!s.ok()) return s.status();
        if (*s == 0) return Status::InvalidArgument("--size must be at least 1");
        size = *s;
      }
      return Prove(ctx, *seq, size);
    };
  });

  auto* cons = app.add_subcommand("consistency",
                                  "Prove that the latest stored checkpoint extends a checkpoint "
                                  "saved earlier (exit 1 if it does not)");
  cons->add_option("--from", a->from, "The saved checkpoint (signed note)")->required();
  cons->callback([&ctx, a] { ctx.run = [&ctx, a] { return Consistency(ctx, a->from); }; });
}

}  // namespace custody::cli
