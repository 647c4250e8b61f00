#include "rules/rule_set.h"

#include <catch2/catch.hpp>

#include "tests/ledger/factory.h"

using namespace custody;

namespace {

struct Chain {
  SecretKey admin = test::NewKey();
  RuleSet checker{[] {
    RuleSet::Lookup l;
    l.tree_root = [](uint64_t) -> Result<Hash32> { return Status::Rejected("no tree"); };
    return l;
  }()};
  std::vector<Bytes> events;
  std::vector<Hash32> ids;

  Status Feed(const EventFields& f, std::vector<const SecretKey*> signers = {}) {
    if (signers.empty()) signers = {&admin};
    Bytes b = test::MakeSigned(f, signers);
    auto ev = SignedEvent::Decode(b);
    if (!ev.ok()) return ev.status();
    Hash32 id = ev->id();
    Status s = checker.Append(ev->event(), ev->body(), id, NowNs(), nullptr);
    if (s.ok()) {
      events.push_back(b);
      ids.push_back(id);
    }
    return s;
  }
  EventFields Next(TimeNs t) {
    return test::NoteFields(checker.head().ledger_id, checker.head().next_seq,
                            checker.head().last_id, admin, t);
  }
};

}  // namespace

TEST_CASE("Rules: chain: a well-formed chain is accepted and sets the head", "[rules][chain]") {
  Chain c;
  REQUIRE(c.Feed(test::GenesisFields(c.admin, 10)).ok());
  CHECK(c.checker.head().ledger_id == c.ids[0]);
  CHECK(c.checker.head().genesis_admin == c.admin.public_key());
  for (int i = 0; i < 5; ++i) REQUIRE(c.Feed(c.Next(10 + i)).ok());
  CHECK(c.checker.head().next_seq == 6);
  CHECK(c.checker.head().last_id == c.ids.back());
}

TEST_CASE(
    "Rules: chain: sequence gaps, foreign ledgers, wrong prev ids and time going back are refused",
    "[rules][chain]") {
  Chain c;
  REQUIRE(c.Feed(test::GenesisFields(c.admin, 1000)).ok());
  REQUIRE(c.Feed(c.Next(2000)).ok());
  EventFields f = c.Next(3000);
  f.seq += 1;
  CHECK(c.Feed(f).message().find("out of sequence") != std::string::npos);
  f = c.Next(3000);
  f.ledger_id[0] ^= 1;
  CHECK(c.Feed(f).message().find("another ledger") != std::string::npos);
  f = c.Next(3000);
  f.prev_id[0] ^= 1;
  CHECK(c.Feed(f).message().find("prev id mismatch") != std::string::npos);
  f = c.Next(1999);
  CHECK(c.Feed(f).message().find("before the previous event") != std::string::npos);
  CHECK(c.Feed(c.Next(2000)).ok());  // equal times are fine
  CHECK(c.checker.head().next_seq == 3);
}

TEST_CASE("Rules: chain: back-links must point at the previous event about each user",
          "[rules][chain]") {
  Chain c;
  auto user = test::NewKey();
  REQUIRE(c.Feed(test::GenesisFields(c.admin, 1)).ok());
  EventFields f = c.Next(2);
  f.subjects = {{user.public_key(), 0}};
  REQUIRE(c.Feed(f).ok());          // #1, first about the user
  REQUIRE(c.Feed(c.Next(3)).ok());  // #2, not about them
  f = c.Next(4);
  f.subjects = {{user.public_key(), 0}};  // claims there was none: a gap
  CHECK(c.Feed(f).message().find("back-link") != std::string::npos);
  f.subjects = {{user.public_key(), 1}};
  CHECK(c.Feed(f).ok());
}

TEST_CASE("Rules: chain: an author without the role is refused, and so are unknown incidents",
          "[rules][chain]") {
  Chain c;
  auto stranger = test::NewKey();
  REQUIRE(c.Feed(test::GenesisFields(c.admin, 1)).ok());
  EventFields f = c.Next(2);
  f.author = stranger.public_key();
  CHECK(c.Feed(f, {&stranger}).IsUnauthorized());
  f = c.Next(2);
  f.incident = 0;
  REQUIRE(c.Feed(f).ok());
  f = c.Next(3);
  f.incident = 1;
  CHECK(c.Feed(f).message().find("INC-1 is not a declared incident") != std::string::npos);
  // Nothing changed by the refusals.
  CHECK(c.checker.head().next_seq == 2);
}
