#include "ledger/store/verify.h"

#include <filesystem>
#include <future>
#include <map>
#include <optional>
#include <set>

#include "ledger/base/encoding.h"
#include "ledger/base/parallel.h"
#include "ledger/checkpoint.h"
#include "ledger/crypto.h"
#include "ledger/merkle.h"
#include "ledger/store/layout.h"
#include "ledger/stream_hash.h"
#include "rules/rule_set.h"

namespace custody {
namespace {

constexpr size_t kChunk = 4096;           // events read at a time
constexpr size_t kChunkBytes = 16 << 20;  // and at most this many bytes

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

// The indexes verify compares with the events, in Store::Index order.
constexpr std::string_view kIndexFamilies[] = {
    layout::kEventIdsCf,  layout::kSubjectsCf,   layout::kTreeCf, layout::kCheckpointsCf,
    layout::kIncidentsCf, layout::kMembershipCf, layout::kBlobsCf};
constexpr const char* kIndexNames[] = {"event id index",    "subject index",  "Merkle tree",
                                       "checkpoints index", "incident index", "membership index",
                                       "blobs index"};
constexpr size_t kIndexes = std::size(kIndexFamilies);

// Digests of the index entries a set of events implies, one per index.
struct Digests {
  IndexDigest d[kIndexes];
  void Salt(const Hash32* salt) {
    for (auto& x : d) x.salt = salt;
  }
  IndexDigest& Of(std::string_view cf) {
    for (size_t i = 0; i < kIndexes; ++i)
      if (kIndexFamilies[i] == cf) return d[i];
    return d[0];  // REQUIRES: an index family
  }
  void Add(const Digests& o) {
    for (size_t i = 0; i < kIndexes; ++i) d[i].Add(o.d[i]);
  }
};

struct Checked {
  std::optional<SignedEvent> event;
  Hash32 id{};
  Hash32 leaf{};  // the Merkle leaf hash of the stored bytes
  Status status;
  Digests entries;  // the index entries this event implies, but a blob's size record
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

// Everything about one event that does not depend on the events before it:
// the framing and schema (R1) and signatures (R2) rules, and its index entries.
void CheckAlone(uint64_t seq, Bytes bytes, const Hash32* salt, KeyCache* keys, Checked* out) {
  out->entries.Salt(salt);
  auto where = [seq] { return "event " + std::to_string(seq) + ": "; };
  auto ev = SignedEvent::Decode(std::move(bytes));
  if (!ev.ok()) {
    std::string msg = ev.status().message();
    if (msg.rfind("event ", 0) != 0) msg = where() + msg;
    out->status = Status::Rejected(msg);
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
      out->status = Status::Rejected(where() + "signature " + std::to_string(i) + " by " +
                                     EncodeNpub(signers[i]) + " does not verify");
      return;
    }
  }
  for (const layout::IndexEntry& entry : layout::EntriesOf(ev->event(), out->id)) {
    if (entry.cf == layout::kBlobsCf && entry.key.size() == 32) continue;  // once per content
    out->entries.Of(entry.cf).Add(AsSpan(entry.key), AsSpan(entry.value));
  }
  out->event.emplace(std::move(*ev));
}

// The stored evidence content must be there, and be what the event says it is.
Status CheckContent(const Store& store, uint64_t seq, const Hash32& hash, uint64_t want_size) {
  uint64_t size = 0;
  auto content = HashFile(store.BlobFile(hash), &size);
  const std::string where =
      "event " + std::to_string(seq) + ": evidence content " + EncodeHex(hash);
  if (!content.ok()) return Status::Corruption(where + " is missing from the blob store");
  if (*content != hash || size != want_size)
    return Status::Corruption(where + " is damaged in the blob store (it hashes to " +
                              EncodeHex(*content) + ", " + std::to_string(size) + " bytes)");
  return Status::OK();
}

// A saved checkpoint, for this ledger and signed by exactly the trusted key.
Status CheckSaved(const VerifyOptions& options, const Checkpoint& saved, const Hash32& ledger_id) {
  const std::string origin = CheckpointOrigin(ledger_id);
  if (saved.origin != origin)
    return Status::VerificationFailed("saved checkpoint is for " + Printable(saved.origin) +
                                      ", not this ledger (" + origin + ")");
  auto signed_by = VerifyCheckpointNote(*options.checkpoint, *options.trust, origin);
  return signed_by.ok() ? Status::OK() : signed_by.status().Prefixed("saved checkpoint");
}

// The stored head, members and indexes must say what the events say.
Status CheckDerived(const Store& store, const RuleSet& rules, const Digests& want,
                    const Hash32* salt) {
  const ChainHead& stored = store.head();
  const ChainHead& chain = rules.head();
  if (stored.next_seq != chain.next_seq)
    return Status::Corruption("event " + std::to_string(chain.next_seq) +
                              ": missing (the head says " + std::to_string(stored.next_seq) +
                              " events, the ledger holds " + std::to_string(chain.next_seq) + ")");
  if (stored.last_id != chain.last_id || stored.ledger_id != chain.ledger_id ||
      stored.genesis_admin != chain.genesis_admin ||
      stored.last_recorded_ns != chain.last_recorded_ns)
    return Status::Corruption("ledger head does not match the last event");
  auto members = store.Members();
  if (!members.ok()) return members.status();
  if (*members != rules.members().members())
    return Status::Corruption("members index does not match the membership events");
  for (size_t i = 0; i < kIndexes; ++i) {
    IndexDigest have;
    have.salt = salt;
    CUSTODY_RETURN_IF_ERROR(store.ScanIndex(static_cast<Store::Index>(i),
                                            [&](ByteSpan k, ByteSpan v) { have.Add(k, v); }));
    if (!(have == want.d[i]))
      return Status::Corruption(std::string(kIndexNames[i]) + " does not match the events (" +
                                std::to_string(have.count) + " entries, expected " +
                                std::to_string(want.d[i].count) + ")");
  }
  return Status::OK();
}

// The stored projections are what the events give: each incident's state as
// folded up to the projections marker (want), no more, no fewer. Derived
// data, but status, timeline and the PIR show it.
Status CheckProjections(const Store& store, const std::map<std::string, std::string>& want) {
  if (!store.projections_marker_ok())
    return Status::Corruption(
        "projections marker is malformed (derived data: rebuild the projections from the events)");
  std::map<std::string, std::string> stored;
  CUSTODY_RETURN_IF_ERROR(store.ScanProjections([&](std::string_view k, std::string_view v) {
    stored.emplace(std::string(k), std::string(v));
  }));
  auto name = [](const std::string& key) {
    return key.size() == 8 ? IncidentName(layout::SeqFromKey(key)) : Printable(key);
  };
  const std::string rebuild = " (derived data: rebuild the projections from the events)";
  for (const auto& [key, value] : want) {
    auto it = stored.find(key);
    if (it == stored.end())
      return Status::Corruption("projection of " + name(key) + ": missing" + rebuild);
    if (it->second != value)
      return Status::Corruption("projection of " + name(key) +
                                " does not match its events (as of event " +
                                std::to_string(store.projections_applied()) + ")" + rebuild);
    stored.erase(it);
  }
  if (!stored.empty())
    return Status::Corruption("projection of " + name(stored.begin()->first) +
                              ": stored, but no events give it" + rebuild);
  return Status::OK();
}

}  // namespace

Status VerifyLedger(const Store& store, const VerifyOptions& options, VerifyReport* report) {
  *report = VerifyReport();
  const unsigned threads = options.threads ? options.threads : DefaultThreads();
  const uint64_t total = store.head().next_seq;
  uint64_t expected = 0;
  Hash32 salt;
  CUSTODY_RETURN_IF_ERROR(RandomBytes(salt.data(), salt.size()));
  Digests want;
  want.Salt(&salt);
  std::set<Hash32> blobs_seen;  // every attached content, once
  CompactRange tree;
  auto visit = [&](unsigned level, uint64_t index, const Hash32& h) {
    if (level > 0) want.Of(layout::kTreeCf).Add(AsSpan(layout::NodeKey(level, index)), h);
  };
  // The rule set, over the whole ledger. Its state is in memory, but for what
  // it knows of each earlier event (id, type, incident): that is read back
  // from the store when a later event references it, one point read per
  // reference, so memory does not grow with the ledger. The tree is this
  // loop's.
  RuleSet::Lookup lookup;
  lookup.event = [&store](uint64_t seq) -> Result<EventInfo> {
    auto ev = store.Get(seq);
    if (!ev.ok()) return ev.status();
    return InfoOf(ev->event(), ev->id());
  };
  lookup.tree_root = [&tree](uint64_t size) -> Result<Hash32> {
    if (size != tree.size())
      return Status::Rejected("checkpoint of size " + std::to_string(size) + " at tree size " +
                              std::to_string(tree.size()));
    return tree.Root();
  };
  RuleSet rules(std::move(lookup));
  // The projections as the events give them at the stored marker.
  const uint64_t marker = store.projections_applied();
  std::map<std::string, std::string> projections;
  auto snapshot = [&] {
    rules.ForEachIncident([&](const IncidentState& s) {
      projections.emplace(layout::IncidentProjectionKey(s.incident), EncodeState(s));
    });
  };
  // A saved checkpoint: well-formed now; its signature, by exactly the trusted
  // key and for this ledger, once the genesis has told us the ledger id.
  std::optional<Checkpoint> saved;
  std::optional<Hash32> root_at_saved;
  if (options.checkpoint) {
    if (!options.trust)
      return Status::Usage("a saved checkpoint needs the key that signed it to be trusted");
    auto note = ParseSignedNote(*options.checkpoint);
    if (!note.ok()) return note.status().Prefixed("saved checkpoint");
    auto cp = ParseCheckpointBody(note->text);
    if (!cp.ok()) return cp.status().Prefixed("saved checkpoint");
    saved = *cp;
  }
  const TimeNs now = NowNs();

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
      CUSTODY_RETURN_IF_ERROR(rules.Append(e, c.event->body(), c.id, now, &report->findings));
      want.Add(c.entries);
      Hash32 hash{};
      uint64_t blob_size = 0;
      if (BlobOf(e, &hash, &blob_size) && blobs_seen.insert(hash).second) {
        if (options.fetch_blob) CUSTODY_RETURN_IF_ERROR(options.fetch_blob(hash, blob_size));
        CUSTODY_RETURN_IF_ERROR(CheckContent(store, e.seq(), hash, blob_size));
        want.Of(layout::kBlobsCf).Add(hash, AsSpan(layout::SeqKey(blob_size)));
      }
      if (e.payload_type() == fb::Payload::Checkpoint) ++report->checkpoints;
      if (saved && saved->size == tree.size()) root_at_saved = tree.Root();
      tree.Append(c.leaf, visit);
      if (e.seq() == 0) {
        report->name = e.payload_as_Genesis()->name()->str();
        report->format = e.payload_as_Genesis()->storage_format();
        if (store.name() != report->name)
          return Status::Corruption("ledger name in storage does not match the genesis event");
        if (store.format() != report->format)
          return Status::Corruption("storage format in storage does not match the genesis event");
        report->have_genesis = true;
        report->ledger_id = rules.head().ledger_id;
        report->genesis_admin = rules.head().genesis_admin;
        if (saved) CUSTODY_RETURN_IF_ERROR(CheckSaved(options, *saved, report->ledger_id));
        if (!saved && options.trust && *options.trust != report->genesis_admin)
          return Status::VerificationFailed("genesis admin " + EncodeNpub(report->genesis_admin) +
                                            " is not the trusted key " +
                                            EncodeNpub(*options.trust));
      }
      report->events = e.seq() + 1;
      report->head_id = c.id;
      if (report->events == marker) snapshot();
    }
    expected = after;
    rules.ForgetBefore(after);
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
  CUSTODY_RETURN_IF_ERROR(CheckDerived(store, rules, want, &salt));
  return CheckProjections(store, projections);
}

}  // namespace custody
