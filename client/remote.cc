#include "client/remote.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "ledger/base/encoding.h"
#include "ledger/base/files.h"
#include "ledger/base/parallel.h"
#include "ledger/base/time.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"
#include "net/nip98.h"
#include "projections/projector.h"

namespace custody {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr size_t kChunkBytes = 768 << 10;  // an append body stays under proto::kMaxBody
constexpr uint64_t kPageEvents = 8192;

std::string HomeDir(const char* xdg, const char* fallback) {
  if (const char* v = std::getenv(xdg); v && *v == '/') return std::string(v) + "/custody";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/" + fallback + "/custody";
}

// What this machine remembers of one server.
struct SavedState {
  Hash32 trust{};
  std::string origin;
  uint64_t size = 0;
  Hash32 root{};
  std::string head;  // the signed note
  struct Held {
    std::string note;
    uint64_t last_seq = 0;
    Hash32 leaf{};  // HashLeaf of the last event's signed bytes
  };
  std::vector<Held> promises;
  bool known = false;
};

Status Broken(const std::string& url, const std::string& why) {
  return Status::VerificationFailed("server " + url + ": " + why);
}

// What this machine keeps about a server is named by a hash of its URL.
std::string ServerId(const Url& url) { return EncodeHex(Sha256(AsSpan(url.base))).substr(0, 24); }

std::string ReplicaDirOf(const RemoteOptions& o, const Url& url) {
  const std::string cache = o.cache_dir.empty() ? HomeDir("XDG_CACHE_HOME", ".cache") : o.cache_dir;
  return cache + "/replicas/" + ServerId(url);
}

}  // namespace

Result<std::string> CachedReplicaDir(const RemoteOptions& options) {
  auto url = ParseUrl(options.url);
  if (!url.ok()) return url.status();
  return ReplicaDirOf(options, *url);
}

class Remote::Impl {
 public:
  Impl(RemoteOptions o, const SecretKey& key, Url url)
      : options_(std::move(o)),
        key_(key),
        url_(url),
        http_(url, {options_.ca_file, options_.timeout_ms}) {
    const std::string state =
        options_.state_dir.empty() ? HomeDir("XDG_STATE_HOME", ".local/state") : options_.state_dir;
    state_path_ = state + "/servers/" + ServerId(url_) + ".json";
    replica_dir_ = ReplicaDirOf(options_, url_);
  }

  // A request with a fresh NIP-98 event; a non-2xx answer becomes the
  // server's Status.
  Result<HttpResponse> Call(const std::string& method, const std::string& target,
                            std::string_view body, Headers headers = {}, bool payload_tag = true) {
    std::optional<Hash32> payload;
    if (!body.empty() && payload_tag) payload = Sha256(AsSpan(body));
    auto auth = Nip98Header(key_, url_.base + target, method, payload, NowNs() / 1000000000);
    if (!auth.ok()) return auth.status();
    headers.emplace_back("Authorization", *auth);
    auto res = http_.Request(method, target, headers, body);
    if (!res.ok()) return res.status();
    if (res->status < 200 || res->status >= 300) return Refusal(*res);
    return res;
  }

  // The server's refusal: a rule's refusal as the rule set words it (a
  // local append says the same); the rest naming the server. Not
  // authenticated (401) is input rejected (exit 3) for every command.
  Status Refusal(const HttpResponse& res) {
    const Status s = proto::DecodeError(res.status, res.body);
    if (res.status == 401)
      return Status::InvalidArgument("server " + url_.base + ": " + s.message());
    if (s.IsIOError() || s.IsBusy() || res.status == 403)
      return Status::FromCode(s.code(), "server " + url_.base + ": " + s.message());
    return s;
  }

  Status Load() {
    state_ = SavedState();
    auto text = ReadSmallFile(state_path_, 16 << 20);
    if (!text.ok()) {
      if (text.status().IsNotFound() || !fs::exists(state_path_)) return Status::OK();
      return text.status();
    }
    Json j = Json::parse(*text, nullptr, false);
    if (!j.is_object()) return Status::Corruption("state file " + state_path_ + " is malformed");
    try {
      state_.trust = DecodeHex32(j.at("trust").get<std::string>()).value();
      state_.origin = j.at("origin").get<std::string>();
      state_.size = j.at("size").get<uint64_t>();
      state_.root = DecodeHex32(j.at("root").get<std::string>()).value();
      state_.head = j.at("head").get<std::string>();
      for (const auto& p : j.at("promises"))
        state_.promises.push_back({p.at("note").get<std::string>(), p.at("seq").get<uint64_t>(),
                                   DecodeHex32(p.at("leaf").get<std::string>()).value()});
    } catch (const std::exception&) {
      return Status::Corruption("state file " + state_path_ + " is malformed");
    }
    state_.known = true;
    return Status::OK();
  }

  Status Save() {
    Json promises = Json::array();
    for (const auto& p : state_.promises)
      promises.push_back({{"note", p.note}, {"seq", p.last_seq}, {"leaf", EncodeHex(p.leaf)}});
    Json j = {{"url", url_.base},    {"trust", EncodeHex(state_.trust)}, {"origin", state_.origin},
              {"size", state_.size}, {"root", EncodeHex(state_.root)},   {"head", state_.head},
              {"promises", promises}};
    std::error_code ec;
    fs::create_directories(fs::path(state_path_).parent_path(), ec);
    const std::string tmp = state_path_ + ".tmp";
    const std::string text = j.dump(1) + "\n";
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    bool ok = fd >= 0 && write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
              fsync(fd) == 0;
    if (fd >= 0) close(fd);
    if (!ok || rename(tmp.c_str(), state_path_.c_str()) != 0)
      return Status::IOError("save " + state_path_ + ": " + std::strerror(errno));
    return Status::OK();
  }

  // The state file is shared by this user's custody processes: one at a time
  // reads, verifies and saves it.
  Status Lock() {
    if (lock_fd_ >= 0) return Status::OK();
    std::error_code ec;
    fs::create_directories(fs::path(state_path_).parent_path(), ec);
    lock_fd_ = open((state_path_ + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd_ < 0 || flock(lock_fd_, LOCK_EX) != 0)
      return Status::IOError("lock " + state_path_ + ".lock: " + std::strerror(errno));
    return Status::OK();
  }
  void Unlock() {
    if (lock_fd_ >= 0) close(lock_fd_);
    lock_fd_ = -1;
  }

  // The key tree heads must be signed by: --trust, else the saved one.
  Result<Hash32> TrustKey() {
    if (!options_.trust.empty()) {
      auto key = DecodeNpub(options_.trust);
      if (!key.ok()) return Status::Usage("--trust: " + key.status().message());
      if (state_.known && *key != state_.trust)
        return Broken(url_.base, "this machine pinned " + EncodeNpub(state_.trust) + ", not " +
                                     options_.trust +
                                     "; after a legitimate change: custody trust reset " +
                                     url_.base);
      return *key;
    }
    if (!state_.known)
      return Status::Usage("first contact with " + url_.base +
                           ": give --trust NPUB (or CUSTODY_TRUST), the server's notary key "
                           "as its operator publishes it");
    return state_.trust;
  }

  // Fetches the latest signed head with a consistency proof from the saved
  // one, checks both, and checks the promises it covers. *state_ updated
  // (not saved).
  Status Advance(size_t* unproved) {
    auto trust = TrustKey();
    if (!trust.ok()) return trust.status();
    auto res =
        Call("GET", std::string(proto::kConsistency) + "?from=" + std::to_string(state_.size), "");
    if (!res.ok()) return res.status();
    auto proof = ParseConsistencyProof(res->body);
    if (!proof.ok())
      return Broken(url_.base, "malformed consistency proof: " + proof.status().message());
    if (proof->old_size != state_.size) return Broken(url_.base, "answered for another size");
    auto head = VerifyCheckpointNote(proof->checkpoint, *trust,
                                     state_.known ? state_.origin : std::string());
    if (!head.ok())
      return Broken(url_.base, "tree head not signed by " + EncodeNpub(*trust) + ": " +
                                   head.status().message());
    if (state_.known) {
      if (head->size < state_.size)
        return Broken(url_.base, "its tree head (size " + std::to_string(head->size) +
                                     ") does not extend the checkpoint this machine verified "
                                     "(size " +
                                     std::to_string(state_.size) +
                                     "); the ledger was rolled back or replaced (after a "
                                     "legitimate restore: custody trust reset " +
                                     url_.base + ")");
      // Every tree extends the empty one.
      const bool consistent =
          state_.size == 0 ||
          (head->size == state_.size
               ? head->root == state_.root
               : VerifyConsistency(state_.size, head->size, proof->hashes, state_.root, head->root)
                     .ok());
      if (!consistent)
        return Broken(url_.base, "its tree head (size " + std::to_string(head->size) +
                                     ") is not consistent with the checkpoint this machine "
                                     "verified (size " +
                                     std::to_string(state_.size) + "); the ledger was rewritten");
    }
    state_.trust = *trust;
    state_.origin = head->origin;
    state_.size = head->size;
    state_.root = head->root;
    state_.head = proof->checkpoint;
    state_.known = true;
    // Promises this head covers: each proved by an inclusion proof, or broken.
    std::vector<SavedState::Held> left;
    for (const auto& held : state_.promises) {
      if (held.last_seq >= head->size) {
        left.push_back(held);
        continue;
      }
      auto p = Call("GET",
                    std::string(proto::kInclusion) + "?seq=" + std::to_string(held.last_seq) +
                        "&size=" + std::to_string(head->size),
                    "");
      if (!p.ok()) return p.status();
      std::vector<Hash32> hashes;
      for (size_t at = 0; at < p->body.size();) {
        const size_t nl = p->body.find('\n', at);
        if (nl == std::string::npos) return Broken(url_.base, "malformed inclusion proof");
        auto h = DecodeBase64Hash(std::string_view(p->body).substr(at, nl - at));
        if (!h.ok()) return Broken(url_.base, "malformed inclusion proof");
        hashes.push_back(*h);
        at = nl + 1;
      }
      if (!VerifyInclusion(held.last_seq, head->size, held.leaf, hashes, head->root).ok())
        return Broken(url_.base, "broke its promise: event " + std::to_string(held.last_seq) +
                                     " it acknowledged is not in its log at that position");
    }
    state_.promises = std::move(left);
    if (unproved) *unproved = state_.promises.size();
    return Status::OK();
  }

  // The state file is read once per process, under a lock held until the
  // process is done with this server, and written when it changed.
  Status EnsureLoaded() {
    if (loaded_) return Status::OK();
    CUSTODY_RETURN_IF_ERROR(Lock());
    CUSTODY_RETURN_IF_ERROR(Load());
    loaded_ = true;
    return Status::OK();
  }

  Status Settle(bool wait) {
    CUSTODY_RETURN_IF_ERROR(EnsureLoaded());
    size_t unproved = 0;
    CUSTODY_RETURN_IF_ERROR(Advance(&unproved));
    // The server signs a head of everything durable when asked, so one more
    // round covers what it acknowledged; a few rounds allow for a server
    // that signs heads only every second.
    for (int i = 0; wait && unproved > 0 && i < 50; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      CUSTODY_RETURN_IF_ERROR(Advance(&unproved));
    }
    CUSTODY_RETURN_IF_ERROR(Save());
    dirty_ = false;
    if (wait && unproved > 0)
      return Broken(url_.base, std::to_string(unproved) +
                                   " acknowledged event(s) still not in a signed tree head");
    return Status::OK();
  }

  // Keeps an acknowledgement's promise, once checked, until a signed head
  // proves it (saved by the next Settle, or when this process is done).
  Status Hold(const proto::AppendAnswer& answer, const Bytes& last_event, uint64_t first,
              uint64_t count) {
    CUSTODY_RETURN_IF_ERROR(EnsureLoaded());
    auto trust = TrustKey();
    if (!trust.ok()) return trust.status();
    auto p = proto::VerifyPromise(answer.promise, *trust);
    if (!p.ok())
      return Broken(url_.base, "acknowledgement without a valid promise: " + p.status().message());
    const Hash32 last_id = EventId(SignedEvent::Decode(last_event).value().body());
    if (p->first != first || p->count != count || p->last_id != last_id ||
        (state_.known && p->origin != state_.origin))
      return Broken(url_.base, "its promise does not name the events it acknowledged");
    if (!state_.known) {  // a first append before any read: pin now
      state_.trust = *trust;
      state_.origin = p->origin;
      state_.known = true;
    }
    state_.promises.push_back({answer.promise, first + count - 1, HashLeaf(last_event)});
    dirty_ = true;
    return Status::OK();
  }

  Result<proto::Lease> TakeLease(const std::vector<Draft>& drafts, uint64_t count) {
    proto::LeaseRequest req;
    req.count = count;
    std::set<Hash32> subjects;
    for (const Draft& d : drafts) subjects.insert(d.subjects.begin(), d.subjects.end());
    req.subjects.assign(subjects.begin(), subjects.end());
    auto res = Call("POST", std::string(proto::kLease), proto::EncodeLeaseRequest(req));
    if (!res.ok()) return res.status();
    auto lease = proto::ParseLease(res->body);
    if (!lease.ok()) return Broken(url_.base, lease.status().message());
    if (lease->count != count) return Broken(url_.base, "leased another count");
    return lease;
  }

  Result<std::vector<Appended>> AppendOnce(const SecretKey& author,
                                           const std::vector<Draft>& drafts,
                                           const ProgressFn& progress) {
    auto lease = TakeLease(drafts, drafts.size());
    if (!lease.ok()) return lease.status();
    return Submit(author, *lease, drafts, progress);
  }

  Result<std::vector<Appended>> Submit(const SecretKey& author, const proto::Lease& leased,
                                       const std::vector<Draft>& drafts,
                                       const ProgressFn& progress) {
    const proto::Lease* lease = &leased;
    if (lease->count != drafts.size())
      return Status::InvalidArgument("drafts do not fill the lease");
    // Build and sign at the leased positions; send in chunks as they fill.
    Position pos = lease->pos;
    std::map<Hash32, uint64_t> about = lease->last_about;
    std::string chunk;
    Bytes last;
    std::vector<Hash32> ids;
    auto send = [&](bool more) -> Result<HttpResponse> {
      Headers h = {{std::string(proto::kLeaseHeader), lease->token}};
      if (more) h.emplace_back(std::string(proto::kMoreHeader), "1");
      auto r = Call("POST", std::string(proto::kAppend), chunk, h);
      chunk.clear();
      return r;
    };
    // Bodies are built in order (each names the one before); a group of them
    // is then signed on every core and sent while the next group is built.
    constexpr size_t kGroup = 2048;
    for (size_t begin = 0; begin < drafts.size(); begin += kGroup) {
      const size_t n = std::min(kGroup, drafts.size() - begin);
      std::vector<Bytes> bodies(n), signed_events(n);
      for (size_t k = 0; k < n; ++k) {
        const Draft& d = drafts[begin + k];
        auto body =
            BuildBody(pos, author.public_key(), d, [&](const Hash32& user) -> Result<uint64_t> {
              auto it = about.find(user);
              if (it == about.end()) return Status::InvalidArgument("the lease lacks a back-link");
              return it->second;
            });
        if (!body.ok()) return body.status();
        for (const Hash32& user : d.subjects) about[user] = pos.seq;
        pos.prev_id = EventId(*body);
        ids.push_back(pos.prev_id);
        pos.ledger_id = pos.seq == 0 ? pos.prev_id : pos.ledger_id;
        pos.seq++;
        bodies[k] = std::move(*body);
      }
      std::vector<Status> errors(n);
      ParallelFor(n, n > 64 ? DefaultThreads() : 1, [&](size_t k, unsigned) {
        auto signed_event = SignBody(bodies[k], author, drafts[begin + k].cosigners);
        if (signed_event.ok())
          signed_events[k] = std::move(*signed_event);
        else
          errors[k] = signed_event.status();
      });
      for (size_t k = 0; k < n; ++k) {
        CUSTODY_RETURN_IF_ERROR(errors[k]);
        proto::AppendFramed(signed_events[k], &chunk);
        if (begin + k + 1 == drafts.size()) last = std::move(signed_events[k]);
        if (chunk.size() >= kChunkBytes && begin + k + 1 < drafts.size()) {
          auto r = send(true);
          if (!r.ok()) return r.status();
          if (progress) progress(begin + k + 1, drafts.size());
        }
      }
    }
    auto r = send(false);
    if (!r.ok()) return r.status();
    auto answer = proto::ParseAppendAnswer(r->body);
    if (!answer.ok()) return Broken(url_.base, answer.status().message());
    if (answer->count != drafts.size() || answer->first != lease->pos.seq ||
        answer->last_id != pos.prev_id || answer->recorded_ns != lease->pos.recorded_ns)
      return Broken(url_.base, "acknowledged other events than it was sent");
    CUSTODY_RETURN_IF_ERROR(Hold(*answer, last, lease->pos.seq, drafts.size()));
    if (progress) progress(drafts.size(), drafts.size());
    std::vector<Appended> out;
    for (size_t i = 0; i < ids.size(); ++i)
      out.push_back({lease->pos.seq + i, ids[i], lease->pos.recorded_ns});
    return out;
  }

  Result<std::unique_ptr<Store>> Replica(const ProgressFn& progress) {
    CUSTODY_RETURN_IF_ERROR(Settle(false));
    const uint64_t size = state_.size;
    const Hash32 root = state_.root;
    std::error_code ec;
    std::unique_ptr<Store> store;
    if (fs::exists(fs::path(replica_dir_) / "CURRENT", ec)) {
      auto opened = Store::OpenWriter(replica_dir_);
      if (!opened.ok()) return opened.status().Prefixed("replica " + replica_dir_);
      store = std::move(*opened);
      if (store->size() > size || CheckpointOrigin(store->head().ledger_id) != state_.origin) {
        // Not a prefix of what was verified: start again.
        store.reset();
        fs::remove_all(replica_dir_, ec);
      }
    } else {
      fs::remove_all(replica_dir_, ec);
    }
    AppendOptions options;
    options.replicate = true;
    options.sync = false;
    while ((store ? store->size() : 0) < size) {
      const uint64_t from = store ? store->size() : 0;
      auto res = Call("GET",
                      std::string(proto::kEvents) + "?from=" + std::to_string(from) +
                          "&limit=" + std::to_string(std::min(kPageEvents, size - from)),
                      "");
      if (!res.ok()) return res.status();
      auto events = proto::ParseFramed(res->body, kPageEvents);
      if (!events.ok()) return Broken(url_.base, events.status().message());
      if (events->empty()) return Broken(url_.base, "served no events below its signed tree head");
      if (events->size() > size - from) events->resize(size - from);
      size_t at = 0;
      if (!store) {
        fs::create_directories(fs::path(replica_dir_).parent_path(), ec);
        auto created = Store::InitFromGenesis(replica_dir_, (*events)[0]);
        if (!created.ok()) return Broken(url_.base, "event 0: " + created.status().message());
        store = std::move(*created);
        store->set_projector(&IncidentProjector::Instance());
        at = 1;
      } else {
        store->set_projector(&IncidentProjector::Instance());
      }
      // A checkpoint signs the tree written before it: commit it on its own.
      while (at < events->size()) {
        size_t end = at;
        while (end < events->size()) {
          auto ev = SignedEvent::Decode((*events)[end]);
          const bool cp = ev.ok() && ev->event().payload_type() == fb::Payload::Checkpoint;
          if (cp && end > at) break;
          ++end;
          if (cp) break;
        }
        std::vector<Bytes> batch(
            std::make_move_iterator(events->begin() + static_cast<ptrdiff_t>(at)),
            std::make_move_iterator(events->begin() + static_cast<ptrdiff_t>(end)));
        Status s = store->Commit(batch, {}, options, nullptr);
        if (!s.ok()) {
          store.reset();
          fs::remove_all(replica_dir_, ec);
          return Broken(url_.base, "served an event that fails verification: " + s.message());
        }
        at = end;
      }
      if (progress) progress(store->size(), size);
    }
    if (!store) return Broken(url_.base, "its signed tree head is empty");
    if (store->tree().Root() != root) {
      store.reset();
      fs::remove_all(replica_dir_, ec);
      return Broken(url_.base, "the events it served do not match its signed tree head");
    }
    CUSTODY_RETURN_IF_ERROR(store->SyncWal());
    return store;
  }

  RemoteOptions options_;
  const SecretKey& key_;
  Url url_;
  HttpClient http_;
  std::string state_path_;
  std::string replica_dir_;
  SavedState state_;
  int lock_fd_ = -1;
  bool loaded_ = false;
  bool dirty_ = false;
  uint64_t retries_ = 0;
};

Remote::Remote(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Remote::~Remote() {
  if (impl_->dirty_) (void)impl_->Save();  // promises not yet proved
  impl_->Unlock();
}

Result<std::unique_ptr<Remote>> Remote::Open(const RemoteOptions& options, const SecretKey& key) {
  auto url = ParseUrl(options.url);
  if (!url.ok()) return url.status();
  return std::unique_ptr<Remote>(new Remote(std::make_unique<Impl>(options, key, *url)));
}

const std::string& Remote::url() const { return impl_->url_.base; }

Result<proto::Info> Remote::Info() {
  auto res = impl_->Call("GET", std::string(proto::kInfo), "");
  if (!res.ok()) return res.status();
  auto info = proto::ParseInfo(res->body);
  if (!info.ok()) return Broken(url(), info.status().message());
  return info;
}

Result<std::vector<Appended>> Remote::Append(const SecretKey& author,
                                             const std::vector<Draft>& drafts,
                                             const std::vector<Upload>& uploads,
                                             const ProgressFn& progress) {
  if (drafts.empty()) return std::vector<Appended>();
  for (const Upload& u : uploads) {
    Headers h = {{std::string(proto::kSha256Header), EncodeHex(u.sha256)}};
    auto auth = Nip98Header(impl_->key_, url() + std::string(proto::kBlobs), "POST", std::nullopt,
                            NowNs() / 1000000000);
    if (!auth.ok()) return auth.status();
    h.emplace_back("Authorization", *auth);
    auto res = impl_->http_.UploadFile(std::string(proto::kBlobs), h, u.path);
    if (!res.ok()) return res.status();
    if (res->status != 201) return impl_->Refusal(*res);
    auto staged = proto::ParseStaged(res->body);
    if (!staged.ok() || staged->sha256 != u.sha256 || staged->size != u.size)
      return Status::IOError("server " + url() + ": the content it received is not " + u.path +
                             " as read here (changed while uploading?)");
  }
  Status last;
  for (int attempt = 0; attempt <= impl_->options_.retries; ++attempt) {
    auto out = impl_->AppendOnce(author, drafts, progress);
    if (out.ok() || !out.status().IsBusy()) return out;
    last = out.status();
    impl_->retries_++;
    std::this_thread::sleep_for(std::chrono::milliseconds(50 << std::min(attempt, 4)));
  }
  return Status::Busy(last.message() + " (gave up after " +
                      std::to_string(impl_->options_.retries + 1) + " attempts)");
}

Result<Appended> Remote::AppendAtHead(const SecretKey& author, const DraftAt& make) {
  Status last;
  for (int attempt = 0; attempt <= impl_->options_.retries; ++attempt) {
    auto lease = impl_->TakeLease({}, 1);
    if (!lease.ok()) return lease.status();
    // Everything before the position is written; it is durable, and in a
    // signed head, within a sync or two.
    std::unique_ptr<Store> replica;
    for (int i = 0; i < 40; ++i) {
      auto r = impl_->Replica({});
      if (!r.ok()) return r.status();
      if ((*r)->size() >= lease->pos.seq) {
        replica = std::move(*r);
        break;
      }
      r->reset();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!replica || replica->size() != lease->pos.seq)
      return Broken(url(), "its signed tree head does not reach the position it leased");
    auto draft = make(lease->pos, *replica);
    replica.reset();
    if (!draft.ok()) return draft.status();
    auto out = impl_->Submit(author, *lease, {std::move(*draft)}, {});
    if (out.ok()) return out->back();
    if (!out.status().IsBusy()) return out.status();
    last = out.status();
  }
  return Status::Busy(last.message() + " (gave up after " +
                      std::to_string(impl_->options_.retries + 1) + " attempts)");
}

Status Remote::Backup(const std::string& out_dir) {
  return impl_->Call("POST", std::string(proto::kBackup), proto::EncodeBackupRequest(out_dir))
      .status();
}

Result<std::vector<Appended>> Remote::RequestCheckpoint() {
  auto res = impl_->Call("POST", std::string(proto::kCheckpointRequest), "");
  if (!res.ok()) return res.status();
  auto answer = proto::ParseAppendAnswer(res->body);
  if (!answer.ok()) return Broken(url(), answer.status().message());
  if (answer->count != 1) return Broken(url(), "answered a checkpoint request with another count");
  return std::vector<Appended>{{answer->first, answer->last_id, answer->recorded_ns}};
}

Status Remote::Settle(bool wait) { return impl_->Settle(wait); }

Result<std::unique_ptr<Store>> Remote::Replica(const ProgressFn& progress) {
  return impl_->Replica(progress);
}

Status Remote::FetchBlob(const Hash32& sha256, uint64_t size, int fd) {
  auto auth = Nip98Header(impl_->key_, url() + std::string(proto::kBlobs) + "/" + EncodeHex(sha256),
                          "GET", std::nullopt, NowNs() / 1000000000);
  if (!auth.ok()) return auth.status();
  Sha256Stream hash;
  uint64_t got = 0;
  auto res = impl_->http_.DownloadTo(std::string(proto::kBlobs) + "/" + EncodeHex(sha256),
                                     {{"Authorization", *auth}}, fd);
  if (!res.ok()) return res.status();
  if (res->status != 200) return impl_->Refusal(*res);
  // Check what arrived by reading it back before the caller keeps it.
  if (lseek(fd, 0, SEEK_SET) != 0) return Status::IOError("fetched content: cannot read it back");
  {
    std::array<uint8_t, 64 << 10> buf;
    for (;;) {
      ssize_t n = read(fd, buf.data(), buf.size());
      if (n < 0) return Status::IOError(std::string("read back: ") + std::strerror(errno));
      if (n == 0) break;
      hash.Update(buf.data(), static_cast<size_t>(n));
      got += static_cast<uint64_t>(n);
    }
    if (got != size || hash.Final() != sha256)
      return Broken(url(), "served content that is not " + EncodeHex(sha256));
  }
  return Status::OK();
}

Status Remote::EnsureBlob(Store& replica, const Hash32& sha256, uint64_t size) {
  const std::string final_path = replica.BlobFile(sha256);
  struct stat st;
  if (stat(final_path.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_size) == size)
    return Status::OK();
  std::error_code ec;
  fs::create_directories(fs::path(final_path).parent_path(), ec);
  const std::string tmp = final_path + ".fetch";
  int fd = open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("create " + tmp + ": " + std::strerror(errno));
  Status s = FetchBlob(sha256, size, fd);
  if (s.ok() && fsync(fd) != 0) s = Status::IOError("sync " + tmp + ": " + std::strerror(errno));
  close(fd);
  if (s.ok() && rename(tmp.c_str(), final_path.c_str()) != 0)
    s = Status::IOError("rename " + tmp + ": " + std::strerror(errno));
  if (!s.ok()) unlink(tmp.c_str());
  return s;
}

uint64_t Remote::retries() const { return impl_->retries_; }
const std::string& Remote::replica_dir() const { return impl_->replica_dir_; }

uint64_t Remote::verified_size() const { return impl_->state_.size; }
const std::string& Remote::verified_head() const { return impl_->state_.head; }

Status ResetTrust(const RemoteOptions& options) {
  auto url = ParseUrl(options.url);
  if (!url.ok()) return url.status();
  // Only the paths are needed; no key signs anything here.
  auto key = SecretKey::Generate();
  if (!key.ok()) return key.status();
  Remote::Impl impl(options, *key, *url);
  std::error_code ec;
  fs::remove(impl.state_path_, ec);
  fs::remove_all(impl.replica_dir_, ec);
  if (ec) return Status::IOError("remove " + impl.replica_dir_ + ": " + ec.message());
  return Status::OK();
}

}  // namespace custody
