#include "ledger/store/verify.h"

#include <filesystem>
#include <future>
#include <map>
#include <optional>

#include "ledger/base/encoding.h"
#include "ledger/base/parallel.h"
#include "ledger/checkpoint.h"
#include "ledger/crypto.h"
#include "ledger/merkle.h"
#include "ledger/store/layout.h"
#include "ledger/stream_hash.h"

namespace custody {
namespace {

constexpr size_t kChunk = 4096;           // events read at a time
constexpr size_t kChunkBytes = 16 << 20;  // and at most this many bytes
constexpr TimeNs kFutureSlack = 120LL * 1000000000;

// An order-independent digest of a set of index entries: the lane-wise sum
// of SHA-256(salt || key || 0x00 || value). Verify computes it from the events
// and from a scan of each index; the two must agree. The salt is drawn fresh
// for every run, so no one can prepare a set of forged entries with the same
// sum (a generalized-birthday attack needs the hash fixed in advance).
struct IndexDigest {
  const Hash32* salt = nullptr;
  uint64_t lanes[4] = {0, 0, 0, 0};
  uint64_t count = 0;
  void Add(ByteSpan key, ByteSpan value) {
    static constexpr uint8_t kZero = 0;
    Hash32 h = Sha256({*salt, key, ByteSpan(&kZero, 1), value});
    for (int i = 0; i < 4; ++i) {
      uint64_t v;
      std::memcpy(&v, h.data() + 8 * i, 8);
      lanes[i] += v;
    }
    ++count;
  }
  void Add(const IndexDigest& o) {
    for (int i = 0; i < 4; ++i) lanes[i] += o.lanes[i];
    count += o.count;
  }
  bool operator==(const IndexDigest& o) const {
    return count == o.count && std::equal(lanes, lanes + 4, o.lanes);
  }
};

struct Checked {
  std::optional<SignedEvent> event;
  Hash32 id{};
  Hash32 leaf{};  // the Merkle leaf hash of the stored bytes
  Status status;
  IndexDigest ids, subjects;  // the index entries this event must have
};

// Parsed public keys by author: parsing costs a square root, and ledgers have
// few authors. One cache per worker thread.
class KeyCache {
 public:
  const PublicKey* Get(const Hash32& key) {
    auto it = keys_.find(key);
    if (it != keys_.end()) return &it->second;
    if (keys_.size() > 4096) keys_.clear();
    auto parsed = PublicKey::Parse(key);
    if (!parsed.ok()) return nullptr;
    return &keys_.emplace(key, *parsed).first->second;
  }

 private:
  std::map<Hash32, PublicKey> keys_;
};

// Everything about one event that does not depend on the events before it.
void CheckAlone(uint64_t seq, Bytes bytes, const Hash32* salt, KeyCache* keys, Checked* out) {
  out->ids.salt = out->subjects.salt = salt;
  auto where = [seq] { return "event " + std::to_string(seq) + ": "; };
  auto ev = SignedEvent::Decode(std::move(bytes));
  if (!ev.ok()) {
    std::string msg = ev.status().message();
    if (msg.rfind("event ", 0) != 0) msg = where() + msg;
    out->status = Status::Corruption(msg);
    return;
  }
  if (ev->event().seq() != seq) {
    out->status = Status::Corruption(where() + "stored under sequence " + std::to_string(seq) +
                                     " but its body says " + std::to_string(ev->event().seq()));
    return;
  }
  out->id = ev->id();
  out->leaf = HashLeaf(ev->bytes());
  auto signers = RequiredSigners(ev->event());
  for (size_t i = 0; i < signers.size(); ++i) {
    const PublicKey* key = keys->Get(signers[i]);
    if (key == nullptr || !key->Verify(out->id, ev->signature(i))) {
      out->status = Status::VerificationFailed(where() + "signature " + std::to_string(i) + " by " +
                                               EncodeNpub(signers[i]) + " does not verify");
      return;
    }
  }
  // The index entries this event implies (ledger/store/layout.h).
  const std::string seq_key = layout::SeqKey(seq);
  out->ids.Add(out->id, AsSpan(seq_key));
  if (auto* subjects = ev->event().subjects())
    for (auto* s : *subjects)
      out->subjects.Add(AsSpan(layout::SubjectKey(ToHash(&s->key()), seq)), ByteSpan());
  out->event.emplace(std::move(*ev));
}

}  // namespace

Status VerifyLedger(const Store& store, const VerifyOptions& options, VerifyReport* report) {
  *report = VerifyReport();
  const unsigned threads = options.threads ? options.threads : DefaultThreads();
  const uint64_t total = store.head().next_seq;
  ChainChecker chain;
  uint64_t expected = 0;
  Hash32 salt;
  CUSTODY_RETURN_IF_ERROR(RandomBytes(salt.data(), salt.size()));
  IndexDigest want_ids, want_subjects, want_tree, want_checkpoints, want_incidents, want_membership,
      want_blobs;
  for (IndexDigest* d : {&want_ids, &want_subjects, &want_tree, &want_checkpoints, &want_incidents,
                         &want_membership, &want_blobs})
    d->salt = &salt;
  std::map<Hash32, uint64_t> blob_sizes;        // every attached content, once
  std::map<uint64_t, Hash32> checkpoint_roots;  // stored checkpoints so far, by size
  CompactRange tree;
  auto visit = [&](unsigned level, uint64_t index, const Hash32& h) {
    if (level > 0)
      want_tree.Add(AsSpan(layout::NodeKey(level, index)), h);  // leaves are not stored
  };
  // A saved checkpoint: well-formed now; its signature, by exactly the trusted
  // key and for this ledger, once the genesis has told us the ledger id.
  std::optional<Checkpoint> saved;
  std::optional<Hash32> root_at_saved;
  if (options.checkpoint) {
    if (!options.trust)
      return Status::Usage("--checkpoint needs --trust NPUB: the key that signed it");
    auto note = ParseSignedNote(*options.checkpoint);
    if (!note.ok()) return note.status().Prefixed("saved checkpoint");
    auto cp = ParseCheckpointBody(note->text);
    if (!cp.ok()) return cp.status().Prefixed("saved checkpoint");
    saved = *cp;
  }
  const TimeNs latest_allowed = NowNs() + kFutureSlack;

  // Reads the next chunk of raw events; a missing sequence number stops it.
  auto read_chunk = [&](uint64_t from, std::vector<std::pair<uint64_t, Bytes>>* chunk) {
    chunk->clear();
    size_t bytes_read = 0;
    return store.Scan(from, [&](uint64_t seq, ByteSpan bytes) {
      chunk->emplace_back(seq, Bytes(bytes.begin(), bytes.end()));
      bytes_read += bytes.size();
      return chunk->size() < kChunk && bytes_read < kChunkBytes;
    });
  };

  std::vector<std::pair<uint64_t, Bytes>> chunk, next;
  CUSTODY_RETURN_IF_ERROR(read_chunk(0, &chunk));
  std::vector<KeyCache> caches(threads);
  while (!chunk.empty()) {
    for (size_t i = 0; i < chunk.size(); ++i)
      if (chunk[i].first != expected + i)
        return Status::Corruption("event " + std::to_string(expected + i) +
                                  ": missing (next stored is " + std::to_string(chunk[i].first) +
                                  ")");
    // Check this chunk's events on every core while this thread reads the next.
    std::vector<Checked> checked(chunk.size());
    auto work = std::async(std::launch::async, [&] {
      ParallelFor(chunk.size(), threads, [&](size_t i, unsigned worker) {
        CheckAlone(chunk[i].first, std::move(chunk[i].second), &salt, &caches[worker], &checked[i]);
      });
    });
    const uint64_t after = chunk.back().first + 1;
    Status read = read_chunk(after, &next);
    work.get();
    for (size_t i = 0; i < checked.size(); ++i) {
      Checked& c = checked[i];
      CUSTODY_RETURN_IF_ERROR(c.status);
      const fb::Event& e = c.event->event();
      Status s = chain.Append(e, c.id);
      if (s.IsUnauthorized() || s.IsInvalidArgument())
        s = Status::VerificationFailed(s.message());  // an unauthorized event in the store
      CUSTODY_RETURN_IF_ERROR(s);
      // Recorded time comes from the appender's clock: one from the future
      // would also lock every honest writer out.
      if (e.recorded_ns() > latest_allowed)
        return Status::Corruption("event " + std::to_string(e.seq()) + ": recorded time " +
                                  FormatTime(e.recorded_ns()) + " is in the future");
      want_ids.Add(c.ids);
      want_subjects.Add(c.subjects);
      // The tree: stored checkpoints must name the root of the events before them.
      if (e.payload_type() == fb::Payload::Checkpoint) {
        auto* cp = e.payload_as_Checkpoint();
        if (ToHash(cp->root()) != tree.Root())
          return Status::Corruption("event " + std::to_string(e.seq()) +
                                    ": checkpoint root is not the root of the " +
                                    std::to_string(cp->size()) + " events before it");
        want_checkpoints.Add(AsSpan(layout::SeqKey(cp->size())), AsSpan(layout::SeqKey(e.seq())));
        checkpoint_roots[cp->size()] = ToHash(cp->root());
        ++report->checkpoints;
      }
      if (e.payload_type() == fb::Payload::ExportPerformed) {
        // An export names a checkpoint stored before it, by its root.
        auto* x = e.payload_as_ExportPerformed();
        auto it = checkpoint_roots.find(x->checkpoint_size());
        if (it == checkpoint_roots.end() || it->second != ToHash(x->checkpoint_root()))
          return Status::Corruption("event " + std::to_string(e.seq()) +
                                    ": export names checkpoint " +
                                    std::to_string(x->checkpoint_size()) +
                                    ", which the ledger does not hold with that root");
      }
      const std::string seq_key = layout::SeqKey(e.seq());
      if (e.incident())
        want_incidents.Add(AsSpan(layout::PairKey(e.incident(), e.seq())), ByteSpan());
      if (e.payload_type() == fb::Payload::IncidentDeclared)
        want_incidents.Add(AsSpan(layout::PairKey(e.seq(), e.seq())), ByteSpan());
      if (IsMembershipType(e.payload_type())) want_membership.Add(AsSpan(seq_key), ByteSpan());
      Hash32 hash{};
      uint64_t blob_size = 0;
      if (BlobOf(e, &hash, &blob_size)) {
        auto [it, first] = blob_sizes.emplace(hash, blob_size);
        if (!first && it->second != blob_size)
          return Status::Corruption("event " + std::to_string(e.seq()) + ": evidence " +
                                    EncodeHex(hash) +
                                    " has another size than where it was first attached");
        if (first) {
          // The content must be stored, and be what the event says it is.
          uint64_t size = 0;
          auto content = HashFile(store.BlobFile(hash), &size);
          if (!content.ok())
            return Status::Corruption("event " + std::to_string(e.seq()) + ": evidence content " +
                                      EncodeHex(hash) + " is missing from the blob store");
          if (*content != hash || size != blob_size)
            return Status::Corruption(
                "event " + std::to_string(e.seq()) + ": evidence content " + EncodeHex(hash) +
                " is damaged in the blob store (it hashes to " + EncodeHex(*content) + ", " +
                std::to_string(size) + " bytes)");
          want_blobs.Add(hash, AsSpan(layout::SeqKey(blob_size)));
        }
        want_blobs.Add(AsSpan(layout::BlobRefKey(hash, e.seq())), ByteSpan());
      }
      if (saved && saved->size == tree.size()) root_at_saved = tree.Root();
      tree.Append(c.leaf, visit);
      if (e.seq() == 0) {
        auto* genesis = e.payload_as_Genesis();
        report->name = genesis->name()->str();
        if (genesis->storage_format() != layout::kStorageFormat)
          return Status::Corruption("event 0: genesis says storage format " +
                                    std::to_string(genesis->storage_format()));
        if (store.name() != report->name)
          return Status::Corruption("ledger name in storage does not match the genesis event");
        report->have_genesis = true;
        report->events = 1;
        report->ledger_id = chain.head().ledger_id;
        report->genesis_admin = chain.head().genesis_admin;
        if (saved) {
          const std::string origin = CheckpointOrigin(report->ledger_id);
          if (saved->origin != origin)
            return Status::VerificationFailed("saved checkpoint is for " +
                                              Printable(saved->origin) + ", not this ledger (" +
                                              origin + ")");
          auto signed_by = VerifyCheckpointNote(*options.checkpoint, *options.trust, origin);
          if (!signed_by.ok()) return signed_by.status().Prefixed("saved checkpoint");
        }
        if (!saved && options.trust && *options.trust != report->genesis_admin)
          return Status::VerificationFailed("genesis admin " + EncodeNpub(report->genesis_admin) +
                                            " is not the trusted key " +
                                            EncodeNpub(*options.trust));
      }
      // References must name the event at that sequence number by its id.
      if (auto* refs = e.references()) {
        for (auto* r : *refs) {
          auto ev = store.Get(r->seq());
          if (!ev.ok() || ev->id() != ToHash(&r->id()))
            return Status::Corruption("event " + std::to_string(e.seq()) + ": reference to " +
                                      std::to_string(r->seq()) + " does not match that event's id");
        }
      }
      report->events = e.seq() + 1;
      report->head_id = c.id;
    }
    expected = after;
    if (options.progress) options.progress(expected, total);
    CUSTODY_RETURN_IF_ERROR(read);
    chunk.swap(next);
  }
  if (!report->have_genesis)
    return Status::Corruption("event 0: missing (the ledger has no genesis)");
  report->root = tree.Root();
  if (saved) {
    if (saved->size == tree.size()) root_at_saved = tree.Root();
    if (saved->size > tree.size())
      return Status::VerificationFailed(
          "the ledger does not extend the saved checkpoint: it holds " +
          std::to_string(tree.size()) + " events, the checkpoint " + std::to_string(saved->size) +
          " (truncated, or rolled back to an older copy)");
    if (*root_at_saved != saved->root)
      return Status::VerificationFailed(
          "the ledger does not extend the saved checkpoint: its root at size " +
          std::to_string(saved->size) + " differs (history rewritten, or a fork)");
  }
  // The stored head and members index must say what the events say.
  const ChainHead& stored = store.head();
  if (stored.next_seq != chain.head().next_seq)
    return Status::Corruption("event " + std::to_string(chain.head().next_seq) +
                              ": missing (the head says " + std::to_string(stored.next_seq) +
                              " events, the ledger holds " + std::to_string(chain.head().next_seq) +
                              ")");
  if (stored.last_id != chain.head().last_id || stored.ledger_id != chain.head().ledger_id ||
      stored.genesis_admin != chain.head().genesis_admin ||
      stored.last_recorded_ns != chain.head().last_recorded_ns)
    return Status::Corruption("ledger head does not match the last event");
  auto members = store.Members();
  if (!members.ok()) return members.status();
  if (*members != chain.members().members())
    return Status::Corruption("members index does not match the membership events");
  // The indexes must hold exactly the entries the events imply.
  const std::pair<Store::Index, const IndexDigest*> indexes[] = {
      {Store::Index::kEventIds, &want_ids},        {Store::Index::kSubjects, &want_subjects},
      {Store::Index::kTree, &want_tree},           {Store::Index::kCheckpoints, &want_checkpoints},
      {Store::Index::kIncidents, &want_incidents}, {Store::Index::kMembership, &want_membership},
      {Store::Index::kBlobs, &want_blobs}};
  for (auto [index, want] : indexes) {
    IndexDigest have;
    have.salt = &salt;
    CUSTODY_RETURN_IF_ERROR(
        store.ScanIndex(index, [&](ByteSpan k, ByteSpan v) { have.Add(k, v); }));
    static constexpr const char* kNames[] = {
        "event id index", "subject index",    "Merkle tree", "checkpoints index",
        "incident index", "membership index", "blobs index"};
    if (!(have == *want))
      return Status::Corruption(std::string(kNames[static_cast<int>(index)]) +
                                " does not match the events (" + std::to_string(have.count) +
                                " entries, expected " + std::to_string(want->count) + ")");
  }
  return Status::OK();
}

}  // namespace custody
