#include "ledger/base/encoding.h"

#include <openssl/crypto.h>

#include <cctype>
#include <cstdio>

namespace custody {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kCharset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// SPEC: BIP-173 "Checksum": the generator polynomial over GF(32).
uint32_t PolyMod(const std::vector<uint8_t>& values) {
  static constexpr uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    uint8_t top = chk >> 25;
    chk = (chk & 0x1ffffff) << 5 ^ v;
    for (int i = 0; i < 5; ++i)
      if ((top >> i) & 1) chk ^= kGen[i];
  }
  return chk;
}

std::vector<uint8_t> HrpExpand(std::string_view hrp) {
  std::vector<uint8_t> out;
  out.reserve(hrp.size() * 2 + 1);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) >> 5);
  out.push_back(0);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) & 31);
  return out;
}

// Regroups bits; with pad=false, rejects leftover bits that are non-zero or
// make a whole input group (BIP-173's "convertbits").
bool ConvertBits(const uint8_t* in, size_t n, int from, int to, bool pad, Bytes* out) {
  uint32_t acc = 0;
  int bits = 0;
  const uint32_t maxv = (1u << to) - 1;
  for (size_t i = 0; i < n; ++i) {
    acc = (acc << from) | in[i];
    bits += from;
    while (bits >= to) {
      bits -= to;
      out->push_back((acc >> bits) & maxv);
    }
  }
  if (pad) {
    if (bits) out->push_back((acc << (to - bits)) & maxv);
  } else if (bits >= from || ((acc << (to - bits)) & maxv)) {
    return false;
  }
  return true;
}

Result<Hash32> DecodeKey(std::string_view text, std::string_view want_hrp) {
  auto decoded = DecodeBech32(text);
  if (!decoded.ok()) return decoded.status();
  if (decoded->hrp != want_hrp) {
    OPENSSL_cleanse(decoded->data.data(), decoded->data.size());
    return Status::InvalidArgument("bech32: expected prefix \"" + std::string(want_hrp) +
                                   "\", got \"" + decoded->hrp + "\"");
  }
  if (decoded->data.size() != 32) {
    OPENSSL_cleanse(decoded->data.data(), decoded->data.size());
    return Status::InvalidArgument("bech32: " + std::string(want_hrp) + " holds " +
                                   std::to_string(decoded->data.size()) + " bytes, want 32");
  }
  Hash32 key;
  std::memcpy(key.data(), decoded->data.data(), 32);
  OPENSSL_cleanse(decoded->data.data(), decoded->data.size());
  return key;
}

}  // namespace

std::string EncodeHex(ByteSpan data) {
  std::string out;
  out.reserve(data.size() * 2);
  for (uint8_t b : data) {
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 15]);
  }
  return out;
}

Result<Bytes> DecodeHex(std::string_view hex) {
  if (hex.size() % 2) return Status::InvalidArgument("hex: odd number of digits");
  Bytes out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return Status::InvalidArgument("hex: not a hex digit");
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

Result<Bytes> DecodeGitCommit(std::string_view hex) {
  auto bytes = DecodeHex(hex);
  if ((hex.size() != 40 && hex.size() != 64) || !bytes.ok())
    return Status::InvalidArgument("want a git commit hash, SHA-1 (40 hex) or SHA-256 (64 hex)");
  return bytes;
}

Result<Hash32> DecodeHex32(std::string_view hex) {
  if (hex.size() != 64)
    return Status::InvalidArgument("hex: got " + std::to_string(hex.size()) + " digits, want 64");
  auto bytes = DecodeHex(hex);
  if (!bytes.ok()) return bytes.status();
  Hash32 h;
  std::memcpy(h.data(), bytes->data(), 32);
  return h;
}

std::string EncodeBase64(ByteSpan data) {
  static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = uint32_t(data[i]) << 16 | uint32_t(data[i + 1]) << 8 | data[i + 2];
    for (int k = 3; k >= 0; --k) out.push_back(kB64[(v >> (6 * k)) & 63]);
  }
  if (size_t rest = data.size() - i) {
    uint32_t v = uint32_t(data[i]) << 16 | (rest == 2 ? uint32_t(data[i + 1]) << 8 : 0);
    out.push_back(kB64[(v >> 18) & 63]);
    out.push_back(kB64[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kB64[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

Result<Bytes> DecodeBase64(std::string_view s) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (s.size() % 4) return Status::InvalidArgument("base64: length is not a multiple of 4");
  Bytes out;
  out.reserve(s.size() / 4 * 3);
  for (size_t i = 0; i < s.size(); i += 4) {
    const bool last = i + 4 == s.size();
    int v[4];
    size_t pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s[i + k];
      if (c == '=' && last && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad) return Status::InvalidArgument("base64: data after padding");
      v[k] = value(c);
      if (v[k] < 0) return Status::InvalidArgument("base64: not a base64 character");
    }
    if (pad == 1 && s[i + 2] == '=') return Status::InvalidArgument("base64: bad padding");
    uint32_t w = uint32_t(v[0]) << 18 | uint32_t(v[1]) << 12 | uint32_t(v[2]) << 6 | uint32_t(v[3]);
    out.push_back(static_cast<uint8_t>(w >> 16));
    if (pad < 2) out.push_back(static_cast<uint8_t>(w >> 8));
    if (pad < 1) out.push_back(static_cast<uint8_t>(w));
    if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff)))
      return Status::InvalidArgument("base64: non-zero unused bits");
  }
  return out;
}

Result<Hash32> DecodeBase64Hash(std::string_view text) {
  auto b = DecodeBase64(text);
  if (!b.ok()) return b.status();
  if (b->size() != 32)
    return Status::InvalidArgument("base64: hash of " + std::to_string(b->size()) +
                                   " bytes, want 32");
  Hash32 h;
  std::memcpy(h.data(), b->data(), 32);
  return h;
}

std::string EncodeBech32(std::string_view hrp, ByteSpan data) {
  // The data may be a secret (nsec): every buffer is sized up front, so none
  // is reallocated with a copy left behind, and each is wiped.
  Bytes values;
  values.reserve((data.size() * 8 + 4) / 5);
  ConvertBits(data.data(), data.size(), 8, 5, true, &values);
  std::vector<uint8_t> check;
  check.reserve(hrp.size() * 2 + 1 + values.size() + 6);
  check = HrpExpand(hrp);
  check.reserve(hrp.size() * 2 + 1 + values.size() + 6);
  check.insert(check.end(), values.begin(), values.end());
  check.resize(check.size() + 6, 0);
  uint32_t mod = PolyMod(check) ^ 1;
  std::string out;
  out.reserve(hrp.size() + 1 + values.size() + 6);
  out.append(hrp);
  out.push_back('1');
  for (uint8_t v : values) out.push_back(kCharset[v]);
  for (int i = 0; i < 6; ++i) out.push_back(kCharset[(mod >> (5 * (5 - i))) & 31]);
  OPENSSL_cleanse(values.data(), values.size());
  OPENSSL_cleanse(check.data(), check.size());
  return out;
}

Result<Bech32Decoded> DecodeBech32(std::string_view text, size_t max_length) {
  if (text.size() > max_length)
    return Status::InvalidArgument("bech32: longer than " + std::to_string(max_length) +
                                   " characters");
  bool lower = false, upper = false;
  for (char c : text) {
    if (c < 33 || c > 126) return Status::InvalidArgument("bech32: invalid character");
    if (c >= 'a' && c <= 'z') lower = true;
    if (c >= 'A' && c <= 'Z') upper = true;
  }
  if (lower && upper) return Status::InvalidArgument("bech32: mixed case");
  size_t sep = text.rfind('1');
  if (sep == std::string_view::npos) return Status::InvalidArgument("bech32: no separator '1'");
  if (sep == 0) return Status::InvalidArgument("bech32: empty prefix");
  if (text.size() - sep - 1 < 6) return Status::InvalidArgument("bech32: checksum too short");
  Bech32Decoded out;
  for (size_t i = 0; i < sep; ++i) out.hrp.push_back(static_cast<char>(std::tolower(text[i])));
  // Sized up front: the data may be a secret (see EncodeBech32).
  std::vector<uint8_t> values;
  values.reserve(text.size());
  out.data.reserve(text.size());
  for (size_t i = sep + 1; i < text.size(); ++i) {
    const char* p = std::strchr(kCharset, std::tolower(text[i]));
    if (p == nullptr || *p == '\0')
      return Status::InvalidArgument("bech32: a character is not in the bech32 alphabet");
    values.push_back(static_cast<uint8_t>(p - kCharset));
  }
  std::vector<uint8_t> check;
  check.reserve(out.hrp.size() * 2 + 1 + values.size());
  for (uint8_t v : HrpExpand(out.hrp)) check.push_back(v);
  check.insert(check.end(), values.begin(), values.end());
  if (PolyMod(check) != 1) {
    OPENSSL_cleanse(values.data(), values.size());
    OPENSSL_cleanse(check.data(), check.size());
    return Status::InvalidArgument("bech32: checksum mismatch");
  }
  bool padded = ConvertBits(values.data(), values.size() - 6, 5, 8, false, &out.data);
  // The data may be a secret key (nsec): wipe the intermediate copies.
  OPENSSL_cleanse(values.data(), values.size());
  OPENSSL_cleanse(check.data(), check.size());
  if (!padded) {
    OPENSSL_cleanse(out.data.data(), out.data.size());
    return Status::InvalidArgument("bech32: invalid padding");
  }
  return out;
}

bool IsWellFormedUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = cp << 6 | (cc & 0x3f);
    }
    static constexpr uint32_t kMin[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

std::string Printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex_byte = [&](uint8_t b) {
    out += "\\x";
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 15]);
  };
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      if (c == '\n')
        out += "\\n";
      else if (c == '\t')
        out += "\\t";
      else if (c == '\r')
        out += "\\r";
      else if (c < 0x20 || c == 0x7f)
        hex_byte(c);
      else
        out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    // Decode one UTF-8 sequence; anything malformed is escaped byte by byte.
    size_t n = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    uint32_t cp = n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
    bool ok = n != 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) {
      const auto cc = static_cast<uint8_t>(s[i + k]);
      ok = (cc & 0xc0) == 0x80;
      cp = cp << 6 | (cc & 0x3f);
    }
    static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    ok = ok && cp >= kMin[n] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
    if (!ok) {
      hex_byte(c);
      ++i;
      continue;
    }
    const bool invisible = (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
                           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
                           cp == 0x200e || cp == 0x200f || cp == 0x061c;
    if (invisible) {
      char buf[12];
      std::snprintf(buf, sizeof buf, "\\u%04x", cp);
      out += buf;
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out;
}

std::string EncodeNpub(const Hash32& key) { return EncodeBech32("npub", key); }
std::string EncodeNsec(const Hash32& secret) { return EncodeBech32("nsec", secret); }
Result<Hash32> DecodeNpub(std::string_view text) { return DecodeKey(text, "npub"); }
Result<Hash32> DecodeNsec(std::string_view text) { return DecodeKey(text, "nsec"); }

}  // namespace custody
