// Hashing and BIP-340 Schnorr signatures over secp256k1.
//
// One process-wide secp256k1 context, randomized at first use, serves every
// thread: signing and verifying only read it. SecretKey wipes its bytes when it
// is destroyed and never prints them.
#pragma once

#include <initializer_list>
#include <memory>
#include <string_view>

#include "ledger/base/bytes.h"
#include "ledger/base/status.h"

struct secp256k1_context_struct;

namespace custody {

// SHA-256 of data, and of the concatenation of several pieces.
Hash32 Sha256(ByteSpan data);
Hash32 Sha256(std::initializer_list<ByteSpan> pieces);

// Incremental SHA-256, for content streamed in chunks (evidence files).
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void Update(const uint8_t* data, size_t n);
  Hash32 Final();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};
// SPEC: BIP-340 tagged hash: SHA-256(SHA-256(tag) || SHA-256(tag) || data).
Hash32 TaggedHash(std::string_view tag, ByteSpan data);

// Fills out with bytes from the operating system's CSPRNG (getrandom(2)).
Status RandomBytes(uint8_t* out, size_t n);

// A parsed BIP-340 x-only public key. Parsing costs a square root; verifiers
// that check many signatures by one author parse once and keep it.
class PublicKey {
 public:
  PublicKey() = default;  // not a valid key until assigned
  static Result<PublicKey> Parse(const Hash32& xonly);
  // SPEC: BIP-340 Verify, for a message of any length.
  bool Verify(ByteSpan msg, const Sig64& sig) const;
  const Hash32& bytes() const { return xonly_; }

 private:
  friend class SecretKey;
  Hash32 xonly_{};
  alignas(8) uint8_t parsed_[64]{};  // secp256k1_xonly_pubkey
};

// Verifies with a key given as raw bytes (parses it first).
bool VerifySchnorr(const Hash32& xonly, ByteSpan msg, const Sig64& sig);

// A secp256k1 secret key with its key pair. Moves, never copies; wipes on
// destruction.
class SecretKey {
 public:
  // Takes the 32 bytes, wipes *secret, and rejects zero or >= the group order.
  static Result<SecretKey> FromBytes(Hash32* secret);
  static Result<SecretKey> Generate();
  SecretKey(SecretKey&& other) noexcept;
  SecretKey& operator=(SecretKey&& other) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  ~SecretKey();

  // The x-only public key (npub's 32 bytes).
  const Hash32& public_key() const { return public_; }
  // The public key, parsed: verifying our own signatures costs no square root.
  const PublicKey& parsed_public_key() const { return parsed_; }
  // BIP-340 sign with fresh auxiliary randomness, then verify the signature
  // before returning it (BIP-340's signing algorithm ends with that check).
  Result<Sig64> Sign(const Hash32& msg) const;
  // As Sign, with given auxiliary randomness (deterministic signatures, test
  // vectors) and a message of any length.
  Result<Sig64> SignWithAux(ByteSpan msg, const Hash32& aux) const;
  // The secret in NIP-19 form, for writing a new key file only.
  std::string EncodeNsecForKeyFile() const;
  // The 32 secret bytes, for encrypting a key file only (ledger/nip49.h); the
  // caller wipes *out.
  void CopySecretForKeyFile(Hash32* out) const;

 private:
  SecretKey() = default;
  void Wipe();
  alignas(8) uint8_t keypair_[96]{};  // secp256k1_keypair: holds the secret
  Hash32 public_{};
  PublicKey parsed_;
};

// The shared context (exposed for the tests of this module only).
const secp256k1_context_struct* SecpContext();

}  // namespace custody
