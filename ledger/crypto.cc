#include "ledger/crypto.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <cstdlib>
#include <cstdio>
#include <mutex>

#include "ledger/base/encoding.h"

namespace custody {
namespace {

static_assert(sizeof(secp256k1_xonly_pubkey) == 64);
static_assert(sizeof(secp256k1_keypair) == 96);

secp256k1_context* MakeContext() {
  secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  // Randomize against side channels. Without randomness we must not go on.
  uint8_t seed[32];
  if (RAND_bytes(seed, sizeof seed) != 1 || !secp256k1_context_randomize(ctx, seed)) {
    std::fprintf(stderr, "custody: cannot randomize the secp256k1 context\n");
    std::abort();
  }
  OPENSSL_cleanse(seed, sizeof seed);
  return ctx;
}

}  // namespace

const secp256k1_context* SecpContext() {
  static secp256k1_context* ctx = MakeContext();
  return ctx;
}

Hash32 Sha256(ByteSpan data) {
  Hash32 out;
  SHA256(data.data(), data.size(), out.data());
  return out;
}

Hash32 TaggedHash(std::string_view tag, ByteSpan data) {
  Hash32 out;
  // Cannot fail for valid pointers.
  [[maybe_unused]] int ok = secp256k1_tagged_sha256(SecpContext(), out.data(),
                                reinterpret_cast<const uint8_t*>(tag.data()), tag.size(),
                                data.data(), data.size());
  return out;
}

Status RandomBytes(uint8_t* out, size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1)
    return Status::IOError("random: the system's random generator failed");
  return Status::OK();
}

Result<PublicKey> PublicKey::Parse(const Hash32& xonly) {
  PublicKey k;
  k.xonly_ = xonly;
  if (!secp256k1_xonly_pubkey_parse(SecpContext(),
                                    reinterpret_cast<secp256k1_xonly_pubkey*>(k.parsed_),
                                    xonly.data()))
    return Status::VerificationFailed("public key is not a valid x-only secp256k1 point");
  return k;
}

bool PublicKey::Verify(ByteSpan msg, const Sig64& sig) const {
  return secp256k1_schnorrsig_verify(SecpContext(), sig.data(), msg.data(), msg.size(),
                                     reinterpret_cast<const secp256k1_xonly_pubkey*>(parsed_)) ==
         1;
}

bool VerifySchnorr(const Hash32& xonly, ByteSpan msg, const Sig64& sig) {
  auto key = PublicKey::Parse(xonly);
  return key.ok() && key->Verify(msg, sig);
}

Result<SecretKey> SecretKey::FromBytes(Hash32* secret) {
  SecretKey k;
  auto* kp = reinterpret_cast<secp256k1_keypair*>(k.keypair_);
  int ok = secp256k1_keypair_create(SecpContext(), kp, secret->data());
  OPENSSL_cleanse(secret->data(), secret->size());
  if (!ok) return Status::InvalidArgument("secret key is zero or not below the group order");
  secp256k1_xonly_pubkey xonly;
  // Cannot fail for a keypair that keypair_create accepted.
  if (!secp256k1_keypair_xonly_pub(SecpContext(), &xonly, nullptr, kp) ||
      !secp256k1_xonly_pubkey_serialize(SecpContext(), k.public_.data(), &xonly))
    return Status::InvalidArgument("secret key: cannot derive its public key");
  return k;
}

Result<SecretKey> SecretKey::Generate() {
  for (int attempt = 0; attempt < 8; ++attempt) {
    Hash32 secret;
    CUSTODY_RETURN_IF_ERROR(RandomBytes(secret.data(), secret.size()));
    auto key = FromBytes(&secret);  // wipes secret
    if (key.ok()) return key;
  }
  return Status::IOError("random: could not draw a valid secret key");
}

SecretKey::SecretKey(SecretKey&& other) noexcept { *this = std::move(other); }

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    std::memcpy(keypair_, other.keypair_, sizeof keypair_);
    public_ = other.public_;
    other.Wipe();
  }
  return *this;
}

SecretKey::~SecretKey() { Wipe(); }

void SecretKey::Wipe() { OPENSSL_cleanse(keypair_, sizeof keypair_); }

Result<Sig64> SecretKey::Sign(const Hash32& msg) const {
  Hash32 aux;
  CUSTODY_RETURN_IF_ERROR(RandomBytes(aux.data(), aux.size()));
  return SignWithAux(msg, aux);
}

Result<Sig64> SecretKey::SignWithAux(ByteSpan msg, const Hash32& aux) const {
  Sig64 sig;
  secp256k1_schnorrsig_extraparams params = SECP256K1_SCHNORRSIG_EXTRAPARAMS_INIT;
  params.ndata = const_cast<uint8_t*>(aux.data());
  if (!secp256k1_schnorrsig_sign_custom(SecpContext(), sig.data(), msg.data(), msg.size(),
                                        reinterpret_cast<const secp256k1_keypair*>(keypair_),
                                        &params))
    return Status::VerificationFailed("BIP-340 signing failed");
  if (!VerifySchnorr(public_, msg, sig))
    return Status::VerificationFailed("BIP-340 signature did not verify right after signing");
  return sig;
}

std::string SecretKey::EncodeNsecForKeyFile() const {
  Hash32 secret;
  if (!secp256k1_keypair_sec(SecpContext(), secret.data(),
                             reinterpret_cast<const secp256k1_keypair*>(keypair_)))
    return "";
  std::string out = EncodeNsec(secret);
  OPENSSL_cleanse(secret.data(), secret.size());
  return out;
}

}  // namespace custody
