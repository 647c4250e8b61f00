// The one append path: drafts are built and checked by the rule set, signed
// on every core and written in synced batches (Append); events signed
// elsewhere are checked by the same rule set and written the same way (Commit).
#include <fcntl.h>
#include <openssl/crypto.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <future>

#include "ledger/base/encoding.h"
#include "ledger/base/parallel.h"
#include "ledger/merkle.h"
#include "ledger/store/layout.h"
#include "ledger/store/rocks.h"
#include "ledger/store/store.h"

namespace custody {
namespace {

namespace fs = std::filesystem;
using namespace layout;
using rocks::FromRocks;

constexpr TimeNs kClockSlack = 1000000000;  // a backward clock step we absorb (1 s)

rocksdb::Slice AsSlice(const Bytes& b) {
  return rocksdb::Slice(reinterpret_cast<const char*>(b.data()), b.size());
}

// Evidence content must be here before its event is written: staged by this
// append, or stored by an earlier one.
Status ContentPresent(const Store& store, const fb::Event& e, const std::string& staged) {
  Hash32 hash{};
  uint64_t size = 0;
  if (!BlobOf(e, &hash, &size)) {
    if (staged.empty()) return Status::OK();
    return Status::InvalidArgument("content staged for an event that stores none");
  }
  if (!staged.empty()) {
    std::error_code ec;
    auto staged_size = fs::file_size(staged, ec);
    if (ec || staged_size != size)
      return Status::InvalidArgument("content " + EncodeHex(hash) +
                                     ": staged content is missing or has another size");
    return Status::OK();
  }
  auto stored = store.BlobSize(hash);
  if (stored.ok() || !stored.status().IsNotFound()) return stored.status();
  return Status::InvalidArgument("content " + EncodeHex(hash) + ": no such content in the ledger");
}

}  // namespace

// One batch on its way through the append pipeline.
struct Store::Batch {
  const Draft* drafts = nullptr;  // Append: what the bodies were built from
  size_t n = 0;
  uint64_t first = 0;
  TimeNs now = 0;
  std::vector<Bytes> bodies;
  std::vector<Hash32> ids;
  std::vector<Bytes> framed;
  std::vector<Hash32> leaves;       // Merkle leaf hashes of framed
  std::vector<std::string> staged;  // evidence content staged for event i ("" for none)
  RuleSet state;                    // the rule state after this batch
  bool sync = true;                 // a synced write (AppendOptions::sync)
};

RuleSet::Lookup Store::RuleLookup() const {
  RuleSet::Lookup l;
  l.last_about = [this](const Hash32& user) { return StoredLastAbout(user); };
  l.is_incident = [this](uint64_t seq) { return IsIncident(seq); };
  l.event = [this](uint64_t seq) -> Result<EventInfo> {
    auto ev = Get(seq);
    if (!ev.ok()) return ev.status();
    return InfoOf(ev->event(), ev->id());
  };
  l.checkpoint_root = [this](uint64_t size) -> Result<std::optional<Hash32>> {
    auto ev = CheckpointEvent(size);
    if (ev.status().IsNotFound()) return std::optional<Hash32>();
    if (!ev.ok()) return ev.status();
    return std::optional<Hash32>(ToHash(ev->event().payload_as_Checkpoint()->root()));
  };
  l.blob_size = [this](const Hash32& sha256) -> Result<std::optional<uint64_t>> {
    auto size = BlobSize(sha256);
    if (size.status().IsNotFound()) return std::optional<uint64_t>();
    if (!size.ok()) return size.status();
    return std::optional<uint64_t>(*size);
  };
  l.incident = [this](uint64_t incident) { return LoadIncident(incident); };
  // Rare (a rotation or a grant): the membership index's events, read back.
  l.rotated_out = [this](const Hash32& key) -> Result<std::optional<uint64_t>> {
    auto seqs = MembershipEvents(head_.next_seq);
    if (!seqs.ok()) return seqs.status();
    for (uint64_t seq : *seqs) {
      auto ev = Get(seq);
      if (!ev.ok()) return ev.status();
      if (ev->event().payload_type() == fb::Payload::KeyRotated &&
          ToHash(ev->event().author()) == key)
        return std::optional<uint64_t>(seq);
    }
    return std::optional<uint64_t>();
  };
  // A checkpoint signs the tree as written: it is appended after the events
  // it covers are.
  l.tree_root = [this](uint64_t size) -> Result<Hash32> {
    if (size != range_.size())
      return Status::Rejected("a checkpoint of size " + std::to_string(size) +
                              " does not match the ledger's written tree (size " +
                              std::to_string(range_.size()) + "); it is appended on its own");
    return range_.Root();
  };
  return l;
}

Status Store::Build(const Hash32& author, const Draft& d, TimeNs now_ns, RuleSet* state,
                    Bytes* body, Hash32* id) const {
  const ChainHead& head = state->head();
  const Position pos{head.next_seq, head.ledger_id, head.last_id, now_ns};
  auto built =
      BuildBody(pos, author, d, [state](const Hash32& user) { return state->LastAbout(user); });
  if (!built.ok()) return built.status();
  *body = std::move(*built);
  *id = EventId(*body);
  return state->Append(*fb::GetEvent(body->data()), *body, *id, now_ns, nullptr);
}

Status Store::CheckDraft(const Hash32& author, const Draft& draft, TimeNs now_ns,
                         RuleSet* state) const {
  Bytes body;
  Hash32 id;
  return Build(author, draft, std::max(now_ns, state->head().last_recorded_ns), state, &body, &id);
}

Result<TimeNs> Store::BatchTime(const AppendOptions& options, const RuleSet& state) const {
  TimeNs now = options.now_ns ? options.now_ns : NowNs();
  const TimeNs last = state.head().last_recorded_ns;
  if (now < last) {
    if (last - now > kClockSlack)
      return Status::InvalidArgument("the clock (" + FormatTime(now) +
                                     ") is behind the ledger's last recorded time (" +
                                     FormatTime(last) + "); refusing to record a decreasing time");
    now = last;
  }
  return now;
}

Status Store::Append(const SecretKey& author, const std::vector<Draft>& drafts,
                     const AppendOptions& options, std::vector<Appended>* out) {
  if (!writer_) return Status::InvalidArgument("ledger opened read-only");
  if (drafts.empty()) return Status::OK();
  // A checkpoint signs the tree as written (the rule set checks its root), so
  // the store takes it on its own.
  for (const Draft& d : drafts)
    if (std::holds_alternative<CheckpointPayload>(d.payload) && drafts.size() != 1)
      return Status::InvalidArgument("a checkpoint is appended on its own");
  const size_t batch_size = std::max<size_t>(1, options.batch_size);
  const unsigned threads = options.threads ? options.threads : DefaultThreads();
  // A pipeline: while batch k is signed on every core, this thread builds batch
  // k+1 and then writes batch k-1, so the sequential work hides behind signing.
  // Batches are written in order; on any error nothing after the last written
  // batch is kept.
  // The first batches are small and grow to batch_size, so the pipeline fills
  // quickly: nothing overlaps the first batch's building.
  auto size_at = [&](size_t index) {
    if (options.atomic) return drafts.size();
    return index >= 4 ? batch_size : std::min(batch_size, size_t{512} << index);
  };
  auto prepare = [&](size_t begin, size_t index, const RuleSet& from,
                     std::unique_ptr<Batch>* out_batch) {
    auto batch = std::make_unique<Batch>();
    batch->drafts = drafts.data() + begin;
    batch->n = std::min(size_at(index), drafts.size() - begin);
    batch->state = from;
    Status s = Prepare(author, options, batch.get());
    *out_batch = std::move(batch);
    return s;
  };
  auto sign = [&](Batch* b) {
    return std::async(std::launch::async,
                      [this, &author, b, threads] { return Sign(author, threads, b); });
  };
  std::unique_ptr<Batch> current;
  CUSTODY_RETURN_IF_ERROR(prepare(0, 0, *rules_, &current));
  auto signing = sign(current.get());
  size_t done = 0;
  for (size_t index = 0; done < drafts.size(); ++index) {
    std::unique_ptr<Batch> next;
    Status next_status;
    const size_t next_begin = done + current->n;
    if (next_begin < drafts.size())
      next_status = prepare(next_begin, index + 1, current->state, &next);
    CUSTODY_RETURN_IF_ERROR(signing.get());
    if (next && next_status.ok()) signing = sign(next.get());
    Status written =
        index == 0 && options.before_first_write ? options.before_first_write() : Status::OK();
    if (written.ok()) written = Write(*current, out);
    if (!written.ok()) {
      if (next && next_status.ok()) signing.get().PermitUnchecked();
      return written;
    }
    done += current->n;
    if (options.progress) options.progress(done, drafts.size());
    if (!next_status.ok()) return next_status;
    current = std::move(next);
  }
  return Status::OK();
}

Status Store::Prepare(const SecretKey& author, const AppendOptions& options, Batch* b) const {
  auto now = BatchTime(options, b->state);
  if (!now.ok()) return now.status();
  b->now = *now;
  b->first = b->state.head().next_seq;
  b->bodies.resize(b->n);
  b->ids.resize(b->n);
  b->staged.resize(b->n);
  for (size_t i = 0; i < b->n; ++i) {
    CUSTODY_RETURN_IF_ERROR(
        Build(author.public_key(), b->drafts[i], b->now, &b->state, &b->bodies[i], &b->ids[i]));
    b->staged[i] = b->drafts[i].staged_blob;
    CUSTODY_RETURN_IF_ERROR(
        ContentPresent(*this, *fb::GetEvent(b->bodies[i].data()), b->staged[i]));
  }
  return Status::OK();
}

Status Store::Sign(const SecretKey& author, unsigned threads, Batch* b) const {
  // Each signature is verified right after signing (SecretKey::Sign).
  b->framed.resize(b->n);
  b->leaves.resize(b->n);
  std::vector<Status> errors(b->n);
  // The author's auxiliary randomness for the whole batch in one system call.
  std::vector<Hash32> aux(b->n);
  CUSTODY_RETURN_IF_ERROR(RandomBytes(aux.data()->data(), aux.size() * sizeof(Hash32)));
  ParallelFor(b->n, threads, [&](size_t i, unsigned) {
    std::vector<Sig64> sigs;
    auto sig = author.SignWithAux(b->ids[i], aux[i]);
    if (!sig.ok()) {
      errors[i] = sig.status();
      return;
    }
    sigs.push_back(*sig);
    for (const SecretKey* co : b->drafts[i].cosigners) {
      auto cosig = co->Sign(b->ids[i]);
      if (!cosig.ok()) {
        errors[i] = cosig.status();
        return;
      }
      sigs.push_back(*cosig);
    }
    b->framed[i] = FrameSignedEvent(b->bodies[i], sigs);
    // SPEC: DESIGN.md — the leaf data is the stored signed-event bytes.
    b->leaves[i] = HashLeaf(b->framed[i]);
  });
  OPENSSL_cleanse(aux.data(), aux.size() * sizeof(Hash32));
  for (auto& e : errors) CUSTODY_RETURN_IF_ERROR(e);
  return Status::OK();
}

Status Store::SyncWal() {
  if (!writer_) return Status::InvalidArgument("ledger opened read-only");
  return FromRocks(db_->SyncWAL(), "sync");
}

Result<std::vector<Bytes>> Store::SignDrafts(const SecretKey& author,
                                             const std::vector<Draft>& drafts,
                                             const AppendOptions& options) const {
  if (!writer_) return Status::InvalidArgument("ledger opened read-only");
  RuleSet state = *rules_;
  auto now = BatchTime(options, state);
  if (!now.ok()) return now.status();
  std::vector<Bytes> out;
  for (const Draft& d : drafts) {
    Bytes body;
    Hash32 id;
    CUSTODY_RETURN_IF_ERROR(Build(author.public_key(), d, *now, &state, &body, &id));
    auto signed_event = SignBody(body, author, d.cosigners);
    if (!signed_event.ok()) return signed_event.status();
    out.push_back(std::move(*signed_event));
  }
  return out;
}

Status Store::Commit(const std::vector<Bytes>& signed_events,
                     const std::vector<std::string>& staged_blobs, const AppendOptions& options,
                     std::vector<Appended>* out) {
  if (!writer_) return Status::InvalidArgument("ledger opened read-only");
  if (signed_events.empty()) return Status::OK();
  if (!staged_blobs.empty() && staged_blobs.size() != signed_events.size())
    return Status::InvalidArgument("staged content given for some events only");
  Batch b;
  b.n = signed_events.size();
  b.first = rules_->head().next_seq;
  b.now = options.now_ns ? options.now_ns : NowNs();
  b.state = *rules_;
  b.sync = options.sync;
  std::vector<Finding> findings;  // replicate: kept, as verify keeps them
  std::vector<SignedEvent> events;
  for (const Bytes& bytes : signed_events) {
    auto ev = SignedEvent::Decode(bytes);
    if (!ev.ok()) return ev.status();
    events.push_back(std::move(*ev));
  }
  b.ids.resize(b.n);
  b.leaves.resize(b.n);
  std::vector<Status> errors(b.n);
  ParallelFor(b.n, options.threads ? options.threads : DefaultThreads(), [&](size_t i, unsigned) {
    b.ids[i] = events[i].id();
    b.leaves[i] = HashLeaf(events[i].bytes());
    if (!options.signatures_verified) errors[i] = VerifySignatures(events[i], b.ids[i]);
  });
  for (size_t i = 0; i < b.n; ++i) {
    CUSTODY_RETURN_IF_ERROR(errors[i]);
    const fb::Event& e = events[i].event();
    b.staged.push_back(staged_blobs.empty() ? std::string() : staged_blobs[i]);
    // A replica fetches evidence content when a command needs it.
    if (!options.replicate) CUSTODY_RETURN_IF_ERROR(ContentPresent(*this, e, b.staged[i]));
    CUSTODY_RETURN_IF_ERROR(b.state.Append(e, events[i].body(), b.ids[i], b.now,
                                           options.replicate ? &findings : nullptr));
    b.bodies.emplace_back(events[i].body().begin(), events[i].body().end());
    b.framed.push_back(events[i].bytes());
  }
  return Write(b, out);
}

Status Store::Write(const Batch& b, std::vector<Appended>* out) {
  rocksdb::WriteBatch wb;
  CompactRange range = range_;  // committed with the batch
  // Leaf hashes are not stored: a leaf is the hash of the event stored under
  // its sequence number (Nodes() reads it from there).
  auto put_node = [&](unsigned level, uint64_t index, const Hash32& h) {
    if (level > 0)
      wb.Put(tree_, NodeKey(level, index),
             rocksdb::Slice(reinterpret_cast<const char*>(h.data()), h.size()));
  };
  for (size_t i = 0; i < b.n; ++i) {
    const uint64_t seq = b.first + i;
    wb.Put(events_, SeqKey(seq), AsSlice(b.framed[i]));
    const fb::Event& e = *fb::GetEvent(b.bodies[i].data());
    for (const IndexEntry& entry : EntriesOf(e, b.ids[i]))
      wb.Put(Family(entry.cf), entry.key, entry.value);
    range.Append(b.leaves[i], put_node);
  }
  // Staged evidence content moves into place before the batch that makes it
  // visible. If that batch then fails, the content stays: a file without a
  // blobs index entry is never served, and removing it could lose the content
  // of an event whose write did reach the disk before the error was reported.
  bool placed = false;
  for (size_t i = 0; i < b.n; ++i) {
    if (b.staged[i].empty()) continue;
    const std::string& staged = b.staged[i];
    Hash32 blob_hash{};
    uint64_t blob_size = 0;
    BlobOf(*fb::GetEvent(b.bodies[i].data()), &blob_hash,
           &blob_size);  // checked: it stores content
    const std::string final_path = BlobFile(blob_hash);
    auto committed = BlobSize(blob_hash);
    if (committed.ok()) {
      unlink(staged.c_str());  // the same content is already stored
      continue;
    }
    if (rename(staged.c_str(), final_path.c_str()) != 0) {
      // The staged file is gone: acceptable only if the content is already in
      // place (files are renamed only once complete and synced).
      struct stat st;
      if (errno == ENOENT && stat(final_path.c_str(), &st) == 0 &&
          static_cast<uint64_t>(st.st_size) == blob_size)
        continue;
      return Status::IOError("store evidence " + final_path + ": " + std::strerror(errno));
    }
    placed = true;
  }
  if (placed) {
    int dfd = open((fs::path(dir_) / kBlobDir).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0) {
      if (dfd >= 0) close(dfd);
      return Status::IOError("sync " + (fs::path(dir_) / kBlobDir).string() + ": " +
                             std::strerror(errno));
    }
    close(dfd);
  }
  // Membership changes: write the difference.
  const auto& before = rules_->members().members();
  const auto& after = b.state.members().members();
  for (auto& [key, record] : after) {
    auto it = before.find(key);
    if (it == before.end() || it->second != record)
      wb.Put(members_, HashKey(key), EncodeMember(record));
  }
  for (auto& [key, record] : before)
    if (!after.count(key)) wb.Delete(members_, HashKey(key));
  if (b.first == 0) {
    auto* genesis = fb::GetEvent(b.bodies[0].data())->payload_as_Genesis();
    wb.Put(meta_, std::string(kFormatKey), std::to_string(genesis->storage_format()));
    wb.Put(meta_, std::string(kNameKey), genesis->name()->str());
  }
  wb.Put(meta_, std::string(kHeadKey), EncodeHead(b.state.head()));
  bool project = projector_ != nullptr && projections_applied_ == b.first;
  if (project) {
    Projector::Puts puts;
    Status projected = projector_->Apply(
        b.first, b.framed, [this](const std::string& key) { return GetProjection(key); }, &puts);
    // Derived data never blocks an append: a stored projection that cannot be
    // read leaves the projections behind (the marker stays), and the next
    // writer that catches up rebuilds them from the events.
    if (projected.IsCorruption() || projected.IsInvalidArgument()) {
      project = false;
    } else {
      CUSTODY_RETURN_IF_ERROR(projected);
      for (auto& [key, value] : puts) wb.Put(projections_, key, value);
      wb.Put(meta_, std::string(kProjectionsKey), SeqKey(b.first + b.n));
    }
  }
  rocksdb::WriteOptions wo;
  wo.sync = b.sync;
  CUSTODY_RETURN_IF_ERROR(FromRocks(db_->Write(wo, &wb), "append"));
  range_ = std::move(range);
  if (project) projections_applied_ = b.first + b.n;
  *rules_ = b.state;
  rules_->ForgetBefore(b.first + b.n);
  head_ = rules_->head();
  if (out)
    for (size_t i = 0; i < b.n; ++i)
      out->push_back({b.first + i, b.ids[i], fb::GetEvent(b.bodies[i].data())->recorded_ns()});
  return Status::OK();
}
}  // namespace custody
