#include "server/sequencer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "ledger/base/encoding.h"
#include "ledger/base/parallel.h"
#include "ledger/base/time.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "ledger/store/layout.h"
#include "projections/board.h"
#include "projections/projector.h"

namespace custody {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kMs = 1000000;
constexpr int64_t kStagedLifetimeNs = 600 * 1000 * kMs;  // evidence waits 10 minutes for its event

int64_t SteadyNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct Sequencer::Waiter {
  Hash32 client{};
  proto::LeaseRequest request;
  LeaseDone done;
  int64_t since_ns = 0;
};

struct Sequencer::Active {
  proto::Lease lease;
  Hash32 client{};
  int64_t deadline_ns = 0;
  bool committing = false;
  std::vector<Bytes> received;  // checked by CheckChunk as they came
  std::vector<Hash32> blobs;    // the evidence content each names (zeros: none)
  uint64_t bytes = 0;
};

struct Sequencer::Pending {
  uint64_t last_seq = 0;  // answered once durable_ > last_seq
  proto::AppendAnswer answer;
  AppendDone done;
};

Sequencer::Sequencer(SequencerOptions options, SecretKey notary)
    : options_(std::move(options)), notary_(std::move(notary)) {}

Result<std::unique_ptr<Sequencer>> Sequencer::Open(const SequencerOptions& options,
                                                   SecretKey notary) {
  std::unique_ptr<Sequencer> s(new Sequencer(options, std::move(notary)));
  if (options.init_admin) {
    std::error_code ec;
    if (fs::exists(options.dir, ec) &&
        !(fs::is_directory(options.dir, ec) && fs::is_empty(options.dir, ec)))
      return Status::InvalidArgument(options.dir +
                                     " already exists and is not an empty directory (--init "
                                     "creates a ledger)");
  } else {
    OpenOptions open;
    open.busy_timeout_ms = 0;
    auto store = Store::OpenWriter(options.dir, open);
    if (!store.ok()) return store.status();
    (*store)->set_projector(&IncidentProjector::Instance());
    if ((*store)->projections_applied() < (*store)->size()) {
      RebuildReport report;
      CUSTODY_RETURN_IF_ERROR(RebuildProjections(store->get(), {}, &report));
    }
    s->origin_ = CheckpointOrigin((*store)->head().ledger_id);
    s->written_ = s->durable_ = (*store)->size();
    s->last_checkpoint_size_ = (*store)->size();
    s->store_ = std::move(*store);
    CUSTODY_RETURN_IF_ERROR(s->WriteServedBy());
  }
  s->last_checkpoint_ns_ = SteadyNs();
  s->syncer_ = std::thread([p = s.get()] { p->SyncLoop(); });
  s->ticker_ = std::thread([p = s.get()] { p->TickLoop(); });
  return s;
}

Sequencer::~Sequencer() { Stop(); }

void Sequencer::Stop() {
  std::vector<std::function<void()>> later;
  {
    std::unique_lock lock(mu_);
    if (!syncer_.joinable()) return;
    stopping_ = true;
    for (auto& w : waiting_)
      later.push_back(
          [done = std::move(w->done)] { done(Status::Busy("the server is shutting down")); });
    waiting_.clear();
  }
  RunLater(later);
  {
    // The lease in use finishes or lapses (the ticker still runs); every
    // written event is synced and answered.
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return active_ == nullptr && pending_.empty(); });
    exit_ = true;
    cv_.notify_all();
  }
  syncer_.join();
  ticker_.join();
  std::lock_guard lock(store_mu_);
  if (store_) (void)store_->SyncWal();
  unlink((fs::path(options_.dir) / layout::kServedByFile).c_str());
  for (auto& [hash, staged] : staged_) DiscardStagedBlob(staged.first);
  staged_.clear();
  store_.reset();
}

Status Sequencer::WriteServedBy() const {
  const std::string path = (fs::path(options_.dir) / layout::kServedByFile).string();
  const std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const std::string text = options_.url + "\n";
  bool ok = fd >= 0 && write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (fd >= 0) close(fd);
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0)
    return Status::IOError("write " + path + ": " + std::strerror(errno));
  return Status::OK();
}

proto::Info Sequencer::Info() const {
  proto::Info info;
  info.notary = notary_.public_key();
  info.time = NowNs() / 1000000000;
  std::lock_guard lock(store_mu_);
  if (store_) {
    info.origin = origin_;
    info.name = store_->name();
  } else if (options_.init_admin) {
    info.name = options_.init_name;
    info.awaiting_admin = *options_.init_admin;
  }
  return info;
}

uint32_t Sequencer::RolesOf(const Hash32& key) const {
  std::lock_guard lock(store_mu_);
  if (!store_) return options_.init_admin && key == *options_.init_admin ? uint32_t{kAdmin} : 0u;
  const MemberState& members = store_->CurrentMembers();
  return members.IsCompromised(key) ? 0 : members.RolesOf(key);
}

Result<Bytes> Sequencer::Event(uint64_t seq) const {
  if (seq >= durable_.load()) return Status::NotFound("no event " + std::to_string(seq));
  std::lock_guard lock(store_mu_);
  return store_->GetRaw(seq);
}

Result<std::string> Sequencer::Events(uint64_t from, uint64_t limit) const {
  const uint64_t end = std::min(durable_.load(), from + std::min<uint64_t>(limit, 1 << 20));
  std::string out;
  std::lock_guard lock(store_mu_);
  for (uint64_t seq = from; seq < end && out.size() < proto::kMaxEventsAnswer; ++seq) {
    auto raw = store_->GetRaw(seq);
    if (!raw.ok()) return raw.status();
    proto::AppendFramed(*raw, &out);
  }
  return out;
}

Result<std::string> Sequencer::SignHead(uint64_t size) {
  Checkpoint cp;
  {
    std::lock_guard lock(store_mu_);
    if (!store_) return Status::NotFound("the ledger awaits its genesis");
    auto root = TreeRoot(store_->Nodes(), size);
    if (!root.ok()) return root.status();
    cp.origin = origin_;
    cp.size = size;
    cp.root = *root;
  }
  return SignCheckpoint(notary_, cp);
}

Result<std::string> Sequencer::TreeHead() {
  const uint64_t size = durable_.load();
  {
    std::lock_guard lock(mu_);
    if (head_size_ != UINT64_MAX && head_size_ >= size) return head_note_;
  }
  auto note = SignHead(size);
  if (!note.ok()) return note.status();
  std::lock_guard lock(mu_);
  if (head_size_ == UINT64_MAX || size > head_size_) {
    head_size_ = size;
    head_note_ = *note;
    head_signed_ns_ = SteadyNs();
  }
  return head_note_;
}

Result<std::pair<uint64_t, std::string>> Sequencer::Board(uint64_t incident) {
  auto note = TreeHead();
  if (!note.ok()) return note.status();
  auto signed_note = ParseSignedNote(*note);
  if (!signed_note.ok()) return signed_note.status();
  auto cp = ParseCheckpointBody(signed_note->text);
  if (!cp.ok()) return cp.status();
  std::lock_guard lock(store_mu_);
  auto json = BoardStateJson(*store_, incident, cp->size, *note, NowNs());
  if (!json.ok()) return json.status();
  return std::make_pair(cp->size, std::move(*json));
}

Result<std::string> Sequencer::Tile(const TileRef& t) const {
  const uint64_t size = durable_.load();
  if (TileWidthAt(t.entries ? 0 : t.level, t.index, size) < t.width)
    return Status::NotFound("the tree of " + std::to_string(size) + " leaves has no tile " +
                            TilePath(t));
  std::lock_guard lock(store_mu_);
  if (!t.entries) return TileHashes(store_->Nodes(), t);
  std::string out;
  for (uint64_t seq = TileFirstLeaf(t); seq < TileEndLeaf(t); ++seq) {
    auto raw = store_->GetRaw(seq);
    if (!raw.ok()) return raw.status();
    // C2SP entry bundles carry a uint16 length: a larger event has no place
    // in one (members read it from /v1/events).
    if (raw->size() > kMaxBundleEntry)
      return Status::InvalidArgument("event " + std::to_string(seq) + " is " +
                                     std::to_string(raw->size()) +
                                     " bytes, more than an entry bundle holds; read it from " +
                                     std::string(proto::kEvents) + "/" + std::to_string(seq));
    out.push_back(static_cast<char>(raw->size() >> 8));
    out.push_back(static_cast<char>(raw->size() & 0xff));
    out.append(reinterpret_cast<const char*>(raw->data()), raw->size());
  }
  return out;
}

Result<std::string> Sequencer::Consistency(uint64_t from) {
  auto note = TreeHead();
  if (!note.ok()) return note.status();
  auto cp = ParseCheckpointBody(ParseSignedNote(*note).value().text);
  if (!cp.ok()) return cp.status();
  ConsistencyProofText p;
  p.old_size = from;
  p.checkpoint = *note;
  if (from > 0 && from < cp->size) {
    std::lock_guard lock(store_mu_);
    auto hashes = ConsistencyProof(store_->Nodes(), from, cp->size);
    if (!hashes.ok()) return hashes.status();
    p.hashes = std::move(*hashes);
  }
  return FormatConsistencyProof(p);
}

Result<std::string> Sequencer::Inclusion(uint64_t seq, uint64_t size) const {
  if (size > durable_.load() || seq >= size)
    return Status::NotFound("no event " + std::to_string(seq) + " in a tree of size " +
                            std::to_string(size));
  std::lock_guard lock(store_mu_);
  auto hashes = InclusionProof(store_->Nodes(), seq, size);
  if (!hashes.ok()) return hashes.status();
  std::string out;
  for (const Hash32& h : *hashes) out += EncodeBase64(h) + "\n";
  return out;
}

Result<std::string> Sequencer::BlobFile(const Hash32& sha256) const {
  std::lock_guard lock(store_mu_);
  if (!store_) return Status::NotFound("no such content");
  auto size = store_->BlobSize(sha256);
  if (!size.ok()) return size.status();
  return store_->BlobFile(sha256);
}

Result<std::unique_ptr<BlobWriter>> Sequencer::NewBlob() const {
  return BlobWriter::Open(options_.dir);
}

void Sequencer::KeepStaged(const StagedBlob& blob) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = staged_.try_emplace(blob.sha256, blob, SteadyNs() + kStagedLifetimeNs);
  if (!inserted) {  // the same content again: keep one copy, the later expiry
    DiscardStagedBlob(blob);
    it->second.second = SteadyNs() + kStagedLifetimeNs;
  }
}

void Sequencer::RunLater(std::vector<std::function<void()>>& later) {
  for (auto& fn : later) fn();
  later.clear();
}

void Sequencer::Lease(const Hash32& client, const proto::LeaseRequest& request, LeaseDone done) {
  std::vector<std::function<void()>> later;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      later.push_back([done] { done(Status::Busy("the server is shutting down")); });
    } else if (failed_) {
      later.push_back([done] { done(Status::IOError("the server cannot write its ledger")); });
    } else {
      auto w = std::make_unique<Waiter>();
      w->client = client;
      w->request = request;
      w->done = std::move(done);
      w->since_ns = SteadyNs();
      waiting_.push_back(std::move(w));
      GrantNext(&later);
    }
  }
  RunLater(later);
}

void Sequencer::GrantNext(std::vector<std::function<void()>>* later) {
  while (active_ == nullptr && !waiting_.empty()) {
    std::unique_ptr<Waiter> w = std::move(waiting_.front());
    waiting_.pop_front();
    auto lease = MakeLease(w->client, w->request);
    if (!lease.ok()) {
      later->push_back([done = std::move(w->done), s = lease.status()] { done(s); });
      continue;
    }
    active_ = std::make_unique<Active>();
    active_->lease = *lease;
    active_->client = w->client;
    active_->deadline_ns = SteadyNs() + proto::kLeaseIdleMs * kMs;
    later->push_back([done = std::move(w->done), l = *lease] { done(l); });
  }
}

Result<proto::Lease> Sequencer::MakeLease(const Hash32& client, const proto::LeaseRequest& r) {
  proto::Lease l;
  Hash32 token;
  CUSTODY_RETURN_IF_ERROR(RandomBytes(token.data(), 16));
  l.token = EncodeHex(ByteSpan(token.data(), 16));
  l.count = r.count;
  l.format = kStorageFormat;
  std::lock_guard lock(store_mu_);
  const TimeNs now = NowNs();
  if (!store_) {
    if (!options_.init_admin || client != *options_.init_admin || r.count != 1)
      return Status::Unauthorized("this server awaits its ledger's genesis from " +
                                  EncodeNpub(*options_.init_admin));
    l.pos.recorded_ns = now;
    return l;
  }
  const ChainHead& head = store_->head();
  l.pos.seq = head.next_seq;
  l.pos.ledger_id = head.ledger_id;
  l.pos.prev_id = head.last_id;
  l.pos.recorded_ns = std::max(now, head.last_recorded_ns);
  l.format = store_->format();
  for (const Hash32& user : r.subjects) {
    auto last = store_->NextBackLink(user);
    if (!last.ok()) return last.status();
    l.last_about[user] = *last;
  }
  return l;
}

Status Sequencer::CheckChunk(const proto::Lease& l, uint64_t offset, const Hash32& client,
                             bool notary_ready, const std::vector<Bytes>& events,
                             std::vector<Hash32>* blobs) const {
  blobs->assign(events.size(), Hash32{});
  std::vector<Status> errors(events.size());
  ParallelFor(events.size(), events.size() > 64 ? DefaultThreads() : 1, [&](size_t i, unsigned) {
    const uint64_t seq = l.pos.seq + offset + i;
    const std::string where = "event " + std::to_string(seq);
    auto ev = SignedEvent::Decode(events[i]);
    if (!ev.ok()) {
      errors[i] = ev.status().Prefixed(where);
      return;
    }
    const fb::Event& e = ev->event();
    if (e.seq() != seq) {
      errors[i] = Status::Rejected(where + ": not at its leased position");
    } else if (e.recorded_ns() != l.pos.recorded_ns) {
      errors[i] = Status::Rejected(where + ": recorded time is not the server's (" +
                                   FormatTime(l.pos.recorded_ns) + ")");
    } else if (ToHash(e.author()) != client) {
      errors[i] =
          Status::Unauthorized(where + ": signed by another key than the one authenticated");
    } else if (const auto* m = e.payload_as_Membership();
               !notary_ready && (m == nullptr || ToHash(m->member()) != notary_.public_key() ||
                                 !(static_cast<uint32_t>(m->roles()) & kNotary))) {
      errors[i] = Status::Rejected("this server's notary key " + EncodeNpub(notary_.public_key()) +
                                   " needs the notary role before anything else: custody member "
                                   "add " +
                                   EncodeNpub(notary_.public_key()) + " --role notary");
    } else {
      errors[i] = VerifySignatures(*ev, ev->id());
      uint64_t size = 0;
      BlobOf(e, &(*blobs)[i], &size);
    }
  });
  for (Status& e : errors) CUSTODY_RETURN_IF_ERROR(e);
  return Status::OK();
}

void Sequencer::Append(const Hash32& client, const std::string& token, std::vector<Bytes> events,
                       bool more, AppendDone done) {
  // Answers decided under mu_ are given once it is released.
  std::vector<std::function<void()>> later;
  auto answer_later = [&](Result<proto::AppendAnswer> a) {
    later.push_back([done, a = std::move(a)]() mutable { done(std::move(a)); });
  };
  // Only the lease holder's events cost the server any checking; they are
  // checked here, outside every lock, chunk by chunk as a long submission
  // arrives (signatures included: the commit does not check them again).
  proto::Lease lease;
  uint64_t offset = 0;
  {
    std::lock_guard lock(mu_);
    if (!active_ || active_->lease.token != token || active_->client != client) {
      counters_.lapsed_leases++;
      answer_later(Status::Busy("the lease lapsed or is not this client's; ask for a new one"));
    } else {
      lease = active_->lease;
      offset = active_->received.size();
    }
  }
  if (!later.empty()) return RunLater(later);
  const bool notary_ready = [&] {
    std::lock_guard lock(store_mu_);
    return store_ == nullptr || (store_->CurrentMembers().RolesOf(notary_.public_key()) & kNotary);
  }();
  std::vector<Hash32> blobs;
  Status checked = offset + events.size() > lease.count
                       ? Status::InvalidArgument("more events than the lease grants")
                       : CheckChunk(lease, offset, client, notary_ready, events, &blobs);
  std::vector<Bytes> all;
  std::vector<std::string> staged;
  {
    std::lock_guard lock(mu_);
    if (!active_ || active_->lease.token != token || active_->client != client) {
      counters_.lapsed_leases++;
      answer_later(Status::Busy("the lease lapsed or is not this client's; ask for a new one"));
    } else if (active_->committing || active_->received.size() != offset) {
      answer_later(Status::InvalidArgument("submissions under one lease come one at a time"));
    } else if (!checked.ok() || active_->bytes > proto::kMaxLeaseBytes) {
      // The lease ends with the first bad event: nothing of it is kept.
      active_.reset();
      GrantNext(&later);
      answer_later(checked.ok() ? Status::InvalidArgument("more bytes than a lease allows")
                                : checked);
      cv_.notify_all();
    } else {
      for (size_t i = 0; i < events.size(); ++i) {
        active_->bytes += events[i].size();
        active_->received.push_back(std::move(events[i]));
        active_->blobs.push_back(blobs[i]);
      }
      if (more) {
        active_->deadline_ns = SteadyNs() + proto::kLeaseIdleMs * kMs;
        answer_later(proto::AppendAnswer{});
      } else if (active_->received.size() != lease.count) {
        answer_later(Status::InvalidArgument("the lease grants " + std::to_string(lease.count) +
                                             " events; " +
                                             std::to_string(active_->received.size()) + " came"));
        active_.reset();
        GrantNext(&later);
        cv_.notify_all();
      } else {
        active_->committing = true;
        all = std::move(active_->received);
        // Evidence content staged for these events.
        for (const Hash32& hash : active_->blobs) {
          auto it = hash == Hash32{} ? staged_.end() : staged_.find(hash);
          staged.push_back(it == staged_.end() ? std::string() : it->second.first.path);
        }
      }
    }
  }
  if (all.empty()) return RunLater(later);
  Status s;
  std::vector<Appended> out;
  if (s.ok()) {
    std::lock_guard lock(store_mu_);
    if (!store_) {
      auto store = Store::InitFromGenesis(options_.dir, all[0]);
      s = store.status();
      if (s.ok()) {
        store_ = std::move(*store);
        store_->set_projector(&IncidentProjector::Instance());
        origin_ = CheckpointOrigin(store_->head().ledger_id);
        (void)WriteServedBy();
        auto genesis = SignedEvent::Decode(all[0]);  // committed: it decodes
        out.push_back({0, genesis->id(), genesis->event().recorded_ns()});
      }
    } else {
      AppendOptions options;
      options.sync = false;
      options.threads = 1;
      options.signatures_verified = true;  // CheckChunk
      s = store_->Commit(all, staged, options, &out);
    }
    if (s.ok()) written_ = store_->size();
  }
  {
    std::lock_guard lock(mu_);
    active_.reset();
    if (s.ok()) {
      proto::AppendAnswer answer;
      answer.first = out.front().seq;
      answer.count = out.size();
      answer.last_id = out.back().id;
      answer.recorded_ns = out.back().recorded_ns;
      for (size_t i = 0; i < staged.size(); ++i)
        if (!staged[i].empty())
          for (auto it = staged_.begin(); it != staged_.end(); ++it)
            if (it->second.first.path == staged[i]) {
              staged_.erase(it);
              break;
            }
      pending_.push_back({out.back().seq, std::move(answer), std::move(done)});
      cv_.notify_all();
    } else {
      counters_.refused++;
    }
    GrantNext(&later);
  }
  if (!s.ok()) done(s);
  RunLater(later);
  cv_.notify_all();
}

void Sequencer::SyncLoop() {
  for (;;) {
    uint64_t target = 0;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return exit_ || !pending_.empty(); });
      if (pending_.empty()) return;  // exit_ and nothing left to answer
      target = written_.load();
    }
    Status s = store_->SyncWal();
    counters_.syncs++;
    std::vector<Pending> ready;
    {
      std::lock_guard lock(mu_);
      if (!s.ok()) {
        failed_ = true;  // nothing more is acknowledged
        ready = std::move(pending_);
        pending_.clear();
      } else {
        durable_ = std::max(durable_.load(), target);
        auto it = std::partition(pending_.begin(), pending_.end(),
                                 [&](const Pending& p) { return p.last_seq >= target; });
        ready.assign(std::make_move_iterator(it), std::make_move_iterator(pending_.end()));
        pending_.erase(it, pending_.end());
      }
      cv_.notify_all();
    }
    for (Pending& p : ready) {
      if (!s.ok()) {
        p.done(s);
        continue;
      }
      const proto::AppendAnswer& a = p.answer;
      proto::Promise promise{origin_, a.first, a.count, a.last_id};
      auto note = proto::SignPromise(notary_, promise);
      if (!note.ok()) {
        p.done(note.status());
        continue;
      }
      p.answer.promise = *note;
      counters_.appends += a.count;
      p.done(std::move(p.answer));
    }
  }
}

void Sequencer::TickLoop() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (cv_.wait_for(lock, std::chrono::milliseconds(20), [this] { return exit_; })) return;
    }
    Tick();
  }
}

void Sequencer::Tick() {
  std::vector<std::function<void()>> later;
  const int64_t now = SteadyNs();
  bool sign_head = false, checkpoint = false;
  {
    std::lock_guard lock(mu_);
    if (active_ && !active_->committing && now > active_->deadline_ns) {
      counters_.lapsed_leases++;
      active_.reset();
      cv_.notify_all();
    }
    while (!waiting_.empty() && now - waiting_.front()->since_ns > proto::kLeaseWaitMs * kMs) {
      later.push_back([done = std::move(waiting_.front()->done)] {
        done(Status::Busy("no position came free within " +
                          std::to_string(proto::kLeaseWaitMs / 1000) + " s"));
      });
      waiting_.pop_front();
    }
    for (auto it = staged_.begin(); it != staged_.end();) {
      if (now > it->second.second) {
        DiscardStagedBlob(it->second.first);
        it = staged_.erase(it);
      } else {
        ++it;
      }
    }
    GrantNext(&later);
    const uint64_t durable = durable_.load();
    sign_head = durable > 0 && (head_size_ == UINT64_MAX || durable > head_size_) &&
                now - head_signed_ns_ >= options_.tree_head_every_ms * kMs;
    checkpoint = !stopping_ && !checkpoint_queued_ && durable > last_checkpoint_size_ + 1 &&
                 now - last_checkpoint_ns_ >= int64_t{options_.checkpoint_every_s} * 1000 * kMs;
    if (checkpoint) checkpoint_queued_ = true;
  }
  RunLater(later);
  if (sign_head) (void)TreeHead();
  if (checkpoint)
    AppendCheckpoint([this](Result<proto::AppendAnswer> a) {
      std::lock_guard lock(mu_);
      checkpoint_queued_ = false;
      last_checkpoint_ns_ = SteadyNs();
      if (a.ok() && a->count > 0) last_checkpoint_size_ = a->first + a->count;
    });
}

Status Sequencer::Backup(const std::string& out_dir) {
  std::lock_guard lock(store_mu_);
  if (!store_) return Status::NotFound("the ledger awaits its genesis");
  return store_->Backup(out_dir);
}

void Sequencer::RequestCheckpoint(AppendDone done) { AppendCheckpoint(std::move(done)); }

void Sequencer::AppendCheckpoint(AppendDone done) {
  {
    std::lock_guard lock(store_mu_);
    if (!store_ || !(store_->CurrentMembers().RolesOf(notary_.public_key()) & kNotary)) {
      done(Status::Rejected("this server's notary key does not hold the notary role yet"));
      return;
    }
  }
  const Hash32 me = notary_.public_key();
  Lease(me, proto::LeaseRequest{1, {}},
        [this, me, done = std::move(done)](Result<proto::Lease> lease) mutable {
          if (!lease.ok()) return done(lease.status());
          Draft d;
          {
            std::lock_guard lock(store_mu_);
            Checkpoint cp;
            cp.origin = origin_;
            cp.size = lease->pos.seq;
            cp.root = store_->tree().Root();
            auto note = SignCheckpoint(notary_, cp);
            auto nostr = NostrCheckpointEvent(notary_, cp, NowNs() / 1000000000);
            if (!note.ok() || !nostr.ok()) {
              // Let the lease lapse; say why.
              return done(note.ok() ? nostr.status() : note.status());
            }
            d.payload = CheckpointPayload{cp.size, cp.root, *note, *nostr};
          }
          auto body = BuildBody(lease->pos, me, d, [](const Hash32&) { return uint64_t{0}; });
          if (!body.ok()) return done(body.status());
          auto signed_event = SignBody(*body, notary_, {});
          if (!signed_event.ok()) return done(signed_event.status());
          std::vector<Bytes> events;
          events.push_back(std::move(*signed_event));
          Append(me, lease->token, std::move(events), false, std::move(done));
        });
}

}  // namespace custody
