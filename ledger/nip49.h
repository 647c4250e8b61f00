// NIP-49: a secret key encrypted under a passphrase ("ncryptsec1…"), with
// libsodium's scrypt and XChaCha20-Poly1305 (no home-made cryptography).
//
// SPEC: NIP-49. The payload, bech32-encoded under "ncryptsec": version 0x02,
// log_n (1 byte), salt (16), nonce (24), key security byte (1), then the
// 32-byte secret encrypted with XChaCha20-Poly1305 (IETF) under
// scrypt(NFKC(passphrase), salt, N = 2^log_n, r = 8, p = 1, 32 bytes), the
// key security byte as associated data (48 bytes with the tag): 91 bytes.
//
// Passphrases: NIP-49 normalises them to Unicode NFKC. This build accepts
// ASCII passphrases only (printable ASCII is its own NFKC form) and refuses
// any other in clear terms rather than derive a key other clients would not.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/base/status.h"
#include "ledger/crypto.h"

namespace custody {

// scrypt's cost: N = 2^log_n needs 128 * 8 * N bytes (log_n 16: 64 MiB,
// 20: 1 GiB, 22: 4 GiB). Anything else is refused before memory is taken.
inline constexpr uint8_t kNip49MinLogN = 16;
inline constexpr uint8_t kNip49MaxLogN = 22;
inline constexpr uint8_t kNip49DefaultLogN = 16;

// The key security byte.
enum class KeySecurity : uint8_t {
  kKnownInsecure = 0x00,     // it was stored or handled unencrypted
  kNotKnownInsecure = 0x01,  // never handled unencrypted, as far as we know
  kUnknown = 0x02,
};

struct Ncryptsec {
  uint8_t log_n = 0;
  KeySecurity security = KeySecurity::kUnknown;
};

// Encrypts key under passphrase. InvalidArgument for a log_n outside 16..22
// or a passphrase that is empty or not printable ASCII.
Result<std::string> EncryptNip49(const SecretKey& key, std::string_view passphrase, uint8_t log_n,
                                 KeySecurity security);

// Decrypts an ncryptsec1… text (InvalidArgument for a malformed text, another
// version, a log_n outside 16..22 — before memory is taken —, or a wrong
// passphrase or altered ciphertext: the two cannot be told apart).
Result<SecretKey> DecryptNip49(std::string_view text, std::string_view passphrase,
                               Ncryptsec* info = nullptr);

// Whether text (trimmed) looks like an ncryptsec, to choose how to read a key file.
bool IsNcryptsec(std::string_view text);

}  // namespace custody
