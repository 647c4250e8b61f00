// Store: one ledger in one RocksDB directory — the single append path and the
// reads every command and projection builds on.
//
// A writer holds RocksDB's directory lock for its lifetime; another writer
// retries until a deadline and then gets Busy. Readers open as a RocksDB
// secondary instance, never take the lock, and work while a writer appends.
// Every append is one synced WriteBatch holding the events, their indexes and
// the head; a batch of events shares that one sync.
// Thread safety: one thread uses a Store at a time (Append itself fans signing
// out to worker threads).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ledger/base/status.h"
#include "ledger/crypto.h"
#include "ledger/draft.h"
#include "ledger/event.h"
#include "ledger/membership.h"
#include "ledger/merkle.h"
#include "ledger/store/projector.h"
#include "projections/incident.h"
#include "rules/rule_set.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace custody {

struct Appended {
  uint64_t seq = 0;
  Hash32 id{};
  TimeNs recorded_ns = 0;
};

using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

struct AppendOptions {
  size_t batch_size = 4096;  // events per synced write batch
  unsigned threads = 0;      // 0: every core
  ProgressFn progress;
  // The recorded time. 0: the system clock. Only library callers (tests) set it;
  // the command line has no way to.
  TimeNs now_ns = 0;
  // Called once, before the first batch is written (batches are built and
  // signed meanwhile); an error aborts the append with nothing written.
  // Import validates the whole input this way while signing has started.
  std::function<Status()> before_first_write;
  // All drafts in one synced batch: all appended or none (evidence add).
  bool atomic = false;
  // Commit only. false: the batch goes to the write-ahead log unsynced, and
  // the caller makes it durable with SyncWal() before acknowledging it (a
  // server syncs many submissions at once). Until then a power loss can
  // drop it (never half of it).
  bool sync = true;
  // Commit only: events copied from another ledger (a client's verified
  // replica of a server's), judged as verify judges them: a policy rule
  // broken is a finding, kept, not a refusal.
  bool replicate = false;
  // Commit only: the caller ran VerifySignatures on exactly these bytes
  // already (a server checks each chunk of a long submission as it arrives,
  // so that checking overlaps the upload); every other check still runs.
  bool signatures_verified = false;
};

struct OpenOptions {
  int busy_timeout_ms = 5000;  // how long a writer waits for the lock
};

class Store {
 public:
  // Creates a ledger in dir (which must not exist, or be empty) and appends the
  // genesis event naming admin as its first admin.
  static Result<std::unique_ptr<Store>> Init(const std::string& dir, const std::string& name,
                                             const SecretKey& admin, TimeNs now_ns = 0);
  // Creates a ledger from a genesis event signed elsewhere (`custody serve
  // --init`: the admin's key never reaches the server), committed through the
  // rule set like any event.
  static Result<std::unique_ptr<Store>> InitFromGenesis(const std::string& dir,
                                                        const Bytes& signed_genesis);
  // Opens for appending. Busy if another writer holds the ledger past the
  // deadline, or at once, naming the server, if a server is its writer.
  static Result<std::unique_ptr<Store>> OpenWriter(const std::string& dir,
                                                   const OpenOptions& options = {});
  // Opens for reading, as a secondary instance: no lock, works during appends.
  static Result<std::unique_ptr<Store>> OpenReader(const std::string& dir);
  ~Store();

  // Appends drafts in order, each signed by author (and its co-signers). Every
  // draft is checked against the rule set (rules/rule_set.h) before it is
  // signed: Rejected or Unauthorized on refusal, with nothing of that batch
  // written. Batches of options.batch_size are each one synced write.
  // REQUIRES: opened as writer.
  Status Append(const SecretKey& author, const std::vector<Draft>& drafts,
                const AppendOptions& options, std::vector<Appended>* out);
  // Commits events their authors signed elsewhere (signed-event bytes, in
  // sequence order, continuing the head), through the same rule set, every
  // signature checked; all in one synced write, or none. Evidence content
  // must be stored already (or staged: staged_blobs[i] for event i, "" for
  // none). The recorded times are the authors'; the rule set bounds them by
  // this machine's clock. REQUIRES: opened as writer.
  Status Commit(const std::vector<Bytes>& signed_events,
                const std::vector<std::string>& staged_blobs, const AppendOptions& options,
                std::vector<Appended>* out);
  // Builds drafts on top of the ledger as it stands and signs each with author
  // (and its co-signers): the signed-event bytes Commit takes, for a writer
  // that signs for itself. Each signature is verified right after signing.
  // REQUIRES: opened as writer.
  // Makes every batch written so far durable (RocksDB SyncWAL). May run on
  // another thread while a batch is written. REQUIRES: opened as writer.
  Status SyncWal();
  Result<std::vector<Bytes>> SignDrafts(const SecretKey& author, const std::vector<Draft>& drafts,
                                        const AppendOptions& options) const;
  // The draft as it would be signed next: its body on top of *state, checked
  // by the rule set and applied to *state (evidence content is checked when
  // it is written, not here). Commit-side writers (a client that
  // signs itself) sign EventId(*body). REQUIRES: opened as writer.
  Status Build(const Hash32& author, const Draft& draft, TimeNs now_ns, RuleSet* state, Bytes* body,
               Hash32* id) const;
  // Dry runs: RuleState() copies the rule state the next append continues
  // from; CheckDraft checks one draft against it as if appended (and advances
  // it), writing nothing. Import validates every line this way first, and
  // evidence add before it streams the content. Readers may dry-run too.
  Result<RuleSet> RuleState() const;
  Status CheckDraft(const Hash32& author, const Draft& draft, TimeNs now_ns, RuleSet* state) const;
  // The back-link the next event about user carries (0: none). REQUIRES:
  // opened as writer.
  Result<uint64_t> NextBackLink(const Hash32& user) { return rules_->LastAbout(user); }
  // The members as of the last event written. REQUIRES: opened as writer.
  const MemberState& CurrentMembers() const { return rules_->members(); }

  // The stored head (as the meta column family records it).
  const ChainHead& head() const { return head_; }
  const std::string& name() const { return name_; }
  const std::string& dir() const { return dir_; }
  // The ledger's storage format (meta "format"; ledger/event.h).
  uint32_t format() const { return format_; }
  uint64_t size() const { return head_.next_seq; }

  Result<Bytes> GetRaw(uint64_t seq) const;
  Result<SignedEvent> Get(uint64_t seq) const;
  // Looks up an event by id, and checks the event found has that id.
  Result<uint64_t> SeqOfId(const Hash32& id) const;
  // An incident's events folded into its projection (projections/incident.h):
  // the stored projection, plus the incident's events it has not applied yet
  // (a ledger written without a projector, or a reader racing a writer).
  // NotFound if seq is not a declared incident.
  Result<IncidentState> LoadIncident(uint64_t incident) const;
  // Members and compromised keys, as the members column family records them.
  Result<std::map<Hash32, MemberRecord>> Members() const;
  // Sequence numbers of the events about a user, ascending.
  Result<std::vector<uint64_t>> EventsAbout(const Hash32& user) const;
  // The declaration and every event naming the incident, ascending. Empty when
  // seq is not a declared incident.
  Result<std::vector<uint64_t>> EventsOfIncident(uint64_t incident) const;
  Result<bool> IsIncident(uint64_t seq) const;
  // Genesis, membership and key-lifecycle events before `before`, ascending.
  Result<std::vector<uint64_t>> MembershipEvents(uint64_t before) const;
  // A committed blob's size; NotFound if no event attaches that content.
  Result<uint64_t> BlobSize(const Hash32& sha256) const;
  // The evidence events that attach a blob, ascending.
  Result<std::vector<uint64_t>> BlobRefs(const Hash32& sha256) const;
  std::string BlobFile(const Hash32& sha256) const;

  // Calls fn(seq, bytes) for each stored event from `from` on, in key order,
  // until fn returns false. Keys are reported as stored, gaps included.
  Status Scan(uint64_t from, const std::function<bool(uint64_t, ByteSpan)>& fn) const;
  // Calls fn(key, value) for every entry of an index, in key order.
  enum class Index { kEventIds, kSubjects, kTree, kCheckpoints, kIncidents, kMembership, kBlobs };
  Status ScanIndex(Index index, const std::function<void(ByteSpan, ByteSpan)>& fn) const;

  // The Merkle tree's stored perfect-subtree hashes (ledger/merkle.h).
  // Valid while this Store lives.
  NodeFn Nodes() const;
  // Stored checkpoints as (tree size, sequence number of its event), ascending.
  Result<std::vector<std::pair<uint64_t, uint64_t>>> Checkpoints() const;
  // The checkpoint event of a tree size; size 0: the latest. NotFound if none.
  Result<SignedEvent> CheckpointEvent(uint64_t size) const;
  // Writers: the tree of every written event.
  const CompactRange& tree() const { return range_; }

  // Projections (ledger/store/projector.h). A writer with a projector keeps
  // them applied with every batch while they are up to date (applied == size
  // before the batch); otherwise they fall behind until ReplaceProjections.
  void set_projector(Projector* projector) { projector_ = projector; }
  // The next sequence number the stored projections have not applied.
  uint64_t projections_applied() const { return projections_applied_; }
  // False when the stored projections marker is malformed (or ahead of a head
  // that the events confirm): the stored projections are then not read, only
  // rebuilt (derived data never blocks reading).
  bool projections_marker_ok() const { return projections_marker_ok_; }
  Result<std::optional<std::string>> GetProjection(const std::string& key) const;
  Status ScanProjections(const std::function<void(std::string_view, std::string_view)>& fn) const;
  // Replaces every projection entry with entries, applied up to `applied`, in
  // one synced write. REQUIRES: opened as writer.
  Status ReplaceProjections(const Projector::Puts& entries, uint64_t applied);

  // Bytes on disk (SST and WAL files).
  uint64_t DiskBytes() const;

  // A consistent copy of the ledger in out_dir (which must not exist, on the
  // same filesystem): a RocksDB checkpoint (its table files hard-linked) and
  // every committed evidence file hard-linked. Opens as a ledger of the
  // events written so far. REQUIRES: opened as writer.
  Status Backup(const std::string& out_dir);

 private:
  Store() = default;
  static Result<std::unique_ptr<Store>> Create(const std::string& dir, const std::string& name,
                                               const std::function<Status(Store&)>& write_genesis);
  static Result<std::unique_ptr<Store>> Open(const std::string& dir, bool writer, bool create,
                                             const OpenOptions& options);
  Status LoadMeta();
  Status CheckHeadForWriting() const;
  Result<uint64_t> StoredLastAbout(const Hash32& user) const;
  // The handle of a column family by name (ledger/store/layout.h).
  rocksdb::ColumnFamilyHandle* Family(std::string_view name) const;
  // What the rule set asks the store about events before its own records.
  RuleSet::Lookup RuleLookup() const;
  // The recorded time of the next batch: the clock, never before the last.
  Result<TimeNs> BatchTime(const AppendOptions& options, const RuleSet& state) const;
  // The append pipeline's stages for one batch: build and check the bodies
  // (advancing the batch's chain state), sign them on every core, write them
  // with one synced WriteBatch (and commit the chain state).
  struct Batch;
  Status Prepare(const SecretKey& author, const AppendOptions& options, Batch* batch) const;
  Status Sign(const SecretKey& author, unsigned threads, Batch* batch) const;
  Status Write(const Batch& batch, std::vector<Appended>* out);

  std::string dir_;
  std::string secondary_dir_;  // readers only; removed on close
  bool writer_ = false;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  rocksdb::ColumnFamilyHandle* events_ = nullptr;
  rocksdb::ColumnFamilyHandle* ids_ = nullptr;
  rocksdb::ColumnFamilyHandle* members_ = nullptr;
  rocksdb::ColumnFamilyHandle* subjects_ = nullptr;
  rocksdb::ColumnFamilyHandle* tree_ = nullptr;
  rocksdb::ColumnFamilyHandle* checkpoints_ = nullptr;
  rocksdb::ColumnFamilyHandle* incidents_ = nullptr;
  rocksdb::ColumnFamilyHandle* membership_ = nullptr;
  rocksdb::ColumnFamilyHandle* blobs_ = nullptr;
  rocksdb::ColumnFamilyHandle* projections_ = nullptr;
  Projector* projector_ = nullptr;
  uint64_t projections_applied_ = 0;
  bool projections_marker_ok_ = true;
  CompactRange range_;  // writers: the tree as written
  ChainHead head_;
  std::string name_;
  uint32_t format_ = kStorageFormat;
  // Writers: the rule state the next append continues from.
  std::unique_ptr<RuleSet> rules_;
};

// The URL a server serving dir wrote in its kServedByFile; NotFound if none.
Result<std::string> ServedBy(const std::string& dir);

}  // namespace custody
