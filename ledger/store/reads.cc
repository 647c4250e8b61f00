// Reads: events, the indexes, the Merkle tree's nodes, checkpoints and
// incident projections.
#include <rocksdb/db.h>

#include <cstring>
#include <filesystem>

#include "ledger/base/encoding.h"
#include "ledger/merkle.h"
#include "ledger/store/layout.h"
#include "ledger/store/rocks.h"
#include "ledger/store/store.h"

namespace custody {

namespace fs = std::filesystem;
using namespace layout;
using rocks::FromRocks;

Result<Bytes> Store::GetRaw(uint64_t seq) const {
  rocksdb::PinnableSlice v;
  auto s = db_->Get(rocksdb::ReadOptions(), events_, SeqKey(seq), &v);
  if (s.IsNotFound())
    return Status::NotFound("event " + std::to_string(seq) + ": not in the ledger");
  CUSTODY_RETURN_IF_ERROR(FromRocks(s, "read event " + std::to_string(seq)));
  return Bytes(v.data(), v.data() + v.size());
}

Result<SignedEvent> Store::Get(uint64_t seq) const {
  auto raw = GetRaw(seq);
  if (!raw.ok()) return raw.status();
  auto ev = SignedEvent::Decode(std::move(*raw));
  // What the store holds is damaged: not a rule refusing input (a writer
  // reading it exits 1, not 3).
  if (!ev.ok())
    return Status::Corruption("stored event " + std::to_string(seq) + ": " + ev.status().message());
  if (ev->event().seq() != seq)
    return Status::Corruption("event " + std::to_string(seq) +
                              ": stored under the wrong sequence number");
  return ev;
}

Result<uint64_t> Store::SeqOfId(const Hash32& id) const {
  std::string v;
  auto s = db_->Get(rocksdb::ReadOptions(), ids_, HashKey(id), &v);
  if (s.IsNotFound()) return Status::NotFound("no event with id " + EncodeHex(id));
  CUSTODY_RETURN_IF_ERROR(FromRocks(s, "read event id index"));
  if (v.size() != 8) return Status::Corruption("event id index: malformed entry");
  uint64_t seq = SeqFromKey(v);
  auto ev = Get(seq);
  if (!ev.ok()) return ev.status();
  if (ev->id() != id)
    return Status::Corruption("event id index: entry for " + EncodeHex(id) + " points at event " +
                              std::to_string(seq) + ", which has another id");
  return seq;
}

Result<std::map<Hash32, MemberRecord>> Store::Members() const {
  std::map<Hash32, MemberRecord> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), members_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    MemberRecord r;
    if (it->key().size() != 32 || !DecodeMember(it->value().ToStringView(), &r))
      return Status::Corruption("members index: malformed entry");
    Hash32 k;
    std::memcpy(k.data(), it->key().data(), 32);
    out[k] = r;
  }
  CUSTODY_RETURN_IF_ERROR(FromRocks(it->status(), "read members"));
  return out;
}

Result<IncidentState> Store::LoadIncident(uint64_t incident) const {
  auto seqs = EventsOfIncident(incident);
  if (!seqs.ok()) return seqs.status();
  if (seqs->empty())
    return Status::NotFound(IncidentName(incident) + " is not a declared incident");
  IncidentState s;
  s.incident = incident;
  // The stored projection says how far it got (its last event); the events
  // after that are applied here. Without one, every event is.
  uint64_t from = 0;
  // Derived data never blocks reading: a projection that cannot be read, or
  // is not this incident's, or sits under a damaged marker, is ignored and
  // the incident folded from its events (verify reports the damage).
  auto stored = GetProjection(IncidentProjectionKey(incident));
  if (!stored.ok()) return stored.status();
  if (stored->has_value() && projections_marker_ok_) {
    auto decoded = DecodeState(**stored);
    if (decoded.ok() && decoded->incident == incident && decoded->last_seq < head_.next_seq) {
      s = std::move(*decoded);
      from = s.last_seq + 1;
    }
  }
  for (uint64_t seq : *seqs) {
    if (seq < from || seq >= head_.next_seq) continue;
    auto ev = Get(seq);
    if (!ev.ok()) return ev.status();
    ApplyEvent(ev->event(), &s);
  }
  return s;
}

Result<std::vector<uint64_t>> Store::EventsAbout(const Hash32& user) const {
  std::vector<uint64_t> out;
  const std::string prefix = HashKey(user);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), subjects_));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (it->key().size() != 40) return Status::Corruption("subject index: malformed entry");
    out.push_back(SeqFromKey(std::string_view(it->key().data() + 32, 8)));
  }
  CUSTODY_RETURN_IF_ERROR(FromRocks(it->status(), "read subject index"));
  return out;
}

namespace {
// The second sequence number of every key in cf that starts with prefix.
Status CollectSeqs(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const std::string& prefix,
                   size_t key_size, uint64_t before, std::vector<uint64_t>* out) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (it->key().size() != key_size)
      return Status::Corruption(cf->GetName() + " index: malformed entry");
    uint64_t seq = SeqFromKey(std::string_view(it->key().data() + key_size - 8, 8));
    if (seq >= before) break;
    out->push_back(seq);
  }
  return FromRocks(it->status(), "read " + cf->GetName() + " index");
}
}  // namespace

Result<std::vector<uint64_t>> Store::EventsOfIncident(uint64_t incident) const {
  std::vector<uint64_t> out;
  CUSTODY_RETURN_IF_ERROR(
      CollectSeqs(db_.get(), incidents_, SeqKey(incident), 16, UINT64_MAX, &out));
  if (!out.empty() && out.front() != incident) out.clear();  // not a declaration: not an incident
  return out;
}

Result<bool> Store::IsIncident(uint64_t seq) const {
  std::string v;
  auto s = db_->Get(rocksdb::ReadOptions(), incidents_, PairKey(seq, seq), &v);
  if (s.IsNotFound()) return false;
  CUSTODY_RETURN_IF_ERROR(FromRocks(s, "read incident index"));
  return true;
}

Result<std::vector<uint64_t>> Store::MembershipEvents(uint64_t before) const {
  std::vector<uint64_t> out;
  CUSTODY_RETURN_IF_ERROR(CollectSeqs(db_.get(), membership_, "", 8, before, &out));
  return out;
}

Result<uint64_t> Store::BlobSize(const Hash32& sha256) const {
  std::string v;
  auto s = db_->Get(rocksdb::ReadOptions(), blobs_, HashKey(sha256), &v);
  if (s.IsNotFound())
    return Status::NotFound("no evidence with content " + EncodeHex(sha256) + " in the ledger");
  CUSTODY_RETURN_IF_ERROR(FromRocks(s, "read blobs index"));
  if (v.size() != 8) return Status::Corruption("blobs index: malformed entry");
  return SeqFromKey(v);
}

Result<std::vector<uint64_t>> Store::BlobRefs(const Hash32& sha256) const {
  std::vector<uint64_t> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), blobs_));
  const std::string prefix = HashKey(sha256);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (it->key().size() == 32) continue;  // the size record
    if (it->key().size() != 40) return Status::Corruption("blobs index: malformed entry");
    out.push_back(SeqFromKey(std::string_view(it->key().data() + 32, 8)));
  }
  CUSTODY_RETURN_IF_ERROR(FromRocks(it->status(), "read blobs index"));
  return out;
}

std::string Store::BlobFile(const Hash32& sha256) const {
  return (fs::path(dir_) / kBlobDir / EncodeHex(sha256)).string();
}

Result<uint64_t> Store::StoredLastAbout(const Hash32& user) const {
  const std::string prefix = HashKey(user);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), subjects_));
  it->SeekForPrev(prefix + std::string(8, '\xff'));
  if (it->Valid() && it->key().starts_with(prefix)) {
    if (it->key().size() != 40) return Status::Corruption("subject index: malformed entry");
    return SeqFromKey(std::string_view(it->key().data() + 32, 8));
  }
  CUSTODY_RETURN_IF_ERROR(FromRocks(it->status(), "read subject index"));
  return uint64_t{0};
}

Status Store::Scan(uint64_t from, const std::function<bool(uint64_t, ByteSpan)>& fn) const {
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, events_));
  for (it->Seek(SeqKey(from)); it->Valid(); it->Next()) {
    if (it->key().size() != 8) return Status::Corruption("events: malformed key");
    auto v = it->value();
    if (!fn(SeqFromKey(it->key().ToStringView()),
            ByteSpan(reinterpret_cast<const uint8_t*>(v.data()), v.size())))
      return Status::OK();
  }
  return FromRocks(it->status(), "scan events");
}

Status Store::ScanIndex(Index index, const std::function<void(ByteSpan, ByteSpan)>& fn) const {
  rocksdb::ColumnFamilyHandle* cf = index == Index::kEventIds      ? ids_
                                    : index == Index::kSubjects    ? subjects_
                                    : index == Index::kTree        ? tree_
                                    : index == Index::kCheckpoints ? checkpoints_
                                    : index == Index::kIncidents   ? incidents_
                                    : index == Index::kMembership  ? membership_
                                                                   : blobs_;
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf));
  for (it->SeekToFirst(); it->Valid(); it->Next())
    fn(AsSpan(it->key().ToStringView()), AsSpan(it->value().ToStringView()));
  return FromRocks(it->status(), "scan " + cf->GetName());
}

NodeFn Store::Nodes() const {
  return [this](unsigned level, uint64_t index) -> Result<Hash32> {
    if (level == 0) {
      auto raw = GetRaw(index);
      if (!raw.ok()) return raw.status();
      return HashLeaf(*raw);
    }
    std::string v;
    auto s = db_->Get(rocksdb::ReadOptions(), tree_, NodeKey(level, index), &v);
    if (s.IsNotFound())
      return Status::NotFound("tree node " + std::to_string(level) + "/" + std::to_string(index) +
                              " missing");
    CUSTODY_RETURN_IF_ERROR(FromRocks(s, "read tree node"));
    if (v.size() != 32)
      return Status::Corruption("tree node " + std::to_string(level) + "/" + std::to_string(index) +
                                ": malformed");
    Hash32 h;
    std::memcpy(h.data(), v.data(), 32);
    return h;
  };
}

Result<std::vector<std::pair<uint64_t, uint64_t>>> Store::Checkpoints() const {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  Status bad;
  CUSTODY_RETURN_IF_ERROR(ScanIndex(Index::kCheckpoints, [&](ByteSpan k, ByteSpan v) {
    if (k.size() != 8 || v.size() != 8) {
      bad = Status::Corruption("checkpoints index: malformed entry");
      return;
    }
    out.emplace_back(GetBigEndian64(k.data()), GetBigEndian64(v.data()));
  }));
  CUSTODY_RETURN_IF_ERROR(bad);
  return out;
}

Result<SignedEvent> Store::CheckpointEvent(uint64_t size) const {
  std::string v;
  rocksdb::Status s;
  if (size == 0) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), checkpoints_));
    it->SeekToLast();
    if (!it->Valid()) {
      CUSTODY_RETURN_IF_ERROR(FromRocks(it->status(), "read checkpoints"));
      return Status::NotFound("the ledger has no checkpoint yet");
    }
    v = it->value().ToString();
  } else {
    s = db_->Get(rocksdb::ReadOptions(), checkpoints_, SeqKey(size), &v);
    if (s.IsNotFound())
      return Status::NotFound("no stored checkpoint of size " + std::to_string(size));
    CUSTODY_RETURN_IF_ERROR(FromRocks(s, "read checkpoints"));
  }
  if (v.size() != 8) return Status::Corruption("checkpoints index: malformed entry");
  auto ev = Get(SeqFromKey(v));
  if (ev.status().IsNotFound())  // the index names it: the event is gone
    return Status::Corruption("checkpoints index names event " + std::to_string(SeqFromKey(v)) +
                              ", which is missing");
  if (!ev.ok()) return ev.status();
  if (ev->event().payload_type() != fb::Payload::Checkpoint ||
      (size && ev->event().payload_as_Checkpoint()->size() != size))
    return Status::Corruption("checkpoints index points at event " + std::to_string(SeqFromKey(v)) +
                              ", not that checkpoint");
  return ev;
}

uint64_t Store::DiskBytes() const {
  uint64_t total = 0;
  std::error_code ec;
  for (auto& entry : fs::directory_iterator(dir_, ec))
    if (entry.is_regular_file(ec)) total += entry.file_size(ec);
  return total;
}

}  // namespace custody
