#include "ledger/store/store.h"

#include <fcntl.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/transaction_log.h>
#include <rocksdb/utilities/checkpoint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "ledger/base/encoding.h"
#include "ledger/base/files.h"
#include "ledger/merkle.h"
#include "ledger/store/layout.h"
#include "ledger/store/rocks.h"

// Opening, closing and creating a ledger (append.cc appends, reads.cc reads).
namespace custody {
namespace {

namespace fs = std::filesystem;
using namespace layout;
using rocks::FromRocks;

constexpr uint64_t kFlushAtCloseEntries = 20000;
constexpr size_t kFlushAtCloseWals = 8;

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const std::string& dir, bool writer, bool create,
                                           const OpenOptions& options) {
  std::unique_ptr<Store> store(new Store());
  store->dir_ = dir;
  store->writer_ = writer;
  rocksdb::Options o = rocks::BaseOptions();
  o.create_if_missing = create;
  o.error_if_exists = create;
  o.create_missing_column_families = create;
  std::error_code ec;
  if (!create && !fs::exists(fs::path(dir) / "CURRENT", ec))
    return Status::IOError("no ledger at " + dir);
  if (!create) {
    // A ledger of another storage format may have other column families;
    // say so before RocksDB refuses in its own words.
    std::vector<std::string> names;
    CUSTODY_RETURN_IF_ERROR(
        FromRocks(rocksdb::DB::ListColumnFamilies(o, dir, &names), "open ledger " + dir));
    std::vector<std::string> want;
    for (auto& cf : rocks::Families()) want.push_back(cf.name);
    std::sort(names.begin(), names.end());
    std::sort(want.begin(), want.end());
    if (names != want)
      return Status::IOError(
          "ledger " + dir +
          " has column families this custody does not know; it reads storage format " +
          std::to_string(kStorageFormat) + " or earlier");
  }
  rocksdb::DB* db = nullptr;
  rocksdb::Status s;
  if (writer) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options.busy_timeout_ms);
    for (;;) {
      s = rocksdb::DB::Open(o, dir, rocks::Families(), &store->handles_, &db);
      if (!rocks::IsLockError(s)) break;
      // A served ledger has one writer, the server: say where it is at once.
      if (auto url = ServedBy(dir); url.ok())
        return Status::Busy("ledger " + dir + " is served by " + *url +
                            "; append through the server: --ledger " + *url);
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
    s = rocksdb::DB::OpenAsSecondary(o, dir, store->secondary_dir_, rocks::Families(),
                                     &store->handles_, &db);
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
    auto range = CompactRange::FromNodes(store->head_.next_seq, store->Nodes());
    if (!range.ok())
      return range.status().IsNotFound() ? Status::Corruption("tree: " + range.status().message())
                                         : range.status();
    store->range_ = std::move(*range);
    store->rules_ = std::make_unique<RuleSet>(store->head_, MemberState(std::move(roles)),
                                              store->format_, store->RuleLookup());
  }
  return store;
}

Result<RuleSet> Store::RuleState() const {
  if (rules_) return *rules_;
  // A reader: the rule state of what it sees.
  auto members = Members();
  if (!members.ok()) return members.status();
  return RuleSet(head_, MemberState(std::move(*members)), format_, RuleLookup());
}

rocksdb::ColumnFamilyHandle* Store::Family(std::string_view name) const {
  for (auto* h : handles_)
    if (h->GetName() == name) return h;
  return nullptr;  // REQUIRES: a family of layout.h
}

Status Store::LoadMeta() {
  std::string v;
  auto s = db_->Get(rocksdb::ReadOptions(), meta_, std::string(kFormatKey), &v);
  if (s.IsNotFound()) return Status::IOError(dir_ + " is not a custody ledger (no storage format)");
  CUSTODY_RETURN_IF_ERROR(FromRocks(s, "read storage format"));
  // Every earlier format is read; a later one is refused in clear terms.
  format_ = 0;
  for (uint32_t f = kOldestStorageFormat; f <= kStorageFormat; ++f)
    if (v == std::to_string(f)) format_ = f;
  if (format_ == 0)
    return Status::IOError("ledger " + dir_ + " has storage format " + Printable(v) +
                           "; this custody reads formats " + std::to_string(kOldestStorageFormat) +
                           " to " + std::to_string(kStorageFormat) +
                           " (a later format needs a later custody)");
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
    if (v.size() == 8 && SeqFromKey(v) > head_.next_seq) {
      // Ahead of the head: either the head was lowered (the events say so;
      // that is damage to report as what it is) or the marker is wrong.
      std::string next;
      auto found = db_->Get(rocksdb::ReadOptions(), events_, SeqKey(head_.next_seq), &next);
      if (found.ok())
        return Status::Corruption("ledger head says " + std::to_string(head_.next_seq) +
                                  " events, but event " + std::to_string(head_.next_seq) +
                                  " exists; the ledger is damaged");
      if (!found.IsNotFound()) return FromRocks(found, "read ledger");
    }
    if (v.size() != 8 || SeqFromKey(v) > head_.next_seq) {
      // Derived data: a bad marker never blocks reading; the projections are
      // not trusted until rebuilt.
      projections_marker_ok_ = false;
      projections_applied_ = 0;
    } else {
      projections_applied_ = SeqFromKey(v);
    }
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
  projections_marker_ok_ = true;
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
                              " exists; the ledger is damaged");
  if (!s.IsNotFound()) return FromRocks(s, "read ledger");
  if (head_.next_seq == 0) return Status::Corruption("ledger head: no events");
  auto last = Get(head_.next_seq - 1);
  if (!last.ok() && last.status().IsNotFound())
    return Status::Corruption("ledger head says " + std::to_string(head_.next_seq) +
                              " events, but event " + std::to_string(head_.next_seq - 1) +
                              " is missing; the ledger is damaged");
  if (!last.ok())
    return last.status().IsCorruption() ? last.status().Prefixed("the ledger is damaged")
                                        : last.status();
  if (last->id() != head_.last_id)
    return Status::Corruption("ledger head does not match event " +
                              std::to_string(head_.next_seq - 1) + "; the ledger is damaged");
  // The latest checkpoint the ledger holds signs the tree as stored: its root
  // is the stored nodes' root at its size. (A full check, every event against
  // its leaf, is verify's.)
  auto cp = CheckpointEvent(0);
  if (cp.status().IsNotFound()) return Status::OK();
  if (!cp.ok())
    return cp.status().IsCorruption() ? cp.status().Prefixed("the ledger is damaged") : cp.status();
  const fb::Checkpoint* c = cp->event().payload_as_Checkpoint();
  const std::string which = "checkpoint event " + std::to_string(cp->event().seq()) + " (size " +
                            std::to_string(c->size()) + ")";
  if (c->size() > head_.next_seq)
    return Status::Corruption(which + " covers more events than the head says (" +
                              std::to_string(head_.next_seq) + "); the ledger is damaged");
  auto root = TreeRoot(Nodes(), c->size());
  if (!root.ok())
    return Status::Corruption("the Merkle tree at " + which + ": " + root.status().message() +
                              "; the ledger is damaged");
  if (*root != ToHash(c->root()))
    return Status::Corruption("the Merkle tree's root at size " + std::to_string(c->size()) +
                              " differs from " + which + "; the ledger is damaged");
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
  Draft genesis;
  genesis.payload = GenesisPayload{name, kStorageFormat};
  AppendOptions options;
  options.now_ns = now_ns;
  return Create(dir, name,
                [&](Store& store) { return store.Append(admin, {genesis}, options, nullptr); });
}

Result<std::unique_ptr<Store>> Store::InitFromGenesis(const std::string& dir,
                                                      const Bytes& signed_genesis) {
  auto ev = SignedEvent::Decode(signed_genesis);
  if (!ev.ok()) return ev.status();
  const auto* genesis = ev->event().payload_as_Genesis();
  if (ev->event().seq() != 0 || genesis == nullptr)
    return Status::InvalidArgument("not a genesis event");
  return Create(dir, genesis->name()->str(), [&](Store& store) {
    return store.Commit({signed_genesis}, {}, AppendOptions(), nullptr);
  });
}

Result<std::unique_ptr<Store>> Store::Create(const std::string& dir, const std::string& name,
                                             const std::function<Status(Store&)>& write_genesis) {
  std::error_code ec;
  const bool existed = fs::exists(dir, ec);
  if (existed && !(fs::is_directory(dir, ec) && fs::is_empty(dir, ec)))
    return Status::InvalidArgument(dir + " already exists and is not an empty directory");
  if (name.empty()) return Status::InvalidArgument("the ledger needs a name");
  auto store = Open(dir, /*writer=*/true, /*create=*/true, OpenOptions());
  if (!store.ok()) return store.status();  // e.g. another init won the race: touch nothing
  Status s = write_genesis(**store);
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

Status Store::Backup(const std::string& out_dir) {
  if (!writer_) return Status::InvalidArgument("ledger opened read-only");
  std::error_code ec;
  if (fs::exists(out_dir, ec)) return Status::InvalidArgument(out_dir + " already exists");
  rocksdb::Checkpoint* raw = nullptr;
  CUSTODY_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "backup"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  CUSTODY_RETURN_IF_ERROR(FromRocks(checkpoint->CreateCheckpoint(out_dir), "backup to " + out_dir));
  // Evidence: committed files never change (content-addressed), so links
  // are copies. Staged files are not committed content: left out.
  const fs::path from = fs::path(dir_) / kBlobDir, to = fs::path(out_dir) / kBlobDir;
  fs::create_directories(to, ec);
  if (ec) return Status::IOError("backup: create " + to.string() + ": " + ec.message());
  for (auto& entry : fs::directory_iterator(from, ec)) {
    const fs::path target = to / entry.path().filename();
    if (link(entry.path().c_str(), target.c_str()) != 0)
      return Status::IOError("backup: link " + entry.path().string() + ": " + std::strerror(errno) +
                             " (the backup directory must be on the ledger's filesystem)");
  }
  int dfd = open(to.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0 || fsync(dfd) != 0) {
    if (dfd >= 0) close(dfd);
    return Status::IOError("backup: sync " + to.string() + ": " + std::strerror(errno));
  }
  close(dfd);
  return Status::OK();
}

Result<std::string> ServedBy(const std::string& dir) {
  auto text = ReadSmallFile((fs::path(dir) / kServedByFile).string(), 4096);
  if (!text.ok()) return text.status();
  std::string url = std::move(*text);
  while (!url.empty() && (url.back() == '\n' || url.back() == '\r')) url.pop_back();
  if (url.empty()) return Status::NotFound("no server");
  return Printable(url);
}

}  // namespace custody
