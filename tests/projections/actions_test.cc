// The runbook's actions as payloads (projections/actions.h): the step forms
// agree with the payload table, and the reconciliation file's parser refuses
// what the format does not allow, naming the field.
#include "projections/actions.h"

#include <catch2/catch.hpp>

#include "ledger/base/encoding.h"
#include "ledger/payload_types.h"
#include "projections/runbook.h"

using namespace custody;

TEST_CASE("Actions: every runbook step has a form or names the event that records it",
          "[actions]") {
  for (const RunbookSection& sec : CurrentRunbook().sections)
    for (const RunbookStep& s : sec.steps) {
      fb::Payload elsewhere = fb::Payload::Genesis;  // not a value StepFormOf sets
      auto form = StepFormOf(s.id, &elsewhere);
      INFO(s.id);
      if (form.ok()) {
        CHECK(form->type == RecordedBy(s.id));
        CHECK((form->accepts & kStepSubject) != 0);
        CHECK((form->needs & ~form->accepts & ~kStepSubject) == 0);
        CHECK((form->needs_one & ~form->accepts) == 0);
      } else {
        CHECK(form.status().code() == Status::Code::kInvalidArgument);
        CHECK(elsewhere == RecordedBy(s.id));
      }
    }
  CHECK(StepFormOf("A.1")->type == fb::Payload::SecretRotated);
  CHECK(StepFormOf("A.2")->type == fb::Payload::PathsInvalidated);
  CHECK(StepFormOf("exit.4")->needs == kStepStableSince);
  CHECK(StepFormOf("B.3")->needs_one == (kStepNewKey | kStepSecretLabel));
  auto commander = StepFormOf("first15.1");
  REQUIRE_FALSE(commander.ok());
  CHECK(commander.status().message() == "step first15.1 is recorded by a commander_assigned event");
  auto unknown = StepFormOf("X.1");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().message().find("not in the runbook") != std::string::npos);
}

TEST_CASE("Actions: a step's payload carries the values its form takes", "[actions]") {
  StepValues v;
  v.note = "rotated";
  v.new_key = Hash32{1};
  auto p = StepPayloadOf(*StepFormOf("A.1"), v);
  REQUIRE(std::holds_alternative<SecretRotatedPayload>(p));
  CHECK(std::get<SecretRotatedPayload>(p).new_key == Hash32{1});
  CHECK(std::get<SecretRotatedPayload>(p).step == "A.1");
  v = StepValues{};
  v.stable_since = 42;
  auto exit4 = StepPayloadOf(*StepFormOf("exit.4"), v);
  REQUIRE(std::holds_alternative<StepPayload>(exit4));
  CHECK(std::get<StepPayload>(exit4).stable_since_ns == 42);
  CHECK(std::holds_alternative<UserNotifiedPayload>(StepPayloadOf(*StepFormOf("B.1"), {})));
  CHECK(std::holds_alternative<BlockedPayload>(StepPayloadOf(*StepFormOf("B.2"), {})));
}

TEST_CASE("Actions: the reconciliation file", "[actions]") {
  const std::string wallet = EncodeNpub(Hash32{7});
  const std::string good =
      R"({"unit":"sat","sender":{"wallet":")" + wallet +
      R"(","balance":5,"proofs":5},"receiver":{"wallet":")" + wallet +
      R"(","balance":3,"proofs":2},"tx_history":{"entries":1,"sent":2,"received":2},"note":"n"})";
  std::vector<Hash32> wallets;
  auto r = ParseReconciliation(good, &wallets);
  REQUIRE(r.ok());
  CHECK(r->receiver_proofs == 2);
  CHECK_FALSE(r->Reconciles());
  CHECK(wallets.size() == 1);  // named twice, a subject once

  auto refused = [](const std::string& text) {
    std::vector<Hash32> w;
    auto r = ParseReconciliation(text, &w);
    return r.ok() ? std::string("accepted") : r.status().message();
  };
  CHECK(refused("[]") == "want a JSON object");
  CHECK(refused("{").rfind("not JSON", 0) == 0);
  CHECK(refused(R"({"unit":"btc"})") == "\"unit\" must be \"sat\" or \"msat\"");
  CHECK(refused(R"({"unit":"sat","extra":1})") == "unknown field \"extra\"");
  CHECK(refused(R"({"unit":"sat","sender":{"balance":-1,"proofs":1}})") ==
        "\"sender.balance\" must be a whole, non-negative number");
  CHECK(refused(R"({"unit":"sat","sender":{"balance":1,"proofs":1,"x":1}})") ==
        "unknown field \"sender.x\"");
  CHECK(refused(std::string(2 << 20, ' ')) == "larger than 1 MiB");
}
