// The incident board's server side (docs/server.md, "The incident board"):
// browser sessions, and the live streams (Server-Sent Events) that carry an
// incident's state to open pages as events become durable.
//
// A session is a random cookie value naming a member's key; it is good while
// it is younger than kSessionLifetime and the key holds a role. A stream
// gets the incident's state when it opens and again whenever the ledger's
// signed tree head moves, a heartbeat every kHeartbeat, and is closed when
// its member loses every role, when the session ends, and on Stop.
//
// Thread safety: every function may be called from any thread. Streams are
// fed from the hub's own thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ledger/base/bytes.h"
#include "ledger/base/status.h"
#include "server/sequencer.h"

namespace custody {

class BoardHub {
 public:
  static constexpr int64_t kSessionLifetimeS = 12 * 3600;  // a shift
  static constexpr size_t kMaxSessions = 10000;
  static constexpr int kHeartbeatMs = 15000;
  static constexpr int kPollMs = 100;  // how often the tree head is looked at

  explicit BoardHub(Sequencer* seq);
  ~BoardHub();

  // A new session for key: the cookie value (64 hex characters).
  Result<std::string> NewSession(const Hash32& key);
  // The key of a live session whose member still holds a role; nullopt
  // otherwise (and the session is forgotten).
  std::optional<Hash32> SessionKey(std::string_view cookie);
  void EndSession(std::string_view cookie);

  // One open page. send(chunk) queues bytes for the browser and returns
  // false once the connection is gone; close() ends the connection.
  struct Stream {
    std::function<bool(std::string)> send;
    std::function<void()> close;
  };
  // Starts feeding stream with the incident's state, as seen by key.
  void Subscribe(uint64_t incident, const Hash32& key, Stream stream);
  size_t streams() const;

  // Closes every stream and stops the thread.
  void Stop();

 private:
  struct Watcher {
    uint64_t incident;
    Hash32 key;
    Stream stream;
    uint64_t sent_size = UINT64_MAX;  // the tree size of the state last sent
  };
  void Loop();
  // One pass: states for the incidents watched, heartbeats, revocations.
  void Feed(bool heartbeat);

  Sequencer* const seq_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool added_ = false;  // a stream waits for its first state
  std::map<std::string, std::pair<Hash32, int64_t>> sessions_;  // cookie -> key, expiry (s)
  std::vector<std::shared_ptr<Watcher>> watchers_;
  std::thread thread_;
};

// An SSE message: "event: NAME\ndata: DATA\n\n" (data on one line).
std::string SseMessage(std::string_view name, std::string_view data);

}  // namespace custody
