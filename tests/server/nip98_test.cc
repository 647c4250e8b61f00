// NIP-98 as the server checks it (net/nip98.h): what is accepted, and each
// reason for a refusal.
#include "net/nip98.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "ledger/base/encoding.h"
#include "ledger/nostr.h"

using namespace custody;

namespace {

constexpr int64_t kNow = 1796187995;
const std::string kUrl = "https://custody.example:8443/v1/events?from=3";

Nip98Expect Expect(std::optional<Hash32> payload = std::nullopt) {
  Nip98Expect e;
  e.url = kUrl;
  e.method = "GET";
  e.payload_sha256 = payload;
  e.now = kNow;
  e.not_before = kNow - 3600;
  return e;
}

// A header around any event, signed by key.
std::string Header(const SecretKey& key, int kind, const NostrTags& tags, int64_t created_at) {
  auto ev = SignNostrEvent(key, created_at, kind, tags, "");
  return "Nostr " + EncodeBase64(AsSpan(ev.value()));
}

}  // namespace

TEST_CASE("NIP-98: a header made by Nip98Header is accepted for its URL, method and body",
          "[nip98]") {
  auto key = SecretKey::Generate().value();
  auto h = Nip98Header(key, kUrl, "GET", std::nullopt, kNow).value();
  auto auth = CheckNip98(h, Expect());
  REQUIRE(auth.ok());
  CHECK(auth->pubkey == key.public_key());
  CHECK(auth->created_at == kNow);
  // Two alike in the same second differ (a nonce): neither is a replay of the other.
  auto h2 = Nip98Header(key, kUrl, "GET", std::nullopt, kNow).value();
  CHECK(CheckNip98(h2, Expect())->event_id != auth->event_id);
  const Hash32 body = Sha256(AsSpan(std::string("{}")));
  auto post = Nip98Header(key, kUrl, "POST", body, kNow).value();
  auto e = Expect(body);
  e.method = "POST";
  CHECK(CheckNip98(post, e).ok());
  CHECK(PayloadMatches(*CheckNip98(post, e), body));
  CHECK_FALSE(PayloadMatches(*CheckNip98(post, e), Sha256(AsSpan(std::string("[]")))));
}

TEST_CASE("NIP-98: each wrong part is refused, Unauthorized, with its reason", "[nip98]") {
  auto key = SecretKey::Generate().value();
  auto refused = [](const std::string& header, const Nip98Expect& e, const std::string& why) {
    auto r = CheckNip98(header, e);
    INFO(why);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().IsUnauthorized());
    CHECK(r.status().message().find(why) != std::string::npos);
  };
  const NostrTags good = {{"u", kUrl}, {"method", "GET"}};
  refused("", Expect(), "no Authorization");
  refused("Bearer abc", Expect(), "not a \"Nostr\"");
  refused("Nostr !!!", Expect(), "not base64");
  refused("Nostr " + std::string(5000, 'A'), Expect(), "too large");
  refused(Header(key, 1, good, kNow), Expect(), "kind 1");
  refused(Header(key, kNip98Kind, good, kNow - 61), Expect(), "server's time");
  refused(Header(key, kNip98Kind, good, kNow + 61), Expect(), "server's time");
  auto started = Expect();
  started.not_before = kNow + 1;
  refused(Header(key, kNip98Kind, good, kNow), started, "before the server started");
  refused(Header(key, kNip98Kind, {{"method", "GET"}}, kNow), Expect(), "u tag");
  refused(Header(key, kNip98Kind, {{"u", kUrl + "&x=1"}, {"method", "GET"}}, kNow), Expect(),
          "u tag");
  refused(Header(key, kNip98Kind, {{"u", kUrl}, {"u", kUrl}, {"method", "GET"}}, kNow), Expect(),
          "repeated u tag");
  refused(Header(key, kNip98Kind, {{"u", kUrl}, {"method", "POST"}}, kNow), Expect(), "method");
  const Hash32 body = Sha256(AsSpan(std::string("{}")));
  refused(Header(key, kNip98Kind, good, kNow), Expect(body), "no payload tag");
  refused(Header(key, kNip98Kind,
                 {{"u", kUrl}, {"method", "GET"}, {"payload", EncodeHex(Hash32{})}}, kNow),
          Expect(body), "payload tag does not match");
  // A valid event with one byte of its signature changed.
  auto ev = nlohmann::json::parse(SignNostrEvent(key, kNow, kNip98Kind, good, "").value());
  std::string sig = ev["sig"];
  sig[10] = sig[10] == '0' ? '1' : '0';
  ev["sig"] = sig;
  refused("Nostr " + EncodeBase64(AsSpan(ev.dump())), Expect(), "signature");
  // Content changed after signing: the id no longer matches.
  auto ev2 = nlohmann::json::parse(SignNostrEvent(key, kNow, kNip98Kind, good, "").value());
  ev2["content"] = "x";
  refused("Nostr " + EncodeBase64(AsSpan(ev2.dump())), Expect(), "id does not match");
}
