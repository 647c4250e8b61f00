#include "server/board.h"

#include <algorithm>

#include "ledger/base/encoding.h"
#include "ledger/base/time.h"
#include "ledger/crypto.h"
#include "net/protocol.h"

namespace custody {

std::string SseMessage(std::string_view name, std::string_view data) {
  return "event: " + std::string(name) + "\ndata: " + std::string(data) + "\n\n";
}

BoardHub::BoardHub(Sequencer* seq) : seq_(seq) {
  thread_ = std::thread([this] { Loop(); });
}

BoardHub::~BoardHub() { Stop(); }

Result<std::string> BoardHub::NewSession(const Hash32& key) {
  Hash32 id;
  CUSTODY_RETURN_IF_ERROR(RandomBytes(id.data(), id.size()));
  std::string cookie = EncodeHex(id);
  const int64_t now = NowNs() / 1000000000;
  std::lock_guard lock(mu_);
  std::erase_if(sessions_, [now](const auto& s) { return s.second.second <= now; });
  if (sessions_.size() >= kMaxSessions)
    return Status::Busy("too many browser sessions; try again later");
  sessions_[cookie] = {key, now + kSessionLifetimeS};
  return cookie;
}

std::optional<Hash32> BoardHub::SessionKey(std::string_view cookie) {
  if (cookie.size() != 64) return std::nullopt;
  const int64_t now = NowNs() / 1000000000;
  Hash32 key;
  {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(std::string(cookie));
    if (it == sessions_.end()) return std::nullopt;
    if (it->second.second <= now) {
      sessions_.erase(it);
      return std::nullopt;
    }
    key = it->second.first;
  }
  if (seq_->RolesOf(key) == 0) {
    EndSession(cookie);
    return std::nullopt;
  }
  return key;
}

void BoardHub::EndSession(std::string_view cookie) {
  std::lock_guard lock(mu_);
  sessions_.erase(std::string(cookie));
}

void BoardHub::Subscribe(uint64_t incident, const Hash32& key, Stream stream) {
  auto w = std::make_shared<Watcher>(Watcher{incident, key, std::move(stream)});
  {
    std::lock_guard lock(mu_);
    if (stop_) return w->stream.close();
    watchers_.push_back(std::move(w));
    added_ = true;
  }
  cv_.notify_all();
}

size_t BoardHub::streams() const {
  std::lock_guard lock(mu_);
  return watchers_.size();
}

void BoardHub::Stop() {
  std::vector<std::shared_ptr<Watcher>> closing;
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
    closing.swap(watchers_);
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& w : closing) w->stream.close();
}

void BoardHub::Loop() {
  auto next_beat = std::chrono::steady_clock::now() + std::chrono::milliseconds(kHeartbeatMs);
  uint64_t seen = UINT64_MAX;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(kPollMs), [this] { return stop_ || added_; });
      if (stop_) return;
      added_ = false;
    }
    const auto now = std::chrono::steady_clock::now();
    const bool beat = now >= next_beat;
    if (beat) next_beat = now + std::chrono::milliseconds(kHeartbeatMs);
    const uint64_t durable = seq_->durable_size();
    // A new stream, a durable advance (its state, and perhaps someone's
    // roles, changed) or a heartbeat: one pass.
    bool fresh = false;
    {
      std::lock_guard lock(mu_);
      for (const auto& w : watchers_) fresh |= w->sent_size == UINT64_MAX;
    }
    if (fresh || beat || durable != seen) Feed(beat);
    seen = durable;
  }
}

void BoardHub::Feed(bool heartbeat) {
  std::vector<std::shared_ptr<Watcher>> watchers;
  {
    std::lock_guard lock(mu_);
    watchers = watchers_;
  }
  // One state per incident watched, as of the signed tree head.
  std::map<uint64_t, Result<std::pair<uint64_t, std::string>>> states;
  std::vector<std::shared_ptr<Watcher>> gone;
  for (const auto& w : watchers) {
    bool alive = true;
    if (seq_->RolesOf(w->key) == 0) {
      (void)w->stream.send(
          SseMessage("revoked", R"({"error":"this key holds no role in the ledger any more"})"));
      alive = false;
    } else {
      auto it = states.find(w->incident);
      if (it == states.end()) it = states.emplace(w->incident, seq_->Board(w->incident)).first;
      const auto& state = it->second;
      if (!state.ok()) {
        alive = w->stream.send(SseMessage("failed", proto::EncodeError(state.status())));
        w->sent_size = 0;  // again when the ledger moves
      } else if (state->first != w->sent_size) {
        alive = w->stream.send(SseMessage("state", state->second));
        w->sent_size = state->first;
      } else if (heartbeat) {
        alive = w->stream.send(": heartbeat\n\n");
      }
    }
    if (!alive) gone.push_back(w);
  }
  if (gone.empty()) return;
  {
    std::lock_guard lock(mu_);
    std::erase_if(watchers_, [&](const auto& w) {
      return std::find(gone.begin(), gone.end(), w) != gone.end();
    });
  }
  for (auto& w : gone) w->stream.close();
}

}  // namespace custody
