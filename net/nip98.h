// NIP-98 HTTP Auth: every request to a server carries a kind-27235 Nostr
// event signed by the client's key, in "Authorization: Nostr <base64 JSON>",
// naming the URL, the method and (for a body) the body's SHA-256. The client
// makes one per request (Nip98Header); the server checks it (CheckNip98) and
// keeps the replay window (server/auth.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ledger/base/status.h"
#include "ledger/crypto.h"

namespace custody {

inline constexpr int kNip98Kind = 27235;
// SPEC: NIP-98 — created_at within a reasonable window; ours is 60 s either way.
inline constexpr int64_t kNip98WindowSeconds = 60;
// The longest Authorization header accepted (a NIP-98 event is ~500 bytes).
inline constexpr size_t kMaxAuthorizationSize = 4096;

// "Nostr <base64>" for a request of `method` to `url` (the absolute URL,
// query included), created at created_at (Unix seconds). payload_sha256: the
// SHA-256 of the body, for a request that carries one in the payload tag.
Result<std::string> Nip98Header(const SecretKey& key, std::string_view url, std::string_view method,
                                const std::optional<Hash32>& payload_sha256, int64_t created_at);

struct Nip98Expect {
  std::string url;     // the absolute URL the server answers for, query included
  std::string method;  // "GET", "POST"
  // The body's SHA-256 when the request has a body the tag must name;
  // nullopt: no payload tag is required (one, if present, is not checked).
  std::optional<Hash32> payload_sha256;
  int64_t now = 0;         // the server's clock, Unix seconds
  int64_t not_before = 0;  // events created earlier are refused (server start)
  // How old an event may be (a browser sign-in token lives longer than a
  // request's event). It may never be more than kNip98WindowSeconds ahead.
  int64_t max_age_s = kNip98WindowSeconds;
};

struct Nip98Auth {
  Hash32 pubkey{};
  Hash32 event_id{};  // for the replay window
  int64_t created_at = 0;
  // The payload tag's value, if any: a server that checks the headers
  // before it reads the body compares it with the body's hash afterwards
  // (PayloadMatches).
  std::optional<std::string> payload;
  std::string url;  // the u tag
};
// Whether auth's payload tag names body_sha256 (false without a tag).
bool PayloadMatches(const Nip98Auth& auth, const Hash32& body_sha256);

// Checks the header against the request: form, size, kind, id and signature,
// the u and method tags, the payload tag, and created_at within
// kNip98WindowSeconds of now and not before not_before. Unauthorized with the
// reason otherwise (clock skew names the server's time and the skew).
Result<Nip98Auth> CheckNip98(std::string_view authorization, const Nip98Expect& expect);
// The same checks of the event itself (JSON, at most kMaxAuthorizationSize
// bytes). An empty expect.url accepts any u tag: the caller checks auth.url.
Result<Nip98Auth> CheckNip98Event(std::string_view json, const Nip98Expect& expect);

// Browser sign-in (docs/server.md, "The incident board"): `custody open`
// signs a kind-27235 event naming the board's URL and the method GET, and
// hands it to the browser as a token in the sign-in URL; a NIP-07 extension
// signs the same event with the method POST. Valid kSigninTokenSeconds.
inline constexpr int64_t kSigninTokenSeconds = 300;
// The token: the event's JSON in unpadded base64url.
Result<std::string> MakeSigninToken(const SecretKey& key, std::string_view page_url,
                                    int64_t created_at);
// The event's JSON from a token; InvalidArgument if it is not base64url.
Result<std::string> DecodeSigninToken(std::string_view token);

}  // namespace custody
