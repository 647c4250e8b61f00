// What the HTTP front end answers, apart from Beast: the response type, the
// incident board's pages and their security headers, browser sign-in, the
// replay window of signed requests, and the public tree's caching rules
// (docs/server.md). No rule of the ledger lives here.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/base/bytes.h"
#include "ledger/base/status.h"

namespace custody {

// A response: a body in memory, a file (a blob) streamed from disk, or the
// start of an event stream (the board).
struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string file;  // when set, the body is this file's content
  std::string cache_control = "no-store";
  std::vector<std::pair<std::string, std::string>> headers;  // more fields
  // An event stream for the board of stream_incident, seen by stream_key.
  bool stream = false;
  uint64_t stream_incident = 0;
  Hash32 stream_key{};
};

Response ErrorResponse(const Status& s, unsigned status = 0);
Response Text(std::string body, std::string type = "text/plain; charset=utf-8");
// 303 See Other to a path of this server.
Response Redirect(const std::string& path);

// The board's page (the same for every incident: its script reads the
// path), with the headers every page carries: a Content-Security-Policy that
// allows nothing but this server's own script, style and connections, no
// framing, no referrer.
Response BoardPage();
// The sign-in page: how to get a link (custody open), and NIP-07 sign-in
// for incident (0: none named). message: why the visitor is here.
Response SigninPage(std::string_view public_url, uint64_t incident, std::string_view message,
                    unsigned status);
// /v1/assets/NAME: the board's script and style; nullopt for any other name.
std::optional<Response> Asset(std::string_view name);
// The start of the board's event stream (text/event-stream, never cached,
// X-Accel-Buffering: no so that a proxy passes every event on at once).
Response EventStream(uint64_t incident, const Hash32& key);

// The session cookie's Set-Cookie value: HttpOnly, SameSite=Strict, Path=/,
// Secure over TLS. An empty value clears it.
std::string SessionCookie(std::string_view value, bool secure);

// A browser sign-in: the event (a token's, or a NIP-07 extension's) checked
// as NIP-98 (signature, kind, age at most max_age_s, not before the server
// started, the method) and its u tag naming a board page of this server.
struct SigninClaim {
  Hash32 key{};
  Hash32 event_id{};
  int64_t created_at = 0;
  uint64_t incident = 0;  // the board it opens
};
Result<SigninClaim> CheckSignin(std::string_view event_json, std::string_view method,
                                std::string_view public_url, int64_t now, int64_t not_before,
                                int64_t max_age_s);

// Seen signed events (NIP-98 requests and sign-ins), kept while they could
// still be accepted: a second use is refused. Across a restart, events made
// before the server started are refused by their checks' not_before.
class ReplayGuard {
 public:
  // False if id was already used.
  bool Use(const Hash32& id, int64_t created_at, int64_t now);

 private:
  std::mutex mu_;
  std::set<Hash32> seen_;
  std::multimap<int64_t, Hash32> by_time_;
};

// The public tree (C2SP tlog-tiles): a tile or bundle, immutable, cached
// long; the checkpoint, mutable, cached a few seconds at most.
// public: a hash tile (any cache may keep it); otherwise an entry bundle,
// which carries events (only the member's own cache may).
Response TileResponse(std::string bytes, bool public_tile);
Response CheckpointResponse(std::string note);

}  // namespace custody
