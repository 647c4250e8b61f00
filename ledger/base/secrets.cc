#include "ledger/base/secrets.h"

#include <openssl/crypto.h>

#include <string>

#include "ledger/base/encoding.h"

namespace custody {
namespace {

// The length of the white space or invisible character at s[i], 0 if none.
size_t InvisibleAt(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const size_t left = s.size() - i;
  switch (b(0)) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
    case '\v':
    case '\f':
      return 1;
    case 0xC2:  // U+00A0 no-break space, U+00AD soft hyphen
      return left >= 2 && (b(1) == 0xA0 || b(1) == 0xAD) ? 2 : 0;
    case 0xE1:  // U+1680 ogham space mark, U+180E Mongolian vowel separator
      return left >= 3 && ((b(1) == 0x9A && b(2) == 0x80) || (b(1) == 0xA0 && b(2) == 0x8E)) ? 3
                                                                                             : 0;
    case 0xE2:
      if (left < 3) return 0;
      // U+2000–U+200F: spaces, zero-width space/non-joiner/joiner, marks;
      // U+2028–U+202F: separators, embeddings, narrow no-break space.
      if (b(1) == 0x80 && ((b(2) >= 0x80 && b(2) <= 0x8F) || (b(2) >= 0xA8 && b(2) <= 0xAF)))
        return 3;
      // U+205F–U+206F: medium math space, word joiner, invisible operators.
      if (b(1) == 0x81 && b(2) >= 0x9F && b(2) <= 0xAF) return 3;
      return 0;
    case 0xE3:  // U+3000 ideographic space
      return left >= 3 && b(1) == 0x80 && b(2) == 0x80 ? 3 : 0;
    case 0xEF:  // U+FEFF zero-width no-break space (BOM)
      return left >= 3 && b(1) == 0xBB && b(2) == 0xBF ? 3 : 0;
    default:
      return 0;
  }
}

// The text as the scan reads it: white space and invisible characters
// dropped, ASCII letters in lower case.
std::string Squeeze(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (size_t n = InvisibleAt(s, i)) {
      i += n;
      continue;
    }
    char c = s[i++];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    out += c;
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One round of percent-decoding; false if nothing was decoded.
bool PercentDecode(std::string* s) {
  std::string out;
  out.reserve(s->size());
  bool any = false;
  for (size_t i = 0; i < s->size(); ++i) {
    int hi = -1, lo = -1;
    if ((*s)[i] == '%' && i + 2 < s->size() + 0 && (hi = HexValue((*s)[i + 1])) >= 0 &&
        (lo = HexValue((*s)[i + 2])) >= 0) {
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
      any = true;
    } else {
      out += (*s)[i];
    }
  }
  if (any) s->swap(out);
  OPENSSL_cleanse(out.data(), out.size());
  return any;
}

// An nsec in t (squeezed): "nsec1" and 58 more characters with a valid
// checksum. A secret key's bech32 form is always 63 characters.
bool HoldsNsec(const std::string& t) {
  constexpr size_t kNsecLength = 63;
  for (size_t at = t.find("nsec1"); at != std::string::npos; at = t.find("nsec1", at + 1)) {
    if (at + kNsecLength > t.size()) break;
    auto secret = DecodeNsec(std::string_view(t).substr(at, kNsecLength));
    if (secret.ok()) {
      OPENSSL_cleanse(secret->data(), secret->size());
      return true;
    }
  }
  return false;
}

// An NWC URI with its secret in t (squeezed, decoded): the scheme, "+" also
// written as a space (dropped), then "secret=" anywhere after it.
bool HoldsNwcSecret(const std::string& t) {
  for (std::string_view scheme : {"nostr+walletconnect:", "nostrwalletconnect:"}) {
    const size_t at = t.find(scheme);
    if (at != std::string::npos && t.find("secret=", at + scheme.size()) != std::string::npos)
      return true;
  }
  return false;
}

}  // namespace

Status RefuseSecrets(std::string_view what, std::string_view text) {
  std::string t = Squeeze(text);
  bool nsec = HoldsNsec(t);
  bool nwc = false;
  // Percent-encoding hides either; decode (again, for %25 encoded twice) and
  // squeeze what it reveals (%20).
  for (int round = 0; !nsec && !nwc; ++round) {
    nwc = t.find("secret") != std::string::npos && HoldsNwcSecret(t);
    if (nwc || round == 3 || t.find('%') == std::string::npos || !PercentDecode(&t)) break;
    std::string squeezed = Squeeze(t);
    OPENSSL_cleanse(t.data(), t.size());
    t.swap(squeezed);
    nsec = HoldsNsec(t);
  }
  OPENSSL_cleanse(t.data(), t.size());
  if (nsec)
    return Status::InvalidArgument(
        std::string(what) +
        " holds a secret key (nsec); record a public key or a label, never a secret");
  if (nwc)
    return Status::InvalidArgument(
        std::string(what) +
        " holds an NWC connection secret; record the mapping's label, never the secret");
  return Status::OK();
}

}  // namespace custody
