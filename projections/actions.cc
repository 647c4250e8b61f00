#include "projections/actions.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "ledger/base/encoding.h"
#include "ledger/payload_types.h"
#include "projections/runbook.h"

namespace custody {
namespace {

// Steps whose event carries more than a note; every other step recorded by a
// step_done event carries its note and subjects only.
constexpr StepForm kForms[] = {
    {"A.1", fb::Payload::SecretRotated, kStepNewKey, kStepNewKey, 0,
     "records the new SERVICE_NSEC's public key"},
    {"B.3", fb::Payload::SecretRotated, kStepNewKey | kStepSecretLabel, kStepSubject,
     kStepNewKey | kStepSecretLabel,
     "records the user and their new wallet key or card secret label"},
    {"C.1", fb::Payload::SecretRotated, kStepSecretLabel, kStepSubject | kStepSecretLabel, 0,
     "records the affected user and the new secret's label"},
    {"B.1", fb::Payload::UserNotified, kStepChannel, kStepSubject, 0, "names the user notified"},
    {"B.2", fb::Payload::ActionsBlocked, 0, kStepSubject, 0,
     "names the user whose actions are blocked"},
    {"exit.4", fb::Payload::StepDone, kStepStableSince, kStepStableSince, 0,
     "says since when monitoring saw a stable state"},
};

}  // namespace

Result<StepForm> StepFormOf(std::string_view step, fb::Payload* elsewhere) {
  if (!CurrentRunbook().FindStep(step))
    return Status::InvalidArgument(
        "step \"" + Printable(step) +
        "\" is not in the runbook (first15.N, A.N, B.N, C.N, funds.N, exit.4, pir.N)");
  const fb::Payload by = RecordedBy(step);
  for (const StepForm& f : kForms)
    if (f.step == step)
      return StepForm{f.step, f.type, f.accepts | kStepSubject, f.needs, f.needs_one, f.records};
  if (by == fb::Payload::StepDone || by == fb::Payload::PathsInvalidated)
    return StepForm{step, by, kStepSubject, 0, 0, ""};
  if (elsewhere) *elsewhere = by;
  if (by == fb::Payload::NONE)
    return Status::InvalidArgument("step " + std::string(step) +
                                   " is not recorded by an event of its own: it holds by what it "
                                   "judges");
  return Status::InvalidArgument("step " + std::string(step) + " is recorded by a " +
                                 std::string(PayloadTypeName(by)) + " event");
}

Payload StepPayloadOf(const StepForm& form, const StepValues& v) {
  const std::string step(form.step);
  switch (form.type) {
    case fb::Payload::SecretRotated:
      return SecretRotatedPayload{step, v.new_key.value_or(Hash32{}), v.secret_label, v.note};
    case fb::Payload::PathsInvalidated:
      return InvalidatedPayload{step, v.note};
    case fb::Payload::UserNotified:
      return UserNotifiedPayload{step, v.channel, v.note};
    case fb::Payload::ActionsBlocked:
      return BlockedPayload{step, v.note};
    default:
      return StepPayload{step, v.note, v.stable_since.value_or(0)};
  }
}

namespace {

using Json = nlohmann::json;

// Reads the file's fields into a payload; `where` prefixes every message.
class ReconciliationReader {
 public:
  ReconciliationReader(const Json& j, std::vector<Hash32>* wallets) : j_(j), wallets_(wallets) {}

  Result<ReconciliationPayload> Read() {
    if (!j_.is_object()) return Bad("want a JSON object");
    CUSTODY_RETURN_IF_ERROR(Only(j_, "", {"unit", "sender", "receiver", "tx_history", "note"}));
    ReconciliationPayload r;
    if (!j_.contains("unit") || !j_["unit"].is_string() ||
        (j_["unit"] != "sat" && j_["unit"] != "msat"))
      return Bad("\"unit\" must be \"sat\" or \"msat\"");
    r.unit = j_["unit"].get<std::string>();
    CUSTODY_RETURN_IF_ERROR(
        Wallet("sender", &r.sender_balance, &r.sender_proofs, &r.sender_wallet));
    CUSTODY_RETURN_IF_ERROR(
        Wallet("receiver", &r.receiver_balance, &r.receiver_proofs, &r.receiver_wallet));
    if (!j_.contains("tx_history") || !j_["tx_history"].is_object())
      return Bad("\"tx_history\" must be an object");
    const Json& tx = j_["tx_history"];
    CUSTODY_RETURN_IF_ERROR(Only(tx, "tx_history.", {"entries", "sent", "received"}));
    CUSTODY_RETURN_IF_ERROR(Amount(tx, "tx_history", "entries", &r.tx_entries));
    CUSTODY_RETURN_IF_ERROR(Amount(tx, "tx_history", "sent", &r.tx_sent));
    CUSTODY_RETURN_IF_ERROR(Amount(tx, "tx_history", "received", &r.tx_received));
    if (j_.contains("note")) {
      if (!j_["note"].is_string() || j_["note"].get<std::string>().empty())
        return Bad("\"note\" must be a non-empty string");
      r.note = j_["note"].get<std::string>();
    }
    return r;
  }

 private:
  static Status Bad(const std::string& what) { return Status::InvalidArgument(what); }

  static Status Only(const Json& obj, const std::string& prefix,
                     std::initializer_list<std::string_view> known) {
    for (auto& [k, v] : obj.items())
      if (std::find(known.begin(), known.end(), k) == known.end())
        return Bad("unknown field \"" + prefix + Printable(k) + "\"");
    return Status::OK();
  }

  static Status Amount(const Json& obj, const char* parent, const char* field, uint64_t* out) {
    if (!obj.contains(field) || !obj[field].is_number_unsigned())
      return Bad("\"" + std::string(parent) + "." + field +
                 "\" must be a whole, non-negative number");
    *out = obj[field].get<uint64_t>();
    return Status::OK();
  }

  Status Wallet(const char* name, uint64_t* balance, uint64_t* proofs, Hash32* key) {
    if (!j_.contains(name) || !j_[name].is_object())
      return Bad("\"" + std::string(name) + "\" must be an object");
    const Json& w = j_[name];
    CUSTODY_RETURN_IF_ERROR(Only(w, std::string(name) + ".", {"wallet", "balance", "proofs"}));
    CUSTODY_RETURN_IF_ERROR(Amount(w, name, "balance", balance));
    CUSTODY_RETURN_IF_ERROR(Amount(w, name, "proofs", proofs));
    if (!w.contains("wallet")) return Status::OK();
    if (!w["wallet"].is_string())
      return Bad("\"" + std::string(name) + ".wallet\" must be an npub");
    auto k = DecodeNpub(w["wallet"].get<std::string>());
    if (!k.ok()) return k.status().Prefixed(std::string(name) + ".wallet");
    *key = *k;
    if (std::find(wallets_->begin(), wallets_->end(), *k) == wallets_->end())
      wallets_->push_back(*k);
    return Status::OK();
  }

  const Json& j_;
  std::vector<Hash32>* wallets_;
};

}  // namespace

Result<ReconciliationPayload> ParseReconciliation(std::string_view text,
                                                  std::vector<Hash32>* wallets) {
  if (text.size() > (1 << 20)) return Status::InvalidArgument("larger than 1 MiB");
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::exception& e) {
    return Status::InvalidArgument(std::string("not JSON (") + e.what() + ")");
  }
  return ReconciliationReader(j, wallets).Read();
}

}  // namespace custody
