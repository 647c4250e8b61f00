// OpenSSL 3 deprecates the low-level SHA-256 calls, but they are its fastest
// path (SHA-NI, no provider lookup per call) and a SHA256_CTX can be copied,
// which the tagged-hash midstate below relies on.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "ledger/crypto.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>
#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
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
  if (!RandomBytes(seed, sizeof seed).ok() || !secp256k1_context_randomize(ctx, seed)) {
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

Hash32 Sha256(ByteSpan data) { return Sha256({data}); }

Hash32 Sha256(std::initializer_list<ByteSpan> pieces) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  for (ByteSpan p : pieces) SHA256_Update(&ctx, p.data(), p.size());
  Hash32 out;
  SHA256_Final(out.data(), &ctx);
  return out;
}

struct Sha256Stream::Ctx {
  SHA256_CTX ctx;
};
Sha256Stream::Sha256Stream() : ctx_(std::make_unique<Ctx>()) { SHA256_Init(&ctx_->ctx); }
Sha256Stream::~Sha256Stream() = default;
void Sha256Stream::Update(const uint8_t* data, size_t n) { SHA256_Update(&ctx_->ctx, data, n); }
Hash32 Sha256Stream::Final() {
  Hash32 out;
  SHA256_Final(out.data(), &ctx_->ctx);
  return out;
}

namespace {

// SHA-256 after absorbing SHA-256(tag) || SHA-256(tag): exactly one block, so
// the state can be kept and copied for every hash under that tag.
SHA256_CTX TagMidstate(std::string_view tag) {
  Hash32 t = Sha256(AsSpan(tag));
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, t.data(), t.size());
  SHA256_Update(&ctx, t.data(), t.size());
  return ctx;
}

}  // namespace

Hash32 TaggedHash(std::string_view tag, ByteSpan data) {
  // SPEC: BIP-340 "tagged hashes"; the same value as secp256k1_tagged_sha256
  // (tests/ledger/crypto_test.cc checks both).
  thread_local std::string last_tag;
  thread_local SHA256_CTX midstate;
  if (tag != last_tag) {
    last_tag = tag;
    midstate = TagMidstate(tag);
  }
  SHA256_CTX ctx = midstate;
  SHA256_Update(&ctx, data.data(), data.size());
  Hash32 out;
  SHA256_Final(out.data(), &ctx);
  return out;
}

Status RandomBytes(uint8_t* out, size_t n) {
  // The kernel's CSPRNG directly: OpenSSL's DRBG would cost a short command
  // milliseconds of set-up at its first use.
  while (n > 0) {
    ssize_t got = getrandom(out, n, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return Status::IOError("random: getrandom failed");
    out += got;
    n -= static_cast<size_t>(got);
  }
  return Status::OK();
}

Result<PublicKey> PublicKey::Parse(const Hash32& xonly) {
  PublicKey k;
  k.xonly_ = xonly;
  if (!secp256k1_xonly_pubkey_parse(
          SecpContext(), reinterpret_cast<secp256k1_xonly_pubkey*>(k.parsed_), xonly.data()))
    return Status::VerificationFailed("public key is not a valid x-only secp256k1 point");
  return k;
}

bool PublicKey::Verify(ByteSpan msg, const Sig64& sig) const {
  return secp256k1_schnorrsig_verify(SecpContext(), sig.data(), msg.data(), msg.size(),
                                     reinterpret_cast<const secp256k1_xonly_pubkey*>(parsed_)) == 1;
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
  k.parsed_.xonly_ = k.public_;
  std::memcpy(k.parsed_.parsed_, &xonly, sizeof xonly);
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
    parsed_ = other.parsed_;
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
  if (!parsed_.Verify(msg, sig))
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

void SecretKey::CopySecretForKeyFile(Hash32* out) const {
  if (!secp256k1_keypair_sec(SecpContext(), out->data(),
                             reinterpret_cast<const secp256k1_keypair*>(keypair_)))
    out->fill(0);
}

}  // namespace custody
