// custody key new | show | rotate | compromised
#include "ledger/base/encoding.h"
#include "ledger/keyfile.h"
#include "tools/append.h"
#include "tools/cli.h"

namespace custody::cli {
namespace {

Status KeyNew(const Context& ctx, const std::string& out) {
  auto key = SecretKey::Generate();
  if (!key.ok()) return key.status();
  CUSTODY_RETURN_IF_ERROR(WriteNewKeyFile(out, *key));
  const std::string npub = EncodeNpub(key->public_key());
  ctx.Print({{"npub", npub}, {"file", out}}, npub);
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
  auto next = LoadKeyFile(new_file);
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
  auto out = std::make_shared<std::string>();
  make->add_option("--out", *out, "Where to write the key file (must not exist)")->required();
  make->callback([&ctx, out] { ctx.run = [&ctx, out] { return KeyNew(ctx, *out); }; });

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
