#include "ledger/store/layout.h"

#include <rocksdb/db.h>

#include <cstring>

#include "ledger/store/rocks.h"

namespace custody {
namespace layout {

std::string EncodeHead(const ChainHead& h) {
  std::string v(8 + 32 + 8 + 32 + 32, '\0');
  auto* p = reinterpret_cast<uint8_t*>(v.data());
  PutBigEndian64(p, h.next_seq);
  std::memcpy(p + 8, h.last_id.data(), 32);
  PutBigEndian64(p + 40, static_cast<uint64_t>(h.last_recorded_ns));
  std::memcpy(p + 48, h.ledger_id.data(), 32);
  std::memcpy(p + 80, h.genesis_admin.data(), 32);
  return v;
}

bool DecodeHead(std::string_view v, ChainHead* h) {
  if (v.size() != 112) return false;
  auto* p = reinterpret_cast<const uint8_t*>(v.data());
  h->next_seq = GetBigEndian64(p);
  std::memcpy(h->last_id.data(), p + 8, 32);
  h->last_recorded_ns = static_cast<TimeNs>(GetBigEndian64(p + 40));
  std::memcpy(h->ledger_id.data(), p + 48, 32);
  std::memcpy(h->genesis_admin.data(), p + 80, 32);
  return true;
}

std::string EncodeMember(const MemberRecord& r) {
  std::string v(5, '\0');
  PutLittleEndian32(reinterpret_cast<uint8_t*>(v.data()), r.roles);
  v[4] = r.compromised ? 1 : 0;
  return v;
}

bool DecodeMember(std::string_view v, MemberRecord* r) {
  if (v.size() != 5 || (v[4] & ~1)) return false;
  r->roles = GetLittleEndian32(reinterpret_cast<const uint8_t*>(v.data()));
  r->compromised = v[4] == 1;
  return true;
}

std::vector<IndexEntry> EntriesOf(const fb::Event& e, const Hash32& id) {
  const uint64_t seq = e.seq();
  const std::string seq_key = SeqKey(seq);
  std::vector<IndexEntry> out;
  out.push_back({kEventIdsCf, HashKey(id), seq_key});
  if (auto* subjects = e.subjects())
    for (auto* s : *subjects) out.push_back({kSubjectsCf, SubjectKey(ToHash(&s->key()), seq), ""});
  if (auto* cp = e.payload_as_Checkpoint())
    out.push_back({kCheckpointsCf, SeqKey(cp->size()), seq_key});
  if (e.incident()) out.push_back({kIncidentsCf, PairKey(e.incident(), seq), ""});
  if (e.payload_type() == fb::Payload::IncidentDeclared)
    out.push_back({kIncidentsCf, PairKey(seq, seq), ""});
  if (IsMembershipType(e.payload_type())) out.push_back({kMembershipCf, seq_key, ""});
  Hash32 blob{};
  uint64_t size = 0;
  if (BlobOf(e, &blob, &size)) {
    // The size record is the same for every event that attaches the content.
    out.push_back({kBlobsCf, HashKey(blob), SeqKey(size)});
    out.push_back({kBlobsCf, BlobRefKey(blob, seq), ""});
  }
  return out;
}

}  // namespace layout

namespace rocks {

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::OK();
  if (s.IsCorruption()) return Status::Corruption(what + ": " + s.ToString());
  if (s.IsNotFound()) return Status::NotFound(what + ": " + s.ToString());
  if (s.IsBusy() || s.IsTimedOut()) return Status::Busy(what + ": " + s.ToString());
  return Status::IOError(what + ": " + s.ToString());
}

// Any other I/O error — a read-only directory, say — is not "busy".
bool IsLockError(const rocksdb::Status& s) {
  const std::string m = s.ToString();
  return s.IsIOError() && (m.find("Resource temporarily unavailable") != std::string::npos ||
                           m.find("lock hold by current process") != std::string::npos);
}

rocksdb::Options BaseOptions() {
  rocksdb::Options o;
  // SPEC: DESIGN.md "Storage": a torn tail record is dropped, never surfaced.
  o.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  o.paranoid_checks = true;
  o.keep_log_file_num = 2;
  o.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  o.max_background_jobs = 2;
  // Opening does not flush what it recovers: see ~Store.
  o.avoid_flush_during_recovery = true;
  // Open table files lazily and on this thread: a short command must not start
  // sixteen file-opening threads per column family.
  o.max_open_files = 64;
  o.max_file_opening_threads = 1;
  return o;
}

std::vector<rocksdb::ColumnFamilyDescriptor> Families() {
  using namespace layout;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  cfs.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (auto name : {kMetaCf, kEventsCf, kEventIdsCf, kMembersCf, kSubjectsCf, kTreeCf,
                    kCheckpointsCf, kIncidentsCf, kMembershipCf, kBlobsCf, kProjectionsCf})
    cfs.emplace_back(std::string(name), rocksdb::ColumnFamilyOptions());
  return cfs;
}

}  // namespace rocks
}  // namespace custody
