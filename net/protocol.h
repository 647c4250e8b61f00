// The wire protocol between `custody serve` and its clients (docs/server.md):
// paths and limits, the framing of event streams, leases, promises, and
// errors as JSON. Both ends use these and nothing else, so they cannot drift.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/base/bytes.h"
#include "ledger/base/status.h"
#include "ledger/crypto.h"
#include "ledger/draft.h"

namespace custody::proto {

// Limits (docs/server.md "Limits").
inline constexpr size_t kMaxBody = 1 << 20;               // every body but evidence
inline constexpr size_t kMaxEventsAnswer = 4 << 20;       // bytes of events per answer
inline constexpr uint64_t kMaxLeaseCount = 1 << 20;       // events under one lease
inline constexpr uint64_t kMaxLeaseBytes = 512ull << 20;  // bytes under one lease
inline constexpr size_t kMaxLeaseSubjects = 16384;
inline constexpr int kLeaseIdleMs = 1000;   // a lease lapses after this long without a chunk
inline constexpr int kLeaseWaitMs = 10000;  // a lease request waits this long, then 503

// Paths.
inline constexpr std::string_view kHealthz = "/healthz";
inline constexpr std::string_view kInfo = "/v1/info";
inline constexpr std::string_view kEvents = "/v1/events";  // ?from=N&limit=M, or /SEQ
inline constexpr std::string_view kConsistency = "/v1/proof/consistency";  // ?from=N
inline constexpr std::string_view kInclusion = "/v1/proof/inclusion";      // ?seq=S&size=N
inline constexpr std::string_view kLease = "/v1/lease";
inline constexpr std::string_view kAppend = "/v1/append";
inline constexpr std::string_view kBlobs = "/v1/blobs";  // POST, or GET /HASH
inline constexpr std::string_view kCheckpointRequest = "/v1/checkpoint";
inline constexpr std::string_view kBackup = "/v1/backup";
inline constexpr std::string_view kTlogCheckpoint = "/tlog/checkpoint";
inline constexpr std::string_view kTlogPrefix = "/tlog/";  // + ParseTilePath's "tile/…"
// The incident board (docs/server.md "The incident board").
inline constexpr std::string_view kSignin = "/v1/signin";         // ?token=T, or POST (NIP-07)
inline constexpr std::string_view kSignout = "/v1/signout";       // POST
inline constexpr std::string_view kAssets = "/v1/assets/";        // + a file name, public
inline constexpr std::string_view kIncidents = "/v1/incidents/";  // + INC-n/board[/state|/events]
inline constexpr std::string_view kSessionCookie = "custody_session";

// /v1/incidents/INC-n/board, /board/state and /board/events.
struct BoardPath {
  enum Kind { kPage, kState, kEvents } kind = kPage;
  uint64_t incident = 0;
};
// nullopt if path is not a board path.
std::optional<BoardPath> ParseBoardPath(std::string_view path);
std::string BoardPagePath(uint64_t incident);
// The value of cookie `name` in a Cookie header ("" if absent).
std::string CookieValue(std::string_view header, std::string_view name);

// Headers.
inline constexpr std::string_view kLeaseHeader = "Custody-Lease";
inline constexpr std::string_view kMoreHeader = "Custody-More";  // "1": more chunks follow
inline constexpr std::string_view kSha256Header = "Custody-Sha256";

// Event streams: each event as a 4-byte big-endian length and its bytes.
void AppendFramed(ByteSpan event, std::string* out);
Result<std::vector<Bytes>> ParseFramed(std::string_view body, size_t max_events);

// GET /v1/info: who the server is.
struct Info {
  std::string origin;  // "custody/<hex ledger id>"; "" while awaiting the genesis
  std::string name;
  Hash32 notary{};
  int64_t time = 0;         // the server's clock, Unix seconds
  Hash32 awaiting_admin{};  // serve --init: the admin whose genesis it waits for
};
std::string EncodeInfo(const Info& info);
Result<Info> ParseInfo(std::string_view json);

// POST /v1/lease: the next `count` positions, for events about `subjects`.
struct LeaseRequest {
  uint64_t count = 1;
  std::vector<Hash32> subjects;
};
std::string EncodeLeaseRequest(const LeaseRequest& r);
Result<LeaseRequest> ParseLeaseRequest(std::string_view json);

// The answer: where the events go. The client builds each body at pos (seq,
// prev id advancing with each event), back-links each subject to
// last_about[subject] (0: none) as advanced by its own events, signs, and
// submits under token before the lease lapses.
struct Lease {
  std::string token;
  uint64_t count = 0;
  Position pos;
  uint32_t format = 0;
  std::map<Hash32, uint64_t> last_about;
};
std::string EncodeLease(const Lease& l);
Result<Lease> ParseLease(std::string_view json);

// POST /v1/append's answer: where the events went, and the notary's promise
// that they are in the log. The client knows its events' ids (it signed
// them): the answer names the last one only, whatever the count.
struct AppendAnswer {
  uint64_t first = 0;
  uint64_t count = 0;
  Hash32 last_id{};
  int64_t recorded_ns = 0;
  std::string promise;  // a signed note (PromiseText)
};
std::string EncodeAppendAnswer(const AppendAnswer& a);
Result<AppendAnswer> ParseAppendAnswer(std::string_view json);

// A promise: the notary's signed statement that events first..first+count-1
// are in the log, the last with id last_id. The last event chains back to the
// others, so its inclusion proves theirs. A signed note under the origin's key
// name, tag kPromiseTag.
inline constexpr std::string_view kPromiseTag = "custody/promise/v1";
struct Promise {
  std::string origin;
  uint64_t first = 0;
  uint64_t count = 0;
  Hash32 last_id{};
};
std::string PromiseText(const Promise& p);
Result<std::string> SignPromise(const SecretKey& notary, const Promise& p);
// Checks a promise note's signature by notary and returns what it promises.
Result<Promise> VerifyPromise(std::string_view note, const Hash32& notary);

// POST /v1/backup: {"out": "/absolute/path"} on the server's machine.
std::string EncodeBackupRequest(const std::string& out_dir);
// The path, absolute, without "." or ".." components.
Result<std::string> ParseBackupRequest(std::string_view json);

// POST /v1/blobs' answer.
struct Staged {
  Hash32 sha256{};
  uint64_t size = 0;
};
std::string EncodeStaged(const Staged& s);
Result<Staged> ParseStaged(std::string_view json);

// Errors travel as {"code": <Status::Code>, "error": "<message>"} with the
// HTTP status HttpStatusOf(code); the client rebuilds the Status, so a remote
// command fails with the message and exit code of a local one.
unsigned HttpStatusOf(const Status& s);
std::string EncodeError(const Status& s);
Status DecodeError(unsigned http_status, std::string_view body);

// Query parameters of a target ("/v1/events?from=3&limit=10"): the path and
// each name's decimal value; InvalidArgument for anything else.
struct Target {
  std::string path;
  std::map<std::string, uint64_t> params;
  std::string token;  // token=: a sign-in token (base64url), the one text parameter
};
Result<Target> ParseTarget(std::string_view target);

}  // namespace custody::proto
