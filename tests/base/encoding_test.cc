#include "ledger/base/encoding.h"

#include <catch2/catch.hpp>
#include <random>

#include "tests/testutil.h"

using namespace custody;

namespace {

// BIP-173's checksum, written out again here so tests can build strings with
// a valid checksum over arbitrary 5-bit data (e.g. non-zero padding).
uint32_t RefPolyMod(const std::vector<uint8_t>& v) {
  const uint32_t g[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t c = 1;
  for (uint8_t x : v) {
    uint8_t b = c >> 25;
    c = (c & 0x1ffffff) << 5 ^ x;
    for (int i = 0; i < 5; ++i)
      if ((b >> i) & 1) c ^= g[i];
  }
  return c;
}

std::string RefEncode5(const std::string& hrp, const std::vector<uint8_t>& data5,
                       uint32_t constant) {
  const char* cs = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  std::vector<uint8_t> v;
  for (char c : hrp) v.push_back(c >> 5);
  v.push_back(0);
  for (char c : hrp) v.push_back(c & 31);
  v.insert(v.end(), data5.begin(), data5.end());
  v.resize(v.size() + 6);
  uint32_t mod = RefPolyMod(v) ^ constant;
  std::string out = hrp + "1";
  for (uint8_t d : data5) out += cs[d];
  for (int i = 0; i < 6; ++i) out += cs[(mod >> (5 * (5 - i))) & 31];
  return out;
}

std::vector<uint8_t> To5(const Hash32& h) {
  std::vector<uint8_t> out;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : h) {
    acc = acc << 8 | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back((acc >> bits) & 31);
    }
  }
  if (bits) out.push_back((acc << (5 - bits)) & 31);
  return out;
}

}  // namespace

TEST_CASE("Hex: round trip and rejects bad digits and odd lengths", "[base][hex]") {
  Bytes b = {0x00, 0x01, 0xab, 0xff};
  CHECK(EncodeHex(b) == "0001abff");
  CHECK(DecodeHex("0001ABff").value() == b);
  CHECK_FALSE(DecodeHex("abc").ok());
  CHECK_FALSE(DecodeHex("zz").ok());
  CHECK_FALSE(DecodeHex32("00").ok());
}

TEST_CASE("NIP-19: the official npub and nsec vectors decode and encode", "[base][bech32]") {
  auto v = test::NostrVectors();
  auto npub = DecodeNpub(v["nip19.npub"]);
  REQUIRE(npub.ok());
  CHECK(EncodeHex(*npub) == v["nip19.npub.hex"]);
  CHECK(EncodeNpub(*npub) == v["nip19.npub"]);
  auto nsec = DecodeNsec(v["nip19.nsec"]);
  REQUIRE(nsec.ok());
  CHECK(EncodeHex(*nsec) == v["nip19.nsec.hex"]);
  CHECK(EncodeNsec(*nsec) == v["nip19.nsec"]);
}

TEST_CASE("NIP-19: random keys round trip, uppercase accepted", "[base][bech32]") {
  std::mt19937 rng(7);
  for (int i = 0; i < 200; ++i) {
    Hash32 k;
    for (auto& b : k) b = static_cast<uint8_t>(rng());
    std::string n = EncodeNpub(k);
    CHECK(n.size() == 63);
    CHECK(DecodeNpub(n).value() == k);
    std::string upper = n;
    for (auto& c : upper) c = static_cast<char>(std::toupper(c));
    CHECK(DecodeNpub(upper).value() == k);
    CHECK(DecodeNsec(EncodeNsec(k)).value() == k);
  }
}

TEST_CASE("NIP-19: every single-character substitution is rejected", "[base][bech32]") {
  const std::string npub = test::NostrVectors()["nip19.npub"];
  const std::string charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  size_t tried = 0;
  for (size_t pos = 5; pos < npub.size(); ++pos) {
    for (char c : charset) {
      if (c == npub[pos]) continue;
      std::string bad = npub;
      bad[pos] = c;
      INFO(bad);
      CHECK_FALSE(DecodeNpub(bad).ok());
      ++tried;
    }
  }
  CHECK(tried == (npub.size() - 5) * 31);
}

TEST_CASE("NIP-19: wrong prefix, wrong length, bad padding, bech32m are rejected",
          "[base][bech32]") {
  auto v = test::NostrVectors();
  // An nsec where an npub is wanted, and the other way round.
  CHECK(DecodeNpub(v["nip19.nsec"]).status().message().find("expected prefix \"npub\"") !=
        std::string::npos);
  CHECK_FALSE(DecodeNsec(v["nip19.npub"]).ok());
  // A valid bech32 string under another HRP.
  Hash32 k{};
  k[0] = 1;
  CHECK_FALSE(DecodeNpub(EncodeBech32("note", k)).ok());
  // 31 and 33 bytes under the right HRP.
  CHECK_FALSE(DecodeNpub(EncodeBech32("npub", Bytes(31, 7))).ok());
  CHECK_FALSE(DecodeNpub(EncodeBech32("npub", Bytes(33, 7))).ok());
  // Non-zero padding bits with a valid checksum.
  auto data5 = To5(k);
  data5.back() |= 1;
  CHECK(DecodeBech32(RefEncode5("npub", data5, 1)).status().message().find("padding") !=
        std::string::npos);
  // The same data with the bech32m constant: a checksum error in bech32.
  CHECK_FALSE(DecodeNpub(RefEncode5("npub", To5(k), 0x2bc830a3)).ok());
  CHECK(DecodeNpub(RefEncode5("npub", To5(k), 1)).ok());
  // Mixed case, truncation, extra characters, whitespace.
  std::string n = v["nip19.npub"];
  std::string mixed = n;
  mixed[10] = static_cast<char>(std::toupper(mixed[10]));
  CHECK_FALSE(DecodeNpub(mixed).ok());
  CHECK_FALSE(DecodeNpub(n.substr(0, n.size() - 1)).ok());
  CHECK_FALSE(DecodeNpub(n + "q").ok());
  CHECK_FALSE(DecodeNpub(" " + n).ok());
  CHECK_FALSE(DecodeNpub("").ok());
}

TEST_CASE("BIP-173: the specification's valid and invalid strings", "[base][bech32]") {
  for (const char* s :
       {"A12UEL5L", "a12uel5l",
        "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tg"
        "s",
        "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
        "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w", "?1ezyfcl"}) {
    INFO(s);
    // Valid checksums; the data part may not be whole bytes (padding rule aside).
    auto r = DecodeBech32(s);
    CHECK((r.ok() || r.status().message().find("padding") != std::string::npos));
  }
  for (std::string s :
       {std::string("\x20") + "1nwldj5", std::string("\x7f") + "1axkwrx",
        std::string("\x80") + "1eym55h",
        std::string("an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharact"
                    "ersbio1569pvx"),
        std::string("pzry9x0s0muk"), std::string("1pzry9x0s0muk"), std::string("x1b4n0q5v"),
        std::string("li1dgmt3"), std::string("de1lg7wt") + "\xff", std::string("A1G7SGD8"),
        std::string("10a06t8"), std::string("1qzzfhee")}) {
    INFO(s);
    CHECK_FALSE(DecodeBech32(s).ok());
  }
}

TEST_CASE("Printable: control characters, bidi overrides and bad UTF-8 become visible escapes",
          "[base][text]") {
  CHECK(Printable("plain text, é and 日本") == "plain text, é and 日本");
  CHECK(Printable("a\nb\tc\rd") == "a\\nb\\tc\\rd");
  CHECK(Printable(std::string("\x1b[2J\x7f\x00", 6)) == "\\x1b[2J\\x7f\\x00");
  CHECK(Printable("\xe2\x80\xae") == "\\u202e");  // right-to-left override
  CHECK(Printable("\xc2\x85") == "\\u0085");      // C1 next line
  CHECK(Printable("\xff\xc3") == "\\xff\\xc3");   // not UTF-8
  CHECK(Printable("\xc0\xaf") == "\\xc0\\xaf");   // overlong
}
