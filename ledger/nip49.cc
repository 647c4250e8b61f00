#include "ledger/nip49.h"

#include <openssl/crypto.h>
#include <sodium.h>

#include <array>
#include <cstring>

#include "ledger/base/encoding.h"

namespace custody {
namespace {

constexpr uint8_t kVersion = 0x02;
constexpr size_t kSaltSize = 16, kNonceSize = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kCipherSize = 32 + crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr size_t kPayloadSize = 1 + 1 + kSaltSize + kNonceSize + 1 + kCipherSize;  // 91
static_assert(kNonceSize == 24 && kCipherSize == 48 && kPayloadSize == 91);
constexpr size_t kMaxText = 200;  // "ncryptsec1" + 146 data + 6 checksum = 162

Status EnsureSodium() {
  static const int ready = sodium_init();  // thread-safe; 1 if already done
  return ready < 0 ? Status::IOError("libsodium failed to initialise") : Status::OK();
}

Status CheckLogN(uint8_t log_n) {
  if (log_n < kNip49MinLogN || log_n > kNip49MaxLogN)
    return Status::InvalidArgument("scrypt log_n " + std::to_string(log_n) +
                                   ": this custody accepts " + std::to_string(kNip49MinLogN) +
                                   " to " + std::to_string(kNip49MaxLogN));
  return Status::OK();
}

Status CheckPassphrase(std::string_view passphrase) {
  if (passphrase.empty()) return Status::InvalidArgument("the passphrase is empty");
  for (char c : passphrase)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
      return Status::InvalidArgument(
          "the passphrase holds a character that is not printable ASCII; NIP-49 normalises "
          "passphrases to Unicode NFKC, which this custody does not implement: use an ASCII "
          "passphrase");
  return Status::OK();
}

// scrypt(passphrase, salt, 2^log_n, 8, 1) -> 32 bytes.
Status DeriveKey(std::string_view passphrase, const uint8_t* salt, uint8_t log_n,
                 std::array<uint8_t, 32>* key) {
  if (crypto_pwhash_scryptsalsa208sha256_ll(
          reinterpret_cast<const uint8_t*>(passphrase.data()), passphrase.size(), salt, kSaltSize,
          uint64_t{1} << log_n, 8, 1, key->data(), key->size()) != 0)
    return Status::IOError("scrypt failed (log_n " + std::to_string(log_n) + " needs " +
                           std::to_string((uint64_t{1} << log_n) >> 10) + " MiB of memory)");
  return Status::OK();
}

}  // namespace

bool IsNcryptsec(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  return text.size() >= 10 &&
         (text.substr(0, 10) == "ncryptsec1" || text.substr(0, 10) == "NCRYPTSEC1");
}

Result<std::string> EncryptNip49(const SecretKey& key, std::string_view passphrase, uint8_t log_n,
                                 KeySecurity security) {
  CUSTODY_RETURN_IF_ERROR(CheckLogN(log_n));
  CUSTODY_RETURN_IF_ERROR(CheckPassphrase(passphrase));
  CUSTODY_RETURN_IF_ERROR(EnsureSodium());
  std::array<uint8_t, kPayloadSize> p{};
  p[0] = kVersion;
  p[1] = log_n;
  uint8_t* salt = &p[2];
  uint8_t* nonce = salt + kSaltSize;
  uint8_t* ad = nonce + kNonceSize;
  uint8_t* cipher = ad + 1;
  randombytes_buf(salt, kSaltSize);
  randombytes_buf(nonce, kNonceSize);
  *ad = static_cast<uint8_t>(security);
  std::array<uint8_t, 32> sym{};
  Status derived = DeriveKey(passphrase, salt, log_n, &sym);
  if (!derived.ok()) return derived;
  Hash32 secret{};
  key.CopySecretForKeyFile(&secret);
  unsigned long long cipher_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(cipher, &cipher_len, secret.data(), secret.size(), ad,
                                             1, nullptr, nonce, sym.data());
  sodium_memzero(secret.data(), secret.size());
  sodium_memzero(sym.data(), sym.size());
  if (cipher_len != kCipherSize) return Status::IOError("XChaCha20-Poly1305 failed");
  return EncodeBech32("ncryptsec", ByteSpan(p.data(), p.size()));
}

Result<SecretKey> DecryptNip49(std::string_view text, std::string_view passphrase,
                               Ncryptsec* info) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  auto decoded = DecodeBech32(text, kMaxText);
  if (!decoded.ok()) return decoded.status().Prefixed("ncryptsec");
  if (decoded->hrp != "ncryptsec")
    return Status::InvalidArgument("ncryptsec: expected prefix \"ncryptsec\", got \"" +
                                   Printable(decoded->hrp) + "\"");
  const Bytes& p = decoded->data;
  if (p.empty() || p[0] != kVersion)
    return Status::InvalidArgument("ncryptsec: version " +
                                   (p.empty() ? std::string("missing") : std::to_string(p[0])) +
                                   "; this custody reads version 2");
  if (p.size() != kPayloadSize)
    return Status::InvalidArgument("ncryptsec: " + std::to_string(p.size()) + " bytes, not " +
                                   std::to_string(kPayloadSize));
  const uint8_t log_n = p[1];
  CUSTODY_RETURN_IF_ERROR(CheckLogN(log_n));  // before scrypt takes its memory
  CUSTODY_RETURN_IF_ERROR(CheckPassphrase(passphrase));
  CUSTODY_RETURN_IF_ERROR(EnsureSodium());
  const uint8_t* salt = &p[2];
  const uint8_t* nonce = salt + kSaltSize;
  const uint8_t* ad = nonce + kNonceSize;
  const uint8_t* cipher = ad + 1;
  if (*ad > static_cast<uint8_t>(KeySecurity::kUnknown))
    return Status::InvalidArgument("ncryptsec: key security byte " + std::to_string(*ad) +
                                   " is not 0, 1 or 2");
  std::array<uint8_t, 32> sym{};
  Status derived = DeriveKey(passphrase, salt, log_n, &sym);
  if (!derived.ok()) return derived;
  Hash32 secret{};
  unsigned long long secret_len = 0;
  const int opened = crypto_aead_xchacha20poly1305_ietf_decrypt(
      secret.data(), &secret_len, nullptr, cipher, kCipherSize, ad, 1, nonce, sym.data());
  sodium_memzero(sym.data(), sym.size());
  if (opened != 0 || secret_len != secret.size()) {
    sodium_memzero(secret.data(), secret.size());
    return Status::InvalidArgument("ncryptsec: wrong passphrase, or the encrypted key was altered");
  }
  if (info) *info = Ncryptsec{log_n, static_cast<KeySecurity>(*ad)};
  return SecretKey::FromBytes(&secret);  // wipes secret
}

}  // namespace custody
