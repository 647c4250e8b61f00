// custody key new | show | encrypt | decrypt | rotate | compromised
#include <openssl/crypto.h>

#include <iostream>

#include "ledger/base/encoding.h"
#include "ledger/base/files.h"
#include "ledger/keyfile.h"
#include "ledger/nip49.h"
#include "tools/append.h"
#include "tools/cli.h"
#include "tools/passphrase.h"

namespace custody::cli {
namespace {

struct KeyFileArgs {
  std::string file;
  bool encrypt = false;
  int log_n = kNip49DefaultLogN;
};

Status CheckLogNArg(int log_n) {
  if (log_n < kNip49MinLogN || log_n > kNip49MaxLogN)
    return Status::Usage("--log-n " + std::to_string(log_n) + ": want " +
                         std::to_string(kNip49MinLogN) + " to " + std::to_string(kNip49MaxLogN));
  return Status::OK();
}

// The key encrypted under a new passphrase (asked twice).
Result<std::string> Encrypt(const SecretKey& key, const std::string& file, int log_n,
                            KeySecurity security) {
  auto pass = ReadPassphrase(file, /*confirm=*/true);
  if (!pass.ok()) return pass.status();
  auto text = EncryptNip49(key, *pass, static_cast<uint8_t>(log_n), security);
  OPENSSL_cleanse(pass->data(), pass->size());
  return text;
}

Status KeyNew(const Context& ctx, const KeyFileArgs& a) {
  CUSTODY_RETURN_IF_ERROR(CheckLogNArg(a.log_n));
  auto key = SecretKey::Generate();
  if (!key.ok()) return key.status();
  if (a.encrypt) {
    // Never written in the clear: as far as we know, never handled insecurely.
    auto text = Encrypt(*key, a.file, a.log_n, KeySecurity::kNotKnownInsecure);
    if (!text.ok()) return text.status();
    CUSTODY_RETURN_IF_ERROR(WriteNewEncryptedKeyFile(a.file, *text));
  } else {
    CUSTODY_RETURN_IF_ERROR(WriteNewKeyFile(a.file, *key));
  }
  const std::string npub = EncodeNpub(key->public_key());
  // The npub is the output (npub=$(custody key new …)); what was written goes
  // to standard error.
  if (!ctx.json)
    std::cerr << WroteLine(a.file,
                           a.encrypt ? "a secret key, encrypted (NIP-49), mode 0600"
                                     : "a secret key, mode 0600",
                           FileBytes(a.file))
              << "\n";
  ctx.Print({{"npub", npub}, {"file", a.file}, {"encrypted", a.encrypt}}, npub);
  return Status::OK();
}

// Whether the key file holds an ncryptsec (its first line, read without the
// secret being parsed).
Result<bool> IsEncryptedFile(const std::string& file) {
  auto text = ReadSmallFile(file, 1024);
  if (!text.ok()) return text.status().Prefixed("key file");
  const bool encrypted = IsNcryptsec(*text);
  OPENSSL_cleanse(text->data(), text->size());
  return encrypted;
}

Status KeyEncrypt(const Context& ctx, const KeyFileArgs& a) {
  CUSTODY_RETURN_IF_ERROR(CheckLogNArg(a.log_n));
  auto encrypted = IsEncryptedFile(a.file);
  if (!encrypted.ok()) return encrypted.status();
  if (*encrypted)
    return Status::InvalidArgument("key file " + a.file + ": already encrypted (ncryptsec)");
  auto key = LoadKeyFile(a.file);
  if (!key.ok()) return key.status();
  // It lay on disk in the clear: NIP-49's "known to have been handled insecurely".
  auto text = Encrypt(*key, a.file, a.log_n, KeySecurity::kKnownInsecure);
  if (!text.ok()) return text.status();
  CUSTODY_RETURN_IF_ERROR(ReplaceKeyFile(a.file, *key, &*text));
  const std::string npub = EncodeNpub(key->public_key());
  ctx.Print({{"npub", npub}, {"file", a.file}, {"encrypted", true}, {"log_n", a.log_n}},
            WroteLine(a.file, "the key of " + npub + ", encrypted (NIP-49)", FileBytes(a.file)));
  return Status::OK();
}

Status KeyDecrypt(const Context& ctx, const KeyFileArgs& a) {
  auto encrypted = IsEncryptedFile(a.file);
  if (!encrypted.ok()) return encrypted.status();
  if (!*encrypted) return Status::InvalidArgument("key file " + a.file + ": not encrypted (nsec)");
  auto key = LoadKeyFile(a.file, ReadPassphrase);
  if (!key.ok()) return key.status();
  CUSTODY_RETURN_IF_ERROR(ReplaceKeyFile(a.file, *key, nullptr));
  const std::string npub = EncodeNpub(key->public_key());
  ctx.Print(
      {{"npub", npub}, {"file", a.file}, {"encrypted", false}},
      WroteLine(a.file, "the key of " + npub + ", decrypted: it holds the secret in the clear",
                FileBytes(a.file)));
  return Status::OK();
}

Status KeyShow(const Context& ctx) {
  auto key = ctx.LoadKey();
  if (!key.ok()) return key.status();
  const std::string npub = EncodeNpub(key->public_key());
  ctx.Print({{"npub", npub}, {"hex", EncodeHex(key->public_key())}}, npub);
  return Status::OK();
}

Status KeyRotate(const Context& ctx, const std::string& new_file) {
  // The new key's passphrase has a descriptor of its own: the old key's is
  // CUSTODY_PASSPHRASE_FD, read to its end.
  auto next = LoadKeyFile(new_file, [](const std::string& what, bool confirm) {
    return ReadPassphraseFrom("CUSTODY_NEW_PASSPHRASE_FD", what, confirm);
  });
  if (!next.ok()) return next.status();
  Draft d;
  d.payload = KeyRotatedPayload{next->public_key()};
  d.cosigners.push_back(&*next);
  return AppendAndReport(ctx, std::move(d));
}

Status KeyCompromised(const Context& ctx, const std::string& npub, const std::string& since,
                      const std::string& reason) {
  auto key = ParseNpubArg("key", npub);
  if (!key.ok()) return key.status();
  auto t = ParseTime(since);
  if (!t.ok()) return t.status().Prefixed("--since");
  Draft d;
  d.payload = KeyCompromisedPayload{*key, *t, reason};
  return AppendAndReport(ctx, std::move(d));
}

}  // namespace

void AddKeyCommands(CLI::App& app, Context& ctx) {
  auto* key = app.add_subcommand("key", "Make, show, rotate keys; record a compromised key");
  key->require_subcommand(1);

  auto* make =
      key->add_subcommand("new", "Make a new secret key file (mode 0600) and print its npub");
  auto made = std::make_shared<KeyFileArgs>();
  make->add_option("--out", made->file, "Where to write the key file (must not exist)")->required();
  make->add_flag("--encrypt", made->encrypt,
                 "Encrypt it under a passphrase (NIP-49 ncryptsec; asked twice on the terminal, or "
                 "read from CUSTODY_PASSPHRASE_FD)");
  make->add_option("--log-n", made->log_n,
                   "scrypt cost for --encrypt: 16 (64 MiB, default) to 22 (4 GiB)");
  make->callback([&ctx, made] { ctx.run = [&ctx, made] { return KeyNew(ctx, *made); }; });

  auto enc_args = std::make_shared<KeyFileArgs>();
  auto* enc = key->add_subcommand(
      "encrypt", "Encrypt a key file in place under a passphrase (NIP-49 ncryptsec)");
  enc->add_option("FILE", enc_args->file, "The key file (nsec1…)")->required();
  enc->add_option("--log-n", enc_args->log_n, "scrypt cost: 16 (64 MiB, default) to 22 (4 GiB)");
  enc->callback(
      [&ctx, enc_args] { ctx.run = [&ctx, enc_args] { return KeyEncrypt(ctx, *enc_args); }; });

  auto dec_args = std::make_shared<KeyFileArgs>();
  auto* dec = key->add_subcommand(
      "decrypt", "Decrypt an encrypted key file in place (it then holds the secret in the clear)");
  dec->add_option("FILE", dec_args->file, "The key file (ncryptsec1…)")->required();
  dec->callback(
      [&ctx, dec_args] { ctx.run = [&ctx, dec_args] { return KeyDecrypt(ctx, *dec_args); }; });

  auto* show = key->add_subcommand("show", "Print the npub of --key");
  show->callback([&ctx] { ctx.run = [&ctx] { return KeyShow(ctx); }; });

  auto* rotate =
      key->add_subcommand("rotate", "Hand --key's roles to a new key; signed by both (admin only)");
  auto next = std::make_shared<std::string>();
  rotate->add_option("--new", *next, "The new key's file")->required();
  rotate->callback([&ctx, next] { ctx.run = [&ctx, next] { return KeyRotate(ctx, *next); }; });

  auto* comp = key->add_subcommand(
      "compromised", "Record that a member key is compromised; it loses its roles (admin only)");
  auto args = std::make_shared<std::array<std::string, 3>>();
  comp->add_option("NPUB", (*args)[0], "The compromised key")->required();
  comp->add_option("--since", (*args)[1], "Since when (RFC 3339, UTC)")->required();
  comp->add_option("--reason", (*args)[2], "Why")->required();
  comp->callback([&ctx, args] {
    ctx.run = [&ctx, args] { return KeyCompromised(ctx, (*args)[0], (*args)[1], (*args)[2]); };
  });
}

}  // namespace custody::cli
