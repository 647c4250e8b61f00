// Direct RocksDB access to a closed ledger, as an attacker with the disk
// would have: for corruption tests only.
#pragma once

#include <rocksdb/db.h>

#include <memory>

#include "ledger/store/layout.h"

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
  std::string Event(uint64_t seq) { return Get(events(), layout::SeqKey(seq)); }
  void PutEvent(uint64_t seq, const std::string& bytes) {
    Put(events(), layout::SeqKey(seq), bytes);
  }

 private:
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace custody::test
