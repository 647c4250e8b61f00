// The secret scan (rule P1): every form docs/rules.md "The secret scan"
// lists is refused, every form it lets through passes. Regression tests of
// issue 12's defect 2 ("the secret scan is bypassed").
#include "ledger/base/secrets.h"

#include <catch2/catch.hpp>
#include <string>

#include "ledger/base/encoding.h"

using namespace custody;

namespace {

// A valid nsec (any 32 bytes below the curve order are a key; bech32 only
// checks the checksum).
std::string Nsec() {
  Hash32 s{};
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<uint8_t>(i + 1);
  return EncodeNsec(s);
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool Refused(const std::string& text) { return !RefuseSecrets("the event", text).ok(); }

std::string SplitEvery(const std::string& s, size_t n, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < s.size(); i += n) out += (i ? sep : "") + s.substr(i, n);
  return out;
}

}  // namespace

TEST_CASE("Defect 2 (issue 12): the secret scan refuses an nsec in every form", "[secrets]") {
  const std::string nsec = Nsec();
  REQUIRE(nsec.size() == 63);
  // Each row of the table in docs/rules.md.
  CHECK(Refused(nsec));
  CHECK(Refused("key: " + nsec + " (old)"));
  CHECK(Refused(Upper(nsec)));
  std::string mixed = nsec;
  for (size_t i = 0; i < mixed.size(); i += 2)
    mixed[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(mixed[i])));
  CHECK(Refused(mixed));
  CHECK(Refused("abc" + nsec));       // glued to letters before
  CHECK(Refused(nsec + "xyz"));       // and after
  CHECK(Refused("42" + nsec + "7"));  // and to digits
  CHECK(Refused("_" + nsec + "_"));   // to punctuation
  CHECK(Refused(SplitEvery(nsec, 8, " ")));
  CHECK(Refused(SplitEvery(nsec, 5, "\n")));
  CHECK(Refused(SplitEvery(nsec, 3, "\t \r\n")));
  CHECK(Refused(SplitEvery(nsec, 4, "\u200b")));  // zero-width space
  CHECK(Refused(SplitEvery(nsec, 4, "\u200c")));  // zero-width non-joiner
  CHECK(Refused(SplitEvery(nsec, 4, "\u200d")));  // zero-width joiner
  CHECK(Refused(SplitEvery(nsec, 4, "\u2060")));  // word joiner
  CHECK(Refused(SplitEvery(nsec, 4, "\ufeff")));  // zero-width no-break space
  CHECK(Refused(SplitEvery(nsec, 4, "\u00ad")));  // soft hyphen
  CHECK(Refused(SplitEvery(nsec, 4, "\u00a0")));  // no-break space
  CHECK(Refused(SplitEvery(nsec, 6, "\u3000")));  // ideographic space
  CHECK(Refused(SplitEvery(Upper(nsec), 7, " \u200b ")));
  CHECK(Refused("nsec%31" + nsec.substr(5)));  // percent-encoded
}

TEST_CASE("Defect 2 (issue 12): the secret scan refuses NWC secrets in every form", "[secrets]") {
  const std::string pk(64, 'a');
  const std::string uri =
      "nostr+walletconnect://" + pk + "?relay=wss://r.example&secret=" + std::string(64, 'b');
  CHECK(Refused(uri));
  CHECK(Refused("mapping " + uri + " for alice"));
  CHECK(Refused(Upper(uri)));
  CHECK(Refused("Nostr+WalletConnect://" + pk + "?Secret=" + std::string(64, 'b')));
  CHECK(Refused("nostr+walletconnect://" + pk + "?secret=" + std::string(64, 'b') +
                "&relay=wss://r"));                                                // secret first
  CHECK(Refused("nostr+walletconnect://" + pk + "?relay=a&lud16=x@y&secret=00"));  // last
  CHECK(Refused("nostr%2Bwalletconnect%3A%2F%2F" + pk + "%3Frelay%3Dx%26secret%3D00"));
  CHECK(Refused("nostr%2bwalletconnect%3a//" + pk + "?secret%3d00"));  // lower-case escapes
  CHECK(Refused("nostr%252Bwalletconnect%253A%252F%252F" + pk + "%253Fsecret%253D00"));  // twice
  CHECK(Refused("nostr+walletconnect : // " + pk + " ? relay = x & secret = 00"));
  CHECK(Refused("nostr walletconnect://" + pk + "?secret=00"));  // '+' as a space
  CHECK(Refused("nostr%20walletconnect://" + pk + "?secret=00"));
  CHECK(Refused("nostr+wallet\u200bconnect://" + pk + "?se\u200bcret=00"));
  CHECK(Refused("nostr+walletconnect://" + pk + "?relay=x%26secret%3D00"));
}

TEST_CASE("The secret scan lets through what only looks like a secret", "[secrets]") {
  const std::string nsec = Nsec();
  std::string bad = nsec;
  bad.back() = bad.back() == 'q' ? 'p' : 'q';  // checksum broken
  CHECK_FALSE(Refused(bad));
  CHECK_FALSE(Refused("nsec1 is the prefix of a secret key"));
  CHECK_FALSE(Refused(nsec.substr(0, 62)));    // one character short
  CHECK_FALSE(Refused(std::string(64, 'a')));  // a bare 64-hex string: a commit hash, an id
  CHECK_FALSE(Refused("deploy 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
  CHECK_FALSE(Refused("nostr+walletconnect://" + std::string(64, 'a') + "?relay=wss://r"));
  CHECK_FALSE(Refused("rotated the secret=label v2"));  // secret= without the scheme
  CHECK_FALSE(Refused(EncodeNpub(Hash32{5})));
  CHECK(RefuseSecrets("the event", Nsec()).message().find(Nsec()) == std::string::npos);
}
