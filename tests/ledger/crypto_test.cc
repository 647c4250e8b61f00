#include "ledger/crypto.h"

#include <secp256k1.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "ledger/base/encoding.h"
#include "tests/testutil.h"

using namespace custody;

TEST_CASE("BIP-340: every official vector signs and verifies as specified", "[ledger][bip340]") {
  std::istringstream in(test::ReadFile(test::TestData("bip340-test-vectors.csv")));
  std::string line;
  std::getline(in, line);  // header
  int rows = 0, signed_rows = 0, false_rows = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto c = test::SplitCsvLine(line);
    REQUIRE(c.size() >= 7);
    INFO("vector " << c[0] << ": " << (c.size() > 7 ? c[7] : ""));
    auto pub = DecodeHex32(c[2]);
    auto msg = DecodeHex(c[4]);
    auto sig_bytes = DecodeHex(c[5]);
    REQUIRE(pub.ok());
    REQUIRE(msg.ok());
    REQUIRE(sig_bytes.ok());
    REQUIRE(sig_bytes->size() == 64);
    Sig64 sig;
    std::copy(sig_bytes->begin(), sig_bytes->end(), sig.begin());
    const bool expected = c[6] == "TRUE";
    CHECK(VerifySchnorr(*pub, *msg, sig) == expected);
    if (!c[1].empty()) {
      Hash32 secret = DecodeHex32(c[1]).value();
      auto key = SecretKey::FromBytes(&secret);
      REQUIRE(key.ok());
      CHECK(IsZero(secret));  // FromBytes wipes what it was given
      CHECK(key->public_key() == *pub);
      auto made = key->SignWithAux(*msg, DecodeHex32(c[3]).value());
      REQUIRE(made.ok());
      CHECK(EncodeHex(*made) == EncodeHex(sig));
      ++signed_rows;
    }
    false_rows += !expected;
    ++rows;
  }
  CHECK(rows >= 15);
  CHECK(signed_rows >= 4);
  CHECK(false_rows >= 9);
}

TEST_CASE("BIP-340: a signature over one message does not verify another", "[ledger][bip340]") {
  auto key = SecretKey::Generate().value();
  Hash32 m{};
  auto sig = key.Sign(m).value();
  CHECK(VerifySchnorr(key.public_key(), m, sig));
  for (int i = 0; i < 32; ++i) {
    Hash32 other = m;
    other[i] ^= 1;
    CHECK_FALSE(VerifySchnorr(key.public_key(), other, sig));
  }
  for (int i = 0; i < 64; ++i) {
    Sig64 bad = sig;
    bad[i] ^= 0x80;
    CHECK_FALSE(VerifySchnorr(key.public_key(), m, bad));
  }
}

TEST_CASE("Tagged hash: SHA-256(SHA-256(tag) || SHA-256(tag) || data)", "[ledger][hash]") {
  const std::string tag = "custody/event/v1", data = "body bytes";
  Hash32 t = Sha256(AsSpan(tag));
  Bytes pre(t.begin(), t.end());
  pre.insert(pre.end(), t.begin(), t.end());
  pre.insert(pre.end(), data.begin(), data.end());
  CHECK(TaggedHash(tag, AsSpan(data)) == Sha256(pre));
  CHECK(EncodeHex(Sha256(AsSpan(""))) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("Tagged hash: equals libsecp256k1's secp256k1_tagged_sha256 for any tag and length",
          "[ledger][hash]") {
  std::string data;
  for (int len = 0; len < 300; ++len) {
    for (const std::string tag :
         {"custody/event/v1", "custody/checkpoint/v1", "BIP0340/challenge"}) {
      Hash32 want;
      REQUIRE(secp256k1_tagged_sha256(SecpContext(), want.data(),
                                      reinterpret_cast<const uint8_t*>(tag.data()), tag.size(),
                                      reinterpret_cast<const uint8_t*>(data.data()), data.size()));
      CHECK(TaggedHash(tag, AsSpan(data)) == want);
    }
    data.push_back(static_cast<char>(len * 7));
  }
}

TEST_CASE("SecretKey: rejects zero and out-of-range secrets", "[ledger][keys]") {
  Hash32 zero{};
  CHECK_FALSE(SecretKey::FromBytes(&zero).ok());
  Hash32 order =
      DecodeHex32("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141").value();
  CHECK_FALSE(SecretKey::FromBytes(&order).ok());
}
