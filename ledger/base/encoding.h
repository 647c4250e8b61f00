// Text encodings: lowercase hex and NIP-19 bech32 (BIP-173 checksum).
// Decoders treat their input as hostile: they check every character, the
// length and the checksum, and say what was wrong.
#pragma once

#include <string>
#include <string_view>

#include "ledger/base/bytes.h"
#include "ledger/base/status.h"

namespace custody {

std::string EncodeHex(ByteSpan data);
// Accepts lowercase or uppercase hex of even length.
Result<Bytes> DecodeHex(std::string_view hex);
// Exactly 64 hex characters.
Result<Hash32> DecodeHex32(std::string_view hex);
// A git commit hash: 40 (SHA-1) or 64 (SHA-256) hex digits, either case.
Result<Bytes> DecodeGitCommit(std::string_view hex);

// SPEC: RFC 4648 §4, standard alphabet with padding. Decoding is strict: no
// whitespace, padding required, unused bits zero (one text per value).
std::string EncodeBase64(ByteSpan data);
Result<Bytes> DecodeBase64(std::string_view text);
// Exactly 32 bytes (a SHA-256 value).
Result<Hash32> DecodeBase64Hash(std::string_view text);

// SPEC: BIP-173 (bech32, not bech32m), as used by NIP-19 for npub/nsec.
// Encodes 8-bit data under a lowercase human-readable part.
std::string EncodeBech32(std::string_view hrp, ByteSpan data);
struct Bech32Decoded {
  std::string hrp;
  Bytes data;
};
// Rejects: mixed case, characters outside the charset, a missing separator,
// an empty or invalid HRP, a bad checksum, non-zero padding, and strings over
// max_length characters (BIP-173's limit, 90, by default; NIP-19 keys are 63;
// NIP-49's ncryptsec, 162, is longer).
Result<Bech32Decoded> DecodeBech32(std::string_view text, size_t max_length = 90);

// SPEC: RFC 3629 — well-formed UTF-8: no overlong forms, no surrogates,
// nothing above U+10FFFF.
bool IsWellFormedUtf8(std::string_view s);

// Text for a terminal or a one-line message: control characters (C0, DEL,
// C1), line and paragraph separators and bidirectional overrides become
// visible escapes ("\n", "\x1b", "\u202e"), and bytes that are not UTF-8 become
// "\xNN". Whatever a user wrote, it cannot add a line or move the cursor.
std::string Printable(std::string_view text);

// NIP-19 keys: 32 bytes under HRP "npub" (x-only public key) or "nsec".
std::string EncodeNpub(const Hash32& key);
Result<Hash32> DecodeNpub(std::string_view text);
// The caller owns wiping the returned secret.
Result<Hash32> DecodeNsec(std::string_view text);
std::string EncodeNsec(const Hash32& secret);

}  // namespace custody
