// The package format's parsers on their own: manifests, paths, index.json and
// the bag signature. Hostile input gets an error, never a crash.
#include <catch2/catch.hpp>

#include "evidence/package.h"
#include "ledger/base/encoding.h"

using namespace custody;
using namespace custody::package;

namespace {
const std::string kHash = std::string(64, 'a');
}

TEST_CASE("Package: bag paths are plain relative names, nothing that could leave the bag",
          "[package]") {
  for (std::string p : {std::string("data/events/12.event"), std::string("bagit.txt"),
                        "data/blobs/sha256/" + kHash})
    CHECK(IsSafeBagPath(p));
  for (auto p : {"", "/etc/passwd", "../x", "data/../x", "data//x", "data/./x", "data/a b",
                 "data\\x", "data/x/", "data/\xc3\xa9", "data/x\n"})
    CHECK_FALSE(IsSafeBagPath(p));
}

TEST_CASE("Package: manifests round-trip sorted, and every malformed line is refused",
          "[package]") {
  Hash32 a{}, b{};
  b[0] = 1;
  std::string text = FormatManifest({{"data/z", a}, {"data/a", b}});
  CHECK(text == EncodeHex(b) + "  data/a\n" + EncodeHex(a) + "  data/z\n");
  auto parsed = ParseManifest(text, "m");
  REQUIRE(parsed.ok());
  REQUIRE(parsed->size() == 2);
  CHECK(parsed->at(0).path == "data/a");
  CHECK(parsed->at(0).sha256 == b);
  CHECK(ParseManifest(kHash + " data/x\n", "m").ok());  // one space is BagIt too
  // Lines built by appending: g++ 12 warns (-Warray-bounds, wrongly) on
  // chains of std::string temporaries and literals.
  auto cat = [](std::initializer_list<std::string_view> parts) {
    std::string out;
    for (auto p : parts) out += p;
    return out;
  };
  const std::string short_hash(63, 'a'), not_hex(64, 'g');
  for (const std::string& bad : {cat({kHash, "  data/x"}),  // no final newline
                                 cat({kHash, "  ../x\n"}), cat({kHash, "  /abs\n"}),  // traversal
                                 cat({kHash, "  data/x\n", kHash, "  data/x\n"}),  // listed twice
                                 cat({short_hash, "  data/x\n"}),                  // short hash
                                 cat({not_hex, "  data/x\n"}),                     // not hex
                                 cat({kHash, "  data/x\r\n"}),                     // CR
                                 cat({kHash, "\tdata/x\n"}), std::string("\n")})
    CHECK(ParseManifest(bad, "m").status().IsVerificationFailed());
}

TEST_CASE("Package: index.json round-trips and refuses what it does not expect", "[package]") {
  Index x;
  x.ledger_id[0] = 7;
  x.ledger_name = "drill";
  x.user = SecretKey::Generate().value().public_key();
  x.checkpoint_size = 10;
  x.exporter = *x.user;
  x.events = {2, 5};
  x.membership = {0, 1};
  x.users = {{*x.user, {2, 5}}};
  x.blobs = {{Hash32{}, 12, true}};
  const std::string text = FormatIndex(x);
  auto back = ParseIndex(text);
  REQUIRE(back.ok());
  CHECK(FormatIndex(*back) == text);

  auto refused = [&](std::string what, std::string from, std::string to) {
    std::string t = text;
    auto at = t.find(from);
    REQUIRE(at != std::string::npos);
    t.replace(at, from.size(), to);
    INFO(what);
    CHECK(ParseIndex(t).status().IsVerificationFailed());
  };
  refused("not ascending", "\"events\": [\n    2,\n    5", "\"events\": [\n    5,\n    2");
  refused("past the checkpoint", "\"size\": 10", "\"size\": 5");
  refused("unknown field", "\"format\"", "\"extra\": 1, \"format\"");
  refused("negative number", "\"size\": 12", "\"size\": -12");
  refused("latest not last", "\"latest\": 5", "\"latest\": 2");
  refused("bad scope", "\"scope\": \"user\"", "\"scope\": \"everyone\"");
  CHECK(ParseIndex(std::string(100000, '['))
            .status()
            .IsVerificationFailed());  // depth, not a stack overflow
  CHECK(ParseIndex("{\"format\": \"\xff\"}").status().IsVerificationFailed());
  CHECK(ParseIndex("").status().IsVerificationFailed());
}

TEST_CASE("Package: the bag signature is deterministic and bound to its exporter", "[package]") {
  auto key = SecretKey::Generate().value();
  BagSignature w{"custody/" + std::string(64, '0'), 10, Hash32{}, key.public_key()};
  auto one = SignBag(key, w), two = SignBag(key, w);
  REQUIRE(one.ok());
  CHECK(*one == *two);
  auto back = VerifyBagSignature(*one);
  REQUIRE(back.ok());
  CHECK(back->exporter == key.public_key());
  CHECK(back->checkpoint_size == 10);
  // Naming another exporter than the signer fails.
  auto other = SecretKey::Generate().value();
  w.exporter = other.public_key();
  auto lying = SignBag(key, w);
  REQUIRE(lying.ok());
  CHECK(VerifyBagSignature(*lying).status().IsVerificationFailed());
  std::string flipped = *one;
  flipped[flipped.find("checkpoint 10") + 11] = '2';
  CHECK(VerifyBagSignature(flipped).status().IsVerificationFailed());
}
