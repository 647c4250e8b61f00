// Direct RocksDB access to a closed ledger, as an attacker with the disk
// would have: for corruption tests only.
#pragma once

#include <rocksdb/db.h>

#include <cstring>
#include <memory>
#include <stdexcept>

#include "ledger/merkle.h"
#include "ledger/store/layout.h"
#include "tests/ledger/factory.h"

namespace custody::test {

class RawDb {
 public:
  explicit RawDb(const std::string& dir) {
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {{rocksdb::kDefaultColumnFamilyName, {}}};
    for (auto n :
         {layout::kMetaCf, layout::kEventsCf, layout::kEventIdsCf, layout::kMembersCf,
          layout::kSubjectsCf, layout::kTreeCf, layout::kCheckpointsCf, layout::kIncidentsCf,
          layout::kMembershipCf, layout::kBlobsCf, layout::kProjectionsCf})
      cfs.emplace_back(std::string(n), rocksdb::ColumnFamilyOptions());
    rocksdb::DB* db = nullptr;
    auto s = rocksdb::DB::Open(rocksdb::Options(), dir, cfs, &handles_, &db);
    if (!s.ok()) throw std::runtime_error(s.ToString());
    db_.reset(db);
  }
  ~RawDb() {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  }
  rocksdb::ColumnFamilyHandle* meta() { return handles_[1]; }
  rocksdb::ColumnFamilyHandle* events() { return handles_[2]; }
  rocksdb::ColumnFamilyHandle* ids() { return handles_[3]; }
  rocksdb::ColumnFamilyHandle* members() { return handles_[4]; }
  rocksdb::ColumnFamilyHandle* subjects() { return handles_[5]; }
  rocksdb::ColumnFamilyHandle* tree() { return handles_[6]; }
  rocksdb::ColumnFamilyHandle* checkpoints() { return handles_[7]; }

  std::string Get(rocksdb::ColumnFamilyHandle* cf, const std::string& key) {
    std::string v;
    auto s = db_->Get(rocksdb::ReadOptions(), cf, key, &v);
    if (!s.ok()) throw std::runtime_error(s.ToString());
    return v;
  }
  void Put(rocksdb::ColumnFamilyHandle* cf, const std::string& key, const std::string& value) {
    auto s = db_->Put(rocksdb::WriteOptions(), cf, key, value);
    if (!s.ok()) throw std::runtime_error(s.ToString());
  }
  void Delete(rocksdb::ColumnFamilyHandle* cf, const std::string& key) {
    auto s = db_->Delete(rocksdb::WriteOptions(), cf, key);
    if (!s.ok()) throw std::runtime_error(s.ToString());
  }
  // Every key of a column family, in order.
  std::vector<std::string> Keys(rocksdb::ColumnFamilyHandle* cf) {
    std::vector<std::string> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) out.push_back(it->key().ToString());
    return out;
  }
  rocksdb::ColumnFamilyHandle* Cf(std::string_view name) {
    for (auto* h : handles_)
      if (h->GetName() == name) return h;
    throw std::runtime_error("no column family " + std::string(name));
  }
  // The latest event about a user, as the subjects index says; 0 for none.
  uint64_t LastAbout(const Hash32& user) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), subjects()));
    const std::string prefix = layout::HashKey(user);
    it->SeekForPrev(prefix + std::string(8, '\xff'));
    if (it->Valid() && it->key().starts_with(prefix))
      return layout::SeqFromKey(std::string_view(it->key().data() + 32, 8));
    return 0;
  }
  std::string Event(uint64_t seq) { return Get(events(), layout::SeqKey(seq)); }
  void PutEvent(uint64_t seq, const std::string& bytes) {
    Put(events(), layout::SeqKey(seq), bytes);
  }

 private:
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

// The test-only writer: stores signed-event bytes as the next event of a
// closed ledger with everything the store would write for them (the event,
// every index entry it implies, the tree nodes, the head), but without the
// rule set. Tests use it to make a store that holds an event the append path
// refuses, and check what verify, status and the PIR say of it. Bytes that do
// not decode are stored as they are (only the head's count moves). Membership
// and key events do not update the members index.
inline void StoreUnchecked(const std::string& dir, const Bytes& bytes) {
  RawDb raw(dir);
  ChainHead head;
  if (!layout::DecodeHead(raw.Get(raw.meta(), std::string(layout::kHeadKey)), &head))
    throw std::runtime_error("head: malformed");
  const uint64_t seq = head.next_seq;
  raw.PutEvent(seq, std::string(bytes.begin(), bytes.end()));
  head.next_seq = seq + 1;
  auto ev = SignedEvent::Decode(bytes);
  if (ev.ok()) {
    const Hash32 id = ev->id();
    for (const layout::IndexEntry& e : layout::EntriesOf(ev->event(), id))
      raw.Put(raw.Cf(e.cf), e.key, e.value);
    NodeFn nodes = [&raw](unsigned level, uint64_t index) -> Result<Hash32> {
      if (level == 0) {
        std::string event = raw.Event(index);
        return HashLeaf(ByteSpan(reinterpret_cast<const uint8_t*>(event.data()), event.size()));
      }
      std::string node = raw.Get(raw.tree(), layout::NodeKey(level, index));
      Hash32 h;
      std::memcpy(h.data(), node.data(), 32);
      return h;
    };
    auto range = CompactRange::FromNodes(seq, nodes).value();
    range.Append(HashLeaf(bytes), [&raw](unsigned level, uint64_t index, const Hash32& h) {
      if (level > 0)
        raw.Put(raw.tree(), layout::NodeKey(level, index),
                std::string(reinterpret_cast<const char*>(h.data()), 32));
    });
    head.last_id = id;
    head.last_recorded_ns = ev->event().recorded_ns();
  }
  raw.Put(raw.meta(), std::string(layout::kHeadKey), layout::EncodeHead(head));
}

// Fills f's chain fields (seq, ledger id, prev id, back-links) from a closed
// ledger's head and indexes, signs it and stores it with StoreUnchecked.
inline uint64_t AppendUnchecked(const std::string& dir, EventFields f,
                                const std::vector<const SecretKey*>& signers) {
  {
    RawDb raw(dir);
    ChainHead head;
    if (!layout::DecodeHead(raw.Get(raw.meta(), std::string(layout::kHeadKey)), &head))
      throw std::runtime_error("head: malformed");
    f.seq = head.next_seq;
    f.ledger_id = head.ledger_id;
    f.prev_id = head.last_id;
    for (auto& link : f.subjects) link.prev_seq = raw.LastAbout(link.key);
  }
  StoreUnchecked(dir, MakeSigned(f, signers));
  return f.seq;
}

}  // namespace custody::test
