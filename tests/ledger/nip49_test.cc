// NIP-49 encrypted secret keys: the published vector, round trips, and every
// refusal (wrong passphrase, tampering, version, log_n, non-ASCII).
#include "ledger/nip49.h"

#include <catch2/catch.hpp>

#include "ledger/base/encoding.h"
#include "tests/testutil.h"

using namespace custody;

namespace {

// A valid ncryptsec with one payload byte changed and the checksum made right
// again (so the bech32 layer accepts it and NIP-49's own checks must refuse).
std::string Altered(const std::string& ncryptsec, size_t at, uint8_t value) {
  auto d = DecodeBech32(ncryptsec, 200).value();
  d.data[at] = value;
  return EncodeBech32("ncryptsec", ByteSpan(d.data.data(), d.data.size()));
}

}  // namespace

TEST_CASE("NIP-49: the published vector decrypts to its secret", "[nip49]") {
  auto v = test::NostrVectors();
  Ncryptsec info;
  auto key = DecryptNip49(v.at("nip49.ncryptsec"), v.at("nip49.password"), &info);
  INFO(key.status().message());
  REQUIRE(key.ok());
  Hash32 secret{};
  key->CopySecretForKeyFile(&secret);
  CHECK(EncodeHex(secret) == v.at("nip49.secret.hex"));
  CHECK(info.log_n == std::stoi(v.at("nip49.log_n")));
}

TEST_CASE("NIP-49: a round trip, each security byte, and different salts every time", "[nip49]") {
  auto key = SecretKey::Generate().value();
  const std::string a = EncryptNip49(key, "correct horse", 16, KeySecurity::kKnownInsecure).value();
  const std::string b = EncryptNip49(key, "correct horse", 16, KeySecurity::kUnknown).value();
  CHECK(a.rfind("ncryptsec1", 0) == 0);
  CHECK(a.size() == 162);
  CHECK(a != b);
  Ncryptsec info;
  CHECK(DecryptNip49(a, "correct horse", &info).value().public_key() == key.public_key());
  CHECK(info.security == KeySecurity::kKnownInsecure);
  CHECK(DecryptNip49(b, "correct horse", &info).value().public_key() == key.public_key());
  CHECK(info.security == KeySecurity::kUnknown);
  CHECK(IsNcryptsec("  " + a + "\n"));
  CHECK_FALSE(IsNcryptsec(key.EncodeNsecForKeyFile()));
}

TEST_CASE("NIP-49: wrong passphrases, tampering, versions and costs are refused", "[nip49]") {
  auto key = SecretKey::Generate().value();
  const std::string good = EncryptNip49(key, "pw", 16, KeySecurity::kUnknown).value();
  auto refused = [](const std::string& text, const std::string& pass) {
    auto r = DecryptNip49(text, pass);
    CHECK(r.status().code() == Status::Code::kInvalidArgument);
    return r.ok() ? std::string("accepted") : r.status().message();
  };
  CHECK(refused(good, "PW") == "ncryptsec: wrong passphrase, or the encrypted key was altered");
  // The tag, the ciphertext, the nonce, the salt, the security byte (the
  // associated data, 2 -> 0): each changed.
  for (size_t at : {90u, 50u, 30u, 5u}) {
    auto d = DecodeBech32(good, 200).value();
    CHECK(refused(Altered(good, at, static_cast<uint8_t>(d.data[at] ^ 1)), "pw") ==
          "ncryptsec: wrong passphrase, or the encrypted key was altered");
  }
  CHECK(refused(Altered(good, 42, 0), "pw") ==
        "ncryptsec: wrong passphrase, or the encrypted key was altered");
  CHECK(refused(Altered(good, 42, 3), "pw") == "ncryptsec: key security byte 3 is not 0, 1 or 2");
  CHECK(refused(Altered(good, 0, 1), "pw") == "ncryptsec: version 1; this custody reads version 2");
  CHECK(refused(Altered(good, 1, 15), "pw") == "scrypt log_n 15: this custody accepts 16 to 22");
  // log_n 40 would ask scrypt for 128 TiB: refused before any memory is taken.
  CHECK(refused(Altered(good, 1, 40), "pw") == "scrypt log_n 40: this custody accepts 16 to 22");
  CHECK(refused(good.substr(0, 150), "pw").rfind("ncryptsec: bech32", 0) == 0);
  CHECK(refused("n" + good, "pw").rfind("ncryptsec: ", 0) == 0);
  CHECK(refused(good, "").find("empty") != std::string::npos);
  CHECK(refused(good, "p\xc3\xa4ss").find("not printable ASCII") != std::string::npos);
  CHECK_FALSE(EncryptNip49(key, "pw", 23, KeySecurity::kUnknown).ok());
  CHECK_FALSE(EncryptNip49(key, "pw", 15, KeySecurity::kUnknown).ok());
}
