#include "ledger/store/store.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/transaction_log.h>
#include <rocksdb/utilities/options_util.h>
#include <rocksdb/write_batch.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <thread>

#include "ledger/base/encoding.h"
#include "ledger/base/parallel.h"
#include "ledger/merkle.h"
#include "ledger/store/layout.h"

namespace custody {
namespace {

namespace fs = std::filesystem;
using namespace layout;

constexpr TimeNs kClockSlack = 1000000000;  // a backward clock step we absorb (1 s)
constexpr uint64_t kFlushAtCloseEntries = 20000;
constexpr size_t kFlushAtCloseWals = 8;

// rocksdb::Status is converted here and nowhere else.
Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::OK();
  if (s.IsCorruption()) return Status::Corruption(what + ": " + s.ToString());
  if (s.IsNotFound()) return Status::NotFound(what + ": " + s.ToString());
  if (s.IsBusy() || s.IsTimedOut()) return Status::Busy(what + ": " + s.ToString());
  return Status::IOError(what + ": " + s.ToString());
}

// Another process holds the directory lock (flock: EAGAIN), or this one does.
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
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  cfs.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (auto name : {kMetaCf, kEventsCf, kEventIdsCf, kMembersCf, kSubjectsCf, kTreeCf,
                    kCheckpointsCf, kIncidentsCf, kMembershipCf, kBlobsCf, kProjectionsCf})
    cfs.emplace_back(std::string(name), rocksdb::ColumnFamilyOptions());
  return cfs;
}

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

// members value: roles u32 little-endian, flags u8 (bit 0: compromised).
std::string MemberValue(const MemberRecord& r) {
  std::string v(5, '\0');
  PutLittleEndian32(reinterpret_cast<uint8_t*>(v.data()), r.roles);
  v[4] = r.compromised ? 1 : 0;
  return v;
}

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const std::string& dir, bool writer, bool create,
                                           const OpenOptions& options) {
  std::unique_ptr<Store> store(new Store());
  store->dir_ = dir;
  store->writer_ = writer;
  rocksdb::Options o = BaseOptions();
  o.create_if_missing = create;
  o.error_if_exists = create;
  o.create_missing_column_families = create;
  std::error_code ec;
  if (!create && !fs::exists(fs::path(dir) / "CURRENT", ec))
    return Status::IOError("no ledger at " + dir + " (create one with: custody init --name NAME)");
  if (!create) {
    // A ledger of another storage format may have other column families;
    // say so before RocksDB refuses in its own words.
    std::vector<std::string> names;
    CUSTODY_RETURN_IF_ERROR(
        FromRocks(rocksdb::DB::ListColumnFamilies(o, dir, &names), "open ledger " + dir));
    std::vector<std::string> want;
    for (auto& cf : Families()) want.push_back(cf.name);
    std::sort(names.begin(), names.end());
    std::sort(want.begin(), want.end());
    if (names != want)
      return Status::IOError(
          "ledger " + dir +
          " has column families this custody does not know; it reads storage format " +
          std::to_string(kStorageFormat) + " only");
  }
  rocksdb::DB* db = nullptr;
  rocksdb::Status s;
  if (writer) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options.busy_timeout_ms);
    for (;;) {
      s = rocksdb::DB::Open(o, dir, Families(), &store->handles_, &db);
      if (!IsLockError(s)) break;
      if (std::chrono::steady_clock::now() >= deadline)
        return Status::Busy("ledger busy: another custody process is writing to " + dir);
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  } else {
    char tmpl[] = "/tmp/custody-reader-XXXXXX";
    if (mkdtemp(tmpl) == nullptr)
      return Status::IOError("cannot create a reader directory in /tmp");
    store->secondary_dir_ = tmpl;
    o.max_open_files = -1;  // required of a secondary instance
    s = rocksdb::DB::OpenAsSecondary(o, dir, store->secondary_dir_, Families(), &store->handles_,
                                     &db);
    if (s.ok()) s = db->TryCatchUpWithPrimary();
  }
  if (!s.ok()) {
    if (db) delete db;
    return FromRocks(s, "open ledger " + dir);
  }
  store->db_.reset(db);
  store->meta_ = store->handles_[1];
  store->events_ = store->handles_[2];
  store->ids_ = store->handles_[3];
  store->members_ = store->handles_[4];
  store->subjects_ = store->handles_[5];
  store->tree_ = store->handles_[6];
  store->checkpoints_ = store->handles_[7];
  store->incidents_ = store->handles_[8];
  store->membership_ = store->handles_[9];
  store->blobs_ = store->handles_[10];
  store->projections_ = store->handles_[11];
  if (!create) {
    CUSTODY_RETURN_IF_ERROR(store->LoadMeta());
  }
  if (writer) {
    std::map<Hash32, MemberRecord> roles;
    if (!create) {
      CUSTODY_RETURN_IF_ERROR(store->CheckHeadForWriting());
      auto m = store->Members();
      if (!m.ok()) return m.status();
      roles = std::move(*m);
    }
    const Store* self = store.get();
    auto range = CompactRange::FromNodes(store->head_.next_seq, store->Nodes());
    if (!range.ok())
      return range.status().IsNotFound() ? Status::Corruption("tree: " + range.status().message())
                                         : range.status();
    store->range_ = std::move(*range);
    store->checker_ = std::make_unique<ChainChecker>(
        store->head_, MemberState(std::move(roles)),
        [self](const Hash32& user) { return self->StoredLastAbout(user); },
        [self](uint64_t seq) { return self->IsIncident(seq); });
  }
  return store;
}

Status Store::LoadMeta() {
  std::string v;
  auto s = db_->Get(rocksdb::ReadOptions(), meta_, std::string(kFormatKey), &v);
  if (s.IsNotFound()) return Status::IOError(dir_ + " is not a custody ledger (no storage format)");
  CUSTODY_RETURN_IF_ERROR(FromRocks(s, "read storage format"));
  if (v != std::to_string(kStorageFormat))
    return Status::IOError("ledger " + dir_ + " has storage format " + Printable(v) +
                           "; this custody reads format " + std::to_string(kStorageFormat) +
                           " only");
  // A ledger with a format but no name or head is damaged, not missing.
  auto get = [&](std::string_view key, std::string* out) {
    auto st = db_->Get(rocksdb::ReadOptions(), meta_, std::string(key), out);
    if (st.IsNotFound()) return Status::Corruption("ledger " + std::string(key) + ": missing");
    return FromRocks(st, "read ledger " + std::string(key));
  };
  CUSTODY_RETURN_IF_ERROR(get(kNameKey, &name_));
  CUSTODY_RETURN_IF_ERROR(get(kHeadKey, &v));
  if (!DecodeHead(v, &head_)) return Status::Corruption("ledger head: malformed");
  auto st = db_->Get(rocksdb::ReadOptions(), meta_, std::string(kProjectionsKey), &v);
  if (st.IsNotFound()) {
    projections_applied_ = 0;
  } else {
    CUSTODY_RETURN_IF_ERROR(FromRocks(st, "read projections marker"));
    if (v.size() != 8 || SeqFromKey(v) > head_.next_seq)
      return Status::Corruption("projections marker: malformed");
    projections_applied_ = SeqFromKey(v);
  }
  return Status::OK();
}

Result<std::optional<std::string>> Store::GetProjection(const std::string& key) const {
  std::string v;
  auto s = db_->Get(rocksdb::ReadOptions(), projections_, key, &v);
  if (s.IsNotFound()) return std::optional<std::string>();
  CUSTODY_RETURN_IF_ERROR(FromRocks(s, "read projection"));
  return std::optional<std::string>(std::move(v));
}

Status Store::ScanProjections(
    const std::function<void(std::string_view, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), projections_));
  for (it->SeekToFirst(); it->Valid(); it->Next())
    fn(std::string_view(it->key().data(), it->key().size()),
       std::string_view(it->value().data(), it->value().size()));
  return FromRocks(it->status(), "scan projections");
}

Status Store::ReplaceProjections(const Projector::Puts& entries, uint64_t applied) {
  if (!writer_) return Status::InvalidArgument("ledger opened read-only");
  rocksdb::WriteBatch wb;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), projections_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) wb.Delete(projections_, it->key());
  CUSTODY_RETURN_IF_ERROR(FromRocks(it->status(), "scan projections"));
  for (auto& [key, value] : entries) wb.Put(projections_, key, value);
  wb.Put(meta_, std::string(kProjectionsKey), SeqKey(applied));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  CUSTODY_RETURN_IF_ERROR(FromRocks(db_->Write(wo, &wb), "write projections"));
  projections_applied_ = applied;
  return Status::OK();
}

Status Store::CheckHeadForWriting() const {
  // A writer continues from the stored head. Make sure it is the real end of
  // the ledger before anything is appended after it: a stale or rewritten
  // head would otherwise make the next append overwrite stored events.
  std::string v;
  auto s = db_->Get(rocksdb::ReadOptions(), events_, SeqKey(head_.next_seq), &v);
  if (s.ok())
    return Status::Corruption("ledger head says " + std::to_string(head_.next_seq) +
                              " events, but event " + std::to_string(head_.next_seq) +
                              " exists; run custody verify");
  if (!s.IsNotFound()) return FromRocks(s, "read ledger");
  if (head_.next_seq == 0) return Status::Corruption("ledger head: no events");
  auto last = Get(head_.next_seq - 1);
  if (!last.ok() && last.status().IsNotFound())
    return Status::Corruption("ledger head says " + std::to_string(head_.next_seq) +
                              " events, but event " + std::to_string(head_.next_seq - 1) +
                              " is missing; run custody verify");
  if (!last.ok())
    return last.status().IsCorruption() ? last.status().Prefixed("run custody verify")
                                        : last.status();
  if (last->id() != head_.last_id)
    return Status::Corruption("ledger head does not match event " +
                              std::to_string(head_.next_seq - 1) + "; run custody verify");
  return Status::OK();
}

Store::~Store() {
  if (db_ && writer_) {
    // Opening does not flush what it recovers (that would leave tiny table files
    // behind every `custody note`), so write-ahead logs accumulate across
    // processes. Persist the memtables once there is much to replay, so the
    // next open stays short. (Counted in entries: a memtable's size counts
    // whole arena blocks.)
    uint64_t entries = 0;
    for (auto* h : handles_) {
      uint64_t n = 0;
      if (db_->GetIntProperty(h, "rocksdb.num-entries-active-mem-table", &n)) entries += n;
    }
    rocksdb::VectorLogPtr wals;
    bool many_wals = db_->GetSortedWalFiles(wals).ok() && wals.size() > kFlushAtCloseWals;
    if (entries > kFlushAtCloseEntries || many_wals)
      db_->Flush(rocksdb::FlushOptions(), handles_).PermitUncheckedError();
  }
  if (db_) {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    db_->Close().PermitUncheckedError();
    db_.reset();
  }
  if (!secondary_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(secondary_dir_, ec);
  }
}

Result<std::unique_ptr<Store>> Store::Init(const std::string& dir, const std::string& name,
                                           const SecretKey& admin, TimeNs now_ns) {
  std::error_code ec;
  const bool existed = fs::exists(dir, ec);
  if (existed && !(fs::is_directory(dir, ec) && fs::is_empty(dir, ec)))
    return Status::InvalidArgument(dir + " already exists and is not an empty directory");
  if (name.empty()) return Status::InvalidArgument("the ledger needs a name (--name)");
  auto store = Open(dir, /*writer=*/true, /*create=*/true, OpenOptions());
  if (!store.ok()) return store.status();  // e.g. another init won the race: touch nothing
  Status s = store.status();
  if (s.ok()) {
    Draft genesis;
    genesis.payload = GenesisPayload{name, kStorageFormat};
    AppendOptions options;
    options.now_ns = now_ns;
    s = (*store)->Append(admin, {genesis}, options, nullptr);
  }
  if (!s.ok()) {
    // Leave no half-made ledger behind (and an empty directory as it was).
    if (store.ok()) store->reset();
    if (existed) {
      for (auto& entry : fs::directory_iterator(dir, ec)) fs::remove_all(entry.path(), ec);
    } else {
      fs::remove_all(dir, ec);
    }
    return s;
  }
  (*store)->name_ = name;
  return store;
}

Result<std::unique_ptr<Store>> Store::OpenWriter(const std::string& dir,
                                                 const OpenOptions& options) {
  return Open(dir, true, false, options);
}

Result<std::unique_ptr<Store>> Store::OpenReader(const std::string& dir) {
  return Open(dir, false, false, OpenOptions());
}

Status Store::Build(const Hash32& author, const Draft& d, TimeNs now_ns, ChainChecker* state,
                    Bytes* body, Hash32* id) const {
  const ChainHead& head = state->head();
  EventFields f;
  f.seq = head.next_seq;
  if (f.seq > 0) {
    f.ledger_id = head.ledger_id;
    f.prev_id = head.last_id;
  }
  f.recorded_ns = now_ns;
  f.occurred_ns = d.occurred_ns ? d.occurred_ns : now_ns;
  f.author = author;
  f.incident = d.incident;
  for (const Hash32& user : d.subjects) {
    auto last = state->LastAbout(user);
    if (!last.ok()) return last.status();
    f.subjects.push_back({user, *last});
  }
  for (const Reference& r : d.references) {
    auto target = r.seq < f.seq ? Get(r.seq) : Result<SignedEvent>(Status::NotFound(""));
    if (!target.ok() || target->id() != r.id)
      return Status::InvalidArgument("reference to " + EncodeHex(r.id) + ": no such event at " +
                                     std::to_string(r.seq));
  }
  f.references = d.references;
  f.payload = d.payload;
  Hash32 blob_hash{};
  uint64_t blob_size = 0;
  if (BlobOf(d.payload, &blob_hash, &blob_size)) {
    // The content must be here: staged by this append, or already committed.
    auto stored = BlobSize(blob_hash);
    if (!stored.ok() && !stored.status().IsNotFound()) return stored.status();
    if (stored.ok() && *stored != blob_size)
      return Status::InvalidArgument("content " + EncodeHex(blob_hash) + ": stored with size " +
                                     std::to_string(*stored) + ", not " +
                                     std::to_string(blob_size));
    if (!d.staged_blob.empty()) {
      std::error_code ec;
      auto size = fs::file_size(d.staged_blob, ec);
      if (ec || size != blob_size)
        return Status::InvalidArgument("content " + EncodeHex(blob_hash) +
                                       ": staged content is missing or has another size");
    } else if (!stored.ok()) {
      return Status::InvalidArgument("content " + EncodeHex(blob_hash) +
                                     ": no such content in the ledger");
    }
  } else if (!d.staged_blob.empty()) {
    return Status::InvalidArgument("content staged for an event that stores none");
  }
  *body = EncodeBody(f);
  // SPEC: DESIGN.md — no secret is ever recorded, whatever field it is in.
  CUSTODY_RETURN_IF_ERROR(RefuseSecrets("event " + std::to_string(f.seq), AsStringView(*body)));
  Status s = CheckBody(*body);
  // A body we built that fails its own checks is input we must refuse.
  if (s.IsCorruption()) return Status::InvalidArgument(s.message());
  CUSTODY_RETURN_IF_ERROR(s);
  *id = EventId(*body);
  const fb::Event& e = *fb::GetEvent(body->data());
  CUSTODY_RETURN_IF_ERROR(CheckCorrection(e, state->members()));
  auto signers = RequiredSigners(e);
  if (signers.size() != 1 + d.cosigners.size())
    return Status::InvalidArgument("event " + std::to_string(f.seq) + ": needs " +
                                   std::to_string(signers.size() - 1) + " co-signer(s)");
  for (size_t i = 0; i < d.cosigners.size(); ++i)
    if (d.cosigners[i]->public_key() != signers[i + 1])
      return Status::InvalidArgument("event " + std::to_string(f.seq) + ": co-signer key mismatch");
  s = state->Append(e, *id);
  if (s.IsCorruption()) return Status::InvalidArgument(s.message());
  return s;
}

Status Store::CheckCorrection(const fb::Event& e, const MemberState& members) const {
  const fb::Reference* ref = CorrectsOf(e);
  if (!ref) return Status::OK();
  const std::string where = "event " + std::to_string(e.seq()) + ": ";
  auto target = Get(ref->seq());  // Build has checked that it exists
  if (!target.ok()) return target.status();
  const fb::Event& t = target->event();
  if (IsMembershipType(t.payload_type()))
    return Status::InvalidArgument(
        where + "membership and key events cannot be corrected, only followed by new ones");
  const std::string target_is = "event " + std::to_string(ref->seq()) + " is a " +
                                std::string(PayloadTypeName(t.payload_type()));
  if (t.incident() == 0 || t.incident() != e.incident())
    return Status::InvalidArgument(
        where + "a correction stays within the incident of the event it corrects (" + target_is +
        (t.incident() ? " of " + IncidentName(t.incident())
                      : std::string(" outside any incident")) +
        ")");
  if (e.payload_type() != fb::Payload::Correction && e.payload_type() != t.payload_type())
    return Status::InvalidArgument(where + "a replacement has the type of the event it replaces (" +
                                   target_is + ")");
  // Correcting an event is deciding it again: only a role that may append
  // that event may correct it (an external message: admin or commander).
  if ((members.RolesOf(ToHash(e.author())) & RolesAllowedToAppend(t)) == 0)
    return Status::Unauthorized(where + "only a role that may append a " +
                                std::string(PayloadTypeName(t.payload_type())) + " may correct it");
  return Status::OK();
}

Status Store::CheckDraft(const Hash32& author, const Draft& draft, TimeNs now_ns,
                         ChainChecker* state) const {
  Bytes body;
  Hash32 id;
  return Build(author, draft, std::max(now_ns, state->head().last_recorded_ns), state, &body, &id);
}

// One batch on its way through the append pipeline.
struct Store::Batch {
  const Draft* drafts = nullptr;
  size_t n = 0;
  uint64_t first = 0;
  TimeNs now = 0;
  std::vector<Bytes> bodies;
  std::vector<Hash32> ids;
  std::vector<Bytes> framed;
  std::vector<Hash32> leaves;  // Merkle leaf hashes of framed, computed by the signers
  ChainChecker state;          // the chain after this batch
};

Status Store::Append(const SecretKey& author, const std::vector<Draft>& drafts,
                     const AppendOptions& options, std::vector<Appended>* out) {
  if (!writer_) return Status::InvalidArgument("ledger opened read-only");
  if (drafts.empty()) return Status::OK();
  // A checkpoint signs the tree of every event before it, so it is appended on
  // its own, against the tree as written.
  for (const Draft& d : drafts) {
    auto* cp = std::get_if<CheckpointPayload>(&d.payload);
    if (!cp) continue;
    if (drafts.size() != 1) return Status::InvalidArgument("a checkpoint is appended on its own");
    if (cp->size != head_.next_seq || cp->root != range_.Root())
      return Status::InvalidArgument("checkpoint does not match the ledger's current tree (size " +
                                     std::to_string(head_.next_seq) + ")");
  }
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
  auto prepare = [&](size_t begin, size_t index, const ChainChecker& from,
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
  CUSTODY_RETURN_IF_ERROR(prepare(0, 0, *checker_, &current));
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
  TimeNs now = options.now_ns ? options.now_ns : NowNs();
  const TimeNs last = b->state.head().last_recorded_ns;
  if (now < last) {
    if (last - now > kClockSlack)
      return Status::InvalidArgument("the clock (" + FormatTime(now) +
                                     ") is behind the ledger's last recorded time (" +
                                     FormatTime(last) + "); refusing to record a decreasing time");
    now = last;
  }
  b->now = now;
  b->first = b->state.head().next_seq;
  b->bodies.resize(b->n);
  b->ids.resize(b->n);
  for (size_t i = 0; i < b->n; ++i)
    CUSTODY_RETURN_IF_ERROR(
        Build(author.public_key(), b->drafts[i], now, &b->state, &b->bodies[i], &b->ids[i]));
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
    const std::string key = SeqKey(seq);
    wb.Put(events_, key,
           rocksdb::Slice(reinterpret_cast<const char*>(b.framed[i].data()), b.framed[i].size()));
    wb.Put(ids_, HashKey(b.ids[i]), key);
    for (const Hash32& user : b.drafts[i].subjects) wb.Put(subjects_, SubjectKey(user, seq), "");
    const Payload& payload = b.drafts[i].payload;
    if (auto* cp = std::get_if<CheckpointPayload>(&payload))
      wb.Put(checkpoints_, SeqKey(cp->size), key);
    if (b.drafts[i].incident) wb.Put(incidents_, PairKey(b.drafts[i].incident, seq), "");
    if (std::holds_alternative<IncidentDeclaredPayload>(payload))
      wb.Put(incidents_, PairKey(seq, seq), "");
    if (IsMembershipType(PayloadTypeOf(payload))) wb.Put(membership_, key, "");
    Hash32 blob_hash{};
    uint64_t blob_size = 0;
    if (BlobOf(payload, &blob_hash, &blob_size)) {
      wb.Put(blobs_, HashKey(blob_hash), SeqKey(blob_size));
      wb.Put(blobs_, BlobRefKey(blob_hash, seq), "");
    }
    range.Append(b.leaves[i], put_node);
  }
  // Staged evidence content moves into place before the batch that makes it
  // visible. If that batch then fails, the content stays: a file without a
  // blobs index entry is never served, and removing it could lose the content
  // of an event whose write did reach the disk before the error was reported.
  bool placed = false;
  for (size_t i = 0; i < b.n; ++i) {
    const Draft& d = b.drafts[i];
    if (d.staged_blob.empty()) continue;
    Hash32 blob_hash{};
    uint64_t blob_size = 0;
    BlobOf(d.payload, &blob_hash, &blob_size);  // Build() checked it stores content
    const std::string final_path = BlobFile(blob_hash);
    auto committed = BlobSize(blob_hash);
    if (committed.ok()) {
      unlink(d.staged_blob.c_str());  // the same content is already stored
      continue;
    }
    if (rename(d.staged_blob.c_str(), final_path.c_str()) != 0) {
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
  const auto& before = checker_->members().members();
  const auto& after = b.state.members().members();
  for (auto& [key, record] : after) {
    auto it = before.find(key);
    if (it == before.end() || it->second != record)
      wb.Put(members_, HashKey(key), MemberValue(record));
  }
  for (auto& [key, record] : before)
    if (!after.count(key)) wb.Delete(members_, HashKey(key));
  if (b.first == 0) {
    wb.Put(meta_, std::string(kFormatKey), std::to_string(kStorageFormat));
    wb.Put(meta_, std::string(kNameKey), std::get<GenesisPayload>(b.drafts[0].payload).name);
  }
  wb.Put(meta_, std::string(kHeadKey), EncodeHead(b.state.head()));
  const bool project = projector_ != nullptr && projections_applied_ == b.first;
  if (project) {
    Projector::Puts puts;
    CUSTODY_RETURN_IF_ERROR(projector_->Apply(
        b.first, b.framed, [this](const std::string& key) { return GetProjection(key); }, &puts));
    for (auto& [key, value] : puts) wb.Put(projections_, key, value);
    wb.Put(meta_, std::string(kProjectionsKey), SeqKey(b.first + b.n));
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  CUSTODY_RETURN_IF_ERROR(FromRocks(db_->Write(wo, &wb), "append"));
  range_ = std::move(range);
  if (project) projections_applied_ = b.first + b.n;
  *checker_ = b.state;
  head_ = checker_->head();
  if (out)
    for (size_t i = 0; i < b.n; ++i) out->push_back({b.first + i, b.ids[i], b.now});
  return Status::OK();
}

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
  if (!ev.ok()) return ev.status().Prefixed("stored event " + std::to_string(seq));
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
    if (it->key().size() != 32 || it->value().size() != 5 || (it->value()[4] & ~1))
      return Status::Corruption("members index: malformed entry");
    Hash32 k;
    std::memcpy(k.data(), it->key().data(), 32);
    out[k] = MemberRecord{GetLittleEndian32(reinterpret_cast<const uint8_t*>(it->value().data())),
                          it->value()[4] == 1};
  }
  CUSTODY_RETURN_IF_ERROR(FromRocks(it->status(), "read members"));
  return out;
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
      return Status::NotFound(
          "the ledger has no checkpoint yet (make one with: custody checkpoint)");
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
