// Inside ledger/store only: the RocksDB side of the store — converting
// rocksdb::Status (here and nowhere else) and the options every open uses.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <string>
#include <vector>

#include "ledger/base/status.h"

namespace custody::rocks {

Status FromRocks(const rocksdb::Status& s, const std::string& what);

// Another process holds the directory lock (flock: EAGAIN), or this one does.
bool IsLockError(const rocksdb::Status& s);

rocksdb::Options BaseOptions();

// The column families of the current storage format, in handle order.
std::vector<rocksdb::ColumnFamilyDescriptor> Families();

}  // namespace custody::rocks
