// The sequencer: the one writer of a served ledger (docs/server.md).
//
// Clients sign their own events, so the server cannot place a signed event
// anywhere but where its author put it. It hands out positions instead: a
// lease grants the next `count` positions (sequence number, previous id,
// recorded time by the server's clock, back-links) to one client at a time,
// in the order asked, for at most kLeaseIdleMs between chunks. The client signs
// there and submits; the events go through the store's commit path — the rule
// set of every writer — and are written at once but unsynced, the next lease is
// granted, and a syncer thread makes everything written durable with one
// fsync before the answers (and the notary's promises) go out. A client that
// stalls loses its lease after kLeaseIdleMs; nobody waits longer.
//
// Readers see durable events only: what was answered for is never rolled back.
//
// Thread safety: every public function may be called from any thread;
// completions are called on the sequencer's threads or the caller's.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ledger/base/status.h"
#include "ledger/crypto.h"
#include "ledger/store/blobs.h"
#include "ledger/store/store.h"
#include "ledger/tiles.h"
#include "net/protocol.h"

namespace custody {

struct SequencerOptions {
  std::string dir;
  std::string url;  // the server's public URL, written to the ledger's SERVED_BY
  // serve --init: no ledger yet; wait for a genesis signed by this admin.
  std::optional<Hash32> init_admin;
  std::string init_name;
  int checkpoint_every_s = 60;  // the notary stores a checkpoint this often while appends come
  int tree_head_every_ms = 1000;
};

// What the sequencer counts, for the metrics endpoint.
struct SequencerCounters {
  std::atomic<uint64_t> appends{0};        // events acknowledged
  std::atomic<uint64_t> lapsed_leases{0};  // conflicts: leases that lapsed unused
  std::atomic<uint64_t> refused{0};        // submissions the rule set refused
  std::atomic<uint64_t> syncs{0};
};

class Sequencer {
 public:
  using LeaseDone = std::function<void(Result<proto::Lease>)>;
  using AppendDone = std::function<void(Result<proto::AppendAnswer>)>;

  static Result<std::unique_ptr<Sequencer>> Open(const SequencerOptions& options, SecretKey notary);
  ~Sequencer();
  // Refuses new leases, lets the one in use finish (or lapse), syncs, answers
  // every waiter and closes the store.
  void Stop();

  proto::Info Info() const;
  const std::string& dir() const { return options_.dir; }
  // The roles key holds now (0: not a member, or compromised). While the
  // ledger awaits its genesis, the awaited admin alone is treated as admin.
  uint32_t RolesOf(const Hash32& key) const;

  // Reads, of durable events only.
  uint64_t durable_size() const { return durable_.load(); }
  Result<Bytes> Event(uint64_t seq) const;
  // Framed events from `from` on, at most limit of them and about
  // proto::kMaxEventsAnswer bytes.
  Result<std::string> Events(uint64_t from, uint64_t limit) const;
  // The latest signed tree head, signed now if durable events are newer.
  Result<std::string> TreeHead();
  // A consistency proof text (ledger/checkpoint.h) from a size to the
  // latest signed tree head.
  Result<std::string> Consistency(uint64_t from);
  // Inclusion proof hashes of seq in the tree of `size` (<= durable), one
  // base64 hash a line.
  Result<std::string> Inclusion(uint64_t seq, uint64_t size) const;
  // A committed blob's file; NotFound if no durable event attaches it.
  Result<std::string> BlobFile(const Hash32& sha256) const;
  // The incident board's state (projections/board.h) as of the latest
  // signed tree head: (its size, the JSON).
  Result<std::pair<uint64_t, std::string>> Board(uint64_t incident);
  // A C2SP tlog-tiles hash tile or entry bundle (ledger/tiles.h) of the
  // durable tree; NotFound if the tree does not hold it yet.
  Result<std::string> Tile(const TileRef& tile) const;

  // Writes.
  void Lease(const Hash32& client, const proto::LeaseRequest& request, LeaseDone done);
  void Append(const Hash32& client, const std::string& token, std::vector<Bytes> events, bool more,
              AppendDone done);
  // Evidence content, received before its event: staged until an event
  // naming its hash commits (or for kStagedLifetime).
  Result<std::unique_ptr<BlobWriter>> NewBlob() const;
  void KeepStaged(const StagedBlob& blob);
  // A backup of the ledger into out_dir on this machine (Store::Backup);
  // appends wait meanwhile.
  Status Backup(const std::string& out_dir);
  // Appends a checkpoint signed by the notary now (admin request).
  void RequestCheckpoint(AppendDone done);

  const SequencerCounters& counters() const { return counters_; }

 private:
  struct Waiter;
  struct Active;
  struct Pending;
  Sequencer(SequencerOptions options, SecretKey notary);
  // Under mu_: grants the next lease if none is active; fills *later with
  // what to call once mu_ is released.
  void GrantNext(std::vector<std::function<void()>>* later);
  Result<proto::Lease> MakeLease(const Hash32& client, const proto::LeaseRequest& r);
  // Checks a chunk of a submission at `offset` under lease: each event
  // decodes, sits at its leased position with the leased recorded time, is
  // the client's, carries valid signatures (and, before the notary holds its
  // role, is that grant). *blobs: the content each names.
  Status CheckChunk(const proto::Lease& lease, uint64_t offset, const Hash32& client,
                    bool notary_ready, const std::vector<Bytes>& events,
                    std::vector<Hash32>* blobs) const;
  void Tick();
  void SyncLoop();
  void TickLoop();
  void AppendCheckpoint(AppendDone done);
  Result<std::string> SignHead(uint64_t size);
  Status WriteServedBy() const;
  void RunLater(std::vector<std::function<void()>>& later);

  const SequencerOptions options_;
  const SecretKey notary_;
  SequencerCounters counters_;

  // The store and what it holds: store_mu_. Never held while waiting for mu_.
  mutable std::mutex store_mu_;
  std::unique_ptr<Store> store_;
  std::string origin_;
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> durable_{0};

  // Leases, staged content, waiters for durability, the tree head: mu_.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool exit_ = false;    // Stop: the threads end
  bool failed_ = false;  // a sync failed: nothing more is acknowledged
  std::unique_ptr<Active> active_;
  std::deque<std::unique_ptr<Waiter>> waiting_;
  std::vector<Pending> pending_;                             // written, waiting for the sync
  std::map<Hash32, std::pair<StagedBlob, int64_t>> staged_;  // sha256 -> blob, expiry (ns)
  uint64_t head_size_ = UINT64_MAX;
  std::string head_note_;
  int64_t head_signed_ns_ = 0;
  int64_t last_checkpoint_ns_ = 0;
  uint64_t last_checkpoint_size_ = 0;
  bool checkpoint_queued_ = false;

  std::thread syncer_;
  std::thread ticker_;
};

}  // namespace custody
