#include "net/nip98.h"

#include "ledger/base/encoding.h"
#include "ledger/base/time.h"
#include "ledger/nostr.h"

namespace custody {
namespace {

constexpr std::string_view kScheme = "Nostr ";

Status Refused(const std::string& why) { return Status::Unauthorized("NIP-98 auth: " + why); }

// The value of the one tag named name; nullopt if absent, an error if repeated
// or without exactly one value.
Result<std::optional<std::string>> TagValue(const NostrTags& tags, std::string_view name) {
  std::optional<std::string> value;
  for (const auto& tag : tags) {
    if (tag.empty() || tag[0] != name) continue;
    if (value || tag.size() != 2)
      return Refused("malformed or repeated " + std::string(name) + " tag");
    value = tag[1];
  }
  return value;
}

}  // namespace

Result<std::string> Nip98Header(const SecretKey& key, std::string_view url, std::string_view method,
                                const std::optional<Hash32>& payload_sha256, int64_t created_at) {
  NostrTags tags = {{"u", std::string(url)}, {"method", std::string(method)}};
  if (payload_sha256) tags.push_back({"payload", EncodeHex(*payload_sha256)});
  // Two requests alike in the same second would make the same event, and
  // the second would be refused as a replay: a nonce tells them apart.
  Hash32 nonce;
  CUSTODY_RETURN_IF_ERROR(RandomBytes(nonce.data(), 16));
  tags.push_back({"nonce", EncodeHex(ByteSpan(nonce.data(), 16))});
  auto ev = SignNostrEvent(key, created_at, kNip98Kind, tags, "");
  if (!ev.ok()) return ev.status();
  return std::string(kScheme) + EncodeBase64(AsSpan(*ev));
}

Result<Nip98Auth> CheckNip98(std::string_view header, const Nip98Expect& expect) {
  if (header.empty()) return Refused("no Authorization header");
  if (header.size() > kMaxAuthorizationSize) return Refused("Authorization header too large");
  if (header.substr(0, kScheme.size()) != kScheme) return Refused("not a \"Nostr\" Authorization");
  auto json = DecodeBase64(header.substr(kScheme.size()));
  if (!json.ok()) return Refused("the event is not base64");
  return CheckNip98Event(
      std::string_view(reinterpret_cast<const char*>(json->data()), json->size()), expect);
}

Result<Nip98Auth> CheckNip98Event(std::string_view text, const Nip98Expect& expect) {
  auto ev = VerifyNostrEvent(text, kMaxAuthorizationSize);
  if (!ev.ok()) return Refused(ev.status().message());
  if (ev->kind != kNip98Kind) return Refused("kind " + std::to_string(ev->kind) + ", not 27235");
  const int64_t skew = ev->created_at - expect.now;
  if (skew > kNip98WindowSeconds || skew < -expect.max_age_s)
    return Refused("created_at is " + std::to_string(skew) + " s from the server's time " +
                   FormatTime(expect.now * 1000000000) + " (the window is " +
                   std::to_string(expect.max_age_s) + " s back, " +
                   std::to_string(kNip98WindowSeconds) + " s ahead; check this machine's clock)");
  if (ev->created_at < expect.not_before)
    return Refused("created before the server started (" +
                   FormatTime(expect.not_before * 1000000000) + "); make a new one");
  auto u = TagValue(ev->tags, "u");
  if (!u.ok()) return u.status();
  if (!*u || (!expect.url.empty() && **u != expect.url))
    return Refused("u tag does not name this URL");
  auto method = TagValue(ev->tags, "method");
  if (!method.ok()) return method.status();
  if (!*method || **method != expect.method)
    return Refused("method tag does not match the request");
  auto payload = TagValue(ev->tags, "payload");
  if (!payload.ok()) return payload.status();
  if (expect.payload_sha256) {
    if (!*payload) return Refused("no payload tag for a request with a body");
    if (**payload != EncodeHex(*expect.payload_sha256))
      return Refused("payload tag does not match the body");
  }
  return Nip98Auth{ev->pubkey, ev->id, ev->created_at, *payload, **u};
}

Result<std::string> MakeSigninToken(const SecretKey& key, std::string_view page_url,
                                    int64_t created_at) {
  Hash32 nonce;
  CUSTODY_RETURN_IF_ERROR(RandomBytes(nonce.data(), 16));
  NostrTags tags = {{"u", std::string(page_url)},
                    {"method", "GET"},
                    {"nonce", EncodeHex(ByteSpan(nonce.data(), 16))}};
  auto ev = SignNostrEvent(key, created_at, kNip98Kind, tags, "");
  if (!ev.ok()) return ev.status();
  std::string token = EncodeBase64(AsSpan(*ev));
  for (char& c : token) c = c == '+' ? '-' : (c == '/' ? '_' : c);
  while (!token.empty() && token.back() == '=') token.pop_back();
  return token;
}

Result<std::string> DecodeSigninToken(std::string_view token) {
  if (token.empty() || token.size() > kMaxAuthorizationSize * 4 / 3 + 4)
    return Status::InvalidArgument("sign-in token missing or too long");
  std::string b64(token);
  for (char& c : b64) {
    if (c == '+' || c == '/' || c == '=')
      return Status::InvalidArgument("sign-in token is not base64url");
    c = c == '-' ? '+' : (c == '_' ? '/' : c);
  }
  while (b64.size() % 4) b64 += '=';
  auto json = DecodeBase64(b64);
  if (!json.ok()) return Status::InvalidArgument("sign-in token is not base64url");
  return std::string(json->begin(), json->end());
}

bool PayloadMatches(const Nip98Auth& auth, const Hash32& body_sha256) {
  return auth.payload && *auth.payload == EncodeHex(body_sha256);
}

}  // namespace custody
