// The rules table of docs/rules.md, row by row, in both directions: the event
// that breaks the rule is refused at append (Store::Commit of the very bytes,
// exit 3), and a store that holds the same bytes — written by the tests' raw
// writer, past the rule set — fails verify with the same message (integrity,
// exit 1) or verifies with it as a finding (policy).
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "ledger/base/encoding.h"
#include "ledger/checkpoint.h"
#include "ledger/store/blobs.h"
#include "ledger/store/store.h"
#include "ledger/store/verify.h"
#include "projections/runbook.h"
#include "tests/ledger/factory.h"
#include "tests/store/rawdb.h"
#include "tests/tools/cli_run.h"

using namespace custody;

namespace {

constexpr TimeNs kSec = 1000000000;
constexpr TimeNs kT0 = 1795168980LL * kSec;  // 2026-11-20T10:03:00Z

// A ledger with what the rows need: a commander, a responder and legal; INC-a
// (SEV-2, no playbook) with a step, its correction, a frozen operation and
// evidence; INC-b; INC-c, with a freeze, closed with an override.
struct Fixture {
  test::TempDir tmp;
  std::string dir = tmp / "ledger";
  SecretKey admin = test::NewKey(), cmd = test::NewKey(), resp = test::NewKey(),
            legal = test::NewKey(), user = test::NewKey(), retired = test::NewKey(),
            successor = test::NewKey();
  std::unique_ptr<Store> store;
  TimeNs now = kT0;
  uint64_t inc_a = 0, inc_b = 0, inc_c = 0, step = 0, correction = 0, freeze_c = 0;
  Hash32 blob{};

  Fixture() {
    store = std::move(Store::Init(dir, "rules", admin, now).value());
    Add(admin, MembershipPayload{cmd.public_key(), fb::MemberOp::Grant, kCommander});
    Add(admin, MembershipPayload{resp.public_key(), fb::MemberOp::Grant, kResponder});
    Add(admin, MembershipPayload{legal.public_key(), fb::MemberOp::Grant, kLegal});
    // A second admin whose key is rotated out (R15).
    Add(admin, MembershipPayload{retired.public_key(), fb::MemberOp::Grant, kAdmin});
    {
      Draft d;
      d.payload = KeyRotatedPayload{successor.public_key()};
      d.cosigners.push_back(&successor);
      now += kSec;
      REQUIRE(store->Append(retired, {std::move(d)}, At(), nullptr).ok());
    }
    inc_a = Add(cmd, Declare());
    step = Add(resp, StepPayload{"funds.1", "queue", 0}, inc_a);
    correction = Add(resp, CorrectionPayload{"typo"}, inc_a, step);
    Add(resp, FreezePayload{"card-issuance", "key"}, inc_a);
    blob = AddEvidence("abc");
    inc_b = Add(cmd, Declare());
    inc_c = Add(cmd, Declare());
    freeze_c = Add(resp, FreezePayload{"outbound-payments", "funds"}, inc_c);
    Add(cmd, ClosePayload{"a test", "closed for the test"}, inc_c);
  }
  static IncidentDeclaredPayload Declare() {
    return {fb::Severity::Sev2, "t", "", 0, CurrentRunbook().version, 60};
  }
  AppendOptions At() {
    AppendOptions o;
    o.now_ns = now;
    return o;
  }
  uint64_t Add(const SecretKey& who, Payload p, uint64_t incident = 0, uint64_t corrects = 0) {
    Draft d;
    d.incident = incident;
    d.payload = std::move(p);
    if (corrects)
      d.references.push_back({store->Get(corrects).value().id(), corrects, fb::Relation::Corrects});
    now += kSec;
    std::vector<Appended> out;
    Status s = store->Append(who, {std::move(d)}, At(), &out);
    INFO(s.message());
    REQUIRE(s.ok());
    return out.back().seq;
  }
  Hash32 AddEvidence(const std::string& content) {
    const std::string path = tmp / "content";
    std::ofstream(path, std::ios::binary) << content;
    int fd = open(path.c_str(), O_RDONLY);
    auto staged = StageBlob(dir, fd).value();
    close(fd);
    Draft d;
    d.incident = inc_a;
    d.payload = EvidencePayload{
        staged.sha256, staged.size, "text/plain", "x.log", fb::EvidenceKind::Logs, now, ""};
    d.staged_blob = staged.path;
    now += kSec;
    REQUIRE(store->Append(resp, {d}, At(), nullptr).ok());
    return staged.sha256;
  }

  // The next event's fields: author, payload, incident, at the next second.
  EventFields Next(const SecretKey& who, Payload p, uint64_t incident = 0) {
    EventFields f;
    f.author = who.public_key();
    f.recorded_ns = f.occurred_ns = now + kSec;
    f.incident = incident;
    f.payload = std::move(p);
    return f;
  }
  // Fills the chain fields as the next event, and signs.
  Bytes Sign(EventFields f, std::vector<const SecretKey*> signers, bool fill_links = true) {
    const ChainHead& head = store->head();
    f.seq = head.next_seq;
    f.ledger_id = head.ledger_id;
    f.prev_id = head.last_id;
    auto state = store->RuleState().value();
    if (fill_links)
      for (auto& link : f.subjects) link.prev_seq = state.LastAbout(link.key).value();
    return test::MakeSigned(f, signers);
  }
  Bytes Sign(EventFields f, const SecretKey& who) { return Sign(std::move(f), {&who}); }
};

struct Row {
  const char* rule;
  std::function<Bytes(Fixture&)> make;
  const char* says;  // part of the message, at append and in verify alike
};

Hash32 Other() {
  Hash32 h{};
  h[0] = 7;
  return h;
}

const std::vector<Row>& Rows() {
  static const std::vector<Row> rows = {
      {"R1",
       [](Fixture& f) {
         Bytes b = f.Sign(f.Next(f.admin, NotePayload{"x"}), f.admin);
         b[0] ^= 1;
         return b;
       },
       "bad magic"},
      {"R2", [](Fixture& f) { return f.Sign(f.Next(f.admin, NotePayload{"x"}), f.resp); },
       "does not verify"},
      {"R3",
       [](Fixture& f) {
         EventFields e = f.Next(f.admin, NotePayload{"x"});
         const ChainHead& h = f.store->head();
         e.seq = h.next_seq;
         e.ledger_id = h.ledger_id;
         e.prev_id = h.last_id;
         e.prev_id[0] ^= 1;
         return test::MakeSigned(e, {&f.admin});
       },
       "prev id mismatch"},
      {"R4",
       [](Fixture& f) {
         EventFields e = f.Next(f.admin, NotePayload{"x"});
         e.recorded_ns = e.occurred_ns = kT0 - kSec;
         return f.Sign(e, f.admin);
       },
       "is before the previous event's"},
      {"R5",
       [](Fixture& f) {
         EventFields e = f.Next(f.admin, NotePayload{"x"});
         e.recorded_ns = e.occurred_ns = NowNs() + 3600 * kSec;
         return f.Sign(e, f.admin);
       },
       "is in the future"},
      {"R6",
       [](Fixture& f) {
         EventFields e = f.Next(f.admin, NotePayload{"x"});
         e.subjects = {{f.user.public_key(), 1}};
         return f.Sign(e, {&f.admin}, false);
       },
       "back-link for"},
      {"R7", [](Fixture& f) { return f.Sign(f.Next(f.admin, NotePayload{"x"}, 2), f.admin); },
       "INC-2 is not a declared incident"},
      {"R8",
       [](Fixture& f) {
         EventFields e = f.Next(f.admin, NotePayload{"x"});
         e.references = {{Other(), 1, fb::Relation::Cites}};
         return f.Sign(e, f.admin);
       },
       "reference to 1 does not match"},
      {"R9", [](Fixture& f) { return f.Sign(f.Next(f.user, NotePayload{"x"}), f.user); },
       "(not a member) may not append note"},
      {"R10",
       [](Fixture& f) {
         return f.Sign(f.Next(f.admin, MembershipPayload{f.resp.public_key(), fb::MemberOp::Grant,
                                                         kResponder}),
                       f.admin);
       },
       "already holds responder"},
      {"R11",  // a correction naming an event of another incident
       [](Fixture& f) {
         EventFields e = f.Next(f.resp, CorrectionPayload{"wrong"}, f.inc_b);
         e.references = {{f.store->Get(f.step).value().id(), f.step, fb::Relation::Corrects}};
         return f.Sign(e, f.resp);
       },
       "a correction stays within the incident"},
      {"R12",
       [](Fixture& f) {
         const uint64_t n = f.store->size();
         Checkpoint cp{CheckpointOrigin(f.store->head().ledger_id), n, Other()};
         return f.Sign(
             f.Next(f.admin,
                    CheckpointPayload{n, cp.root, SignCheckpoint(f.admin, cp).value(),
                                      NostrCheckpointEvent(f.admin, cp, kT0 / kSec).value()}),
             f.admin);
       },
       "checkpoint root is not the root of the"},
      {"R13",  // an export naming a checkpoint the ledger does not hold
       [](Fixture& f) {
         return f.Sign(f.Next(f.legal, ExportPayload{fb::ExportScope::User, f.user.public_key(), 1,
                                                     Other(), Other(), 1, false}),
                       f.legal);
       },
       "export names checkpoint 1, which the ledger does not hold"},
      {"R14",
       [](Fixture& f) {
         return f.Sign(f.Next(f.resp,
                              EvidencePayload{f.blob, 4, "text/plain", "x.log",
                                              fb::EvidenceKind::Logs, kT0, ""},
                              f.inc_a),
                       f.resp);
       },
       "is attached with size 3 already, not 4"},
      {"R15",  // a grant to a key rotated out
       [](Fixture& f) {
         return f.Sign(f.Next(f.admin, MembershipPayload{f.retired.public_key(),
                                                         fb::MemberOp::Grant, kResponder}),
                       f.admin);
       },
       "was rotated out by event"},
      {"P1",
       [](Fixture& f) {
         return f.Sign(f.Next(f.admin, NotePayload{"oops " + f.user.EncodeNsecForKeyFile()}),
                       f.admin);
       },
       "holds a secret key"},
      {"P2",
       [](Fixture& f) {
         EventFields e = f.Next(f.resp, StepPayload{"funds.2", "", 0}, f.inc_a);
         e.occurred_ns = kT0 - 3600 * kSec;
         return f.Sign(e, f.resp);
       },
       "was declared"},
      {"P3",
       [](Fixture& f) {
         return f.Sign(f.Next(f.resp, FreezePayload{"card-rotation", "x"}, f.inc_c), f.resp);
       },
       "is closed; after a close come the PIR"},
      {"P4",
       [](Fixture& f) {
         EventFields e = f.Next(f.resp, CorrectionPayload{"wrong"}, f.inc_c);
         e.references = {
             {f.store->Get(f.freeze_c).value().id(), f.freeze_c, fb::Relation::Corrects}};
         return f.Sign(e, f.resp);
       },
       "retract the close first"},
      {"P5",
       [](Fixture& f) {
         EventFields e = f.Next(f.resp, CorrectionPayload{"again"}, f.inc_a);
         e.references = {{f.store->Get(f.step).value().id(), f.step, fb::Relation::Corrects}};
         return f.Sign(e, f.resp);
       },
       "is already superseded"},
      {"P6",
       [](Fixture& f) {
         return f.Sign(f.Next(f.resp, InvalidatedPayload{"A.2", ""}, f.inc_a), f.resp);
       },
       "playbook A is not active"},
      {"P7",
       [](Fixture& f) {
         return f.Sign(f.Next(f.resp, StepPayload{"A.1", "", 0}, f.inc_a), f.resp);
       },
       "step A.1 is recorded by a secret_rotated event, not a step_done"},
      {"P8",
       [](Fixture& f) {
         return f.Sign(f.Next(f.resp, FreezePayload{"card-issuance", "again"}, f.inc_a), f.resp);
       },
       "card-issuance is already frozen"},
      {"P9",
       [](Fixture& f) {
         return f.Sign(f.Next(f.cmd, CommanderPayload{f.user.public_key()}, f.inc_a), f.cmd);
       },
       "is not a member with the commander or admin role"},
      {"P10",
       [](Fixture& f) {
         return f.Sign(f.Next(f.cmd, ClosePayload{"r", ""}, f.inc_a), f.cmd);
       },
       "exit.3 not met"},
      {"P11",
       [](Fixture& f) {
         return f.Sign(f.Next(f.resp, StepPayload{"exit.4", "", kT0 - 3600 * kSec}, f.inc_a),
                       f.resp);
       },
       "stable since"},
  };
  return rows;
}

const Rule* FindRule(const std::string& id) {
  for (const Rule* r : RuleSet::All())
    if (id == r->id) return r;
  return nullptr;
}

}  // namespace

TEST_CASE("Rules table: every rule is refused at append and found by verify, with one message",
          "[rules][table]") {
  std::set<std::string> covered;
  for (const Row& row : Rows()) {
    const Rule* rule = FindRule(row.rule);
    REQUIRE(rule != nullptr);
    covered.insert(row.rule);
    DYNAMIC_SECTION(row.rule << " " << rule->name) {
      Fixture f;
      const Bytes bytes = row.make(f);
      const uint64_t size = f.store->size();
      // Refused at append: the very bytes, through the commit path.
      Status refused = f.store->Commit({bytes}, {}, f.At(), nullptr);
      INFO("append: " << refused.message());
      REQUIRE_FALSE(refused.ok());
      CHECK((refused.IsRejected() || refused.IsUnauthorized()));
      CHECK(ExitCode(refused, ExitContext::kWriting) == 3);
      CHECK(refused.message().find(row.says) != std::string::npos);
      CHECK(f.store->size() == size);
      // Held by a store: verify fails with that message, or reports it.
      f.store.reset();
      test::StoreUnchecked(f.dir, bytes);
      auto reader = Store::OpenReader(f.dir).value();
      VerifyReport report;
      Status verified = VerifyLedger(*reader, VerifyOptions(), &report);
      INFO("verify: " << verified.message());
      if (rule->kind == RuleKind::kIntegrity) {
        REQUIRE_FALSE(verified.ok());
        CHECK(ExitCode(verified, ExitContext::kReading) == 1);
        CHECK(verified.message().find(refused.message()) != std::string::npos);
      } else {
        REQUIRE(verified.ok());
        REQUIRE(report.findings.size() == 1);
        CHECK(report.findings[0].rule == rule);
        CHECK(report.findings[0].seq == size);
        CHECK(report.findings[0].message == refused.message());
      }
    }
  }
  // Every rule of the table has its row (R1, R2: framing and signatures too).
  for (const Rule* r : RuleSet::All()) CHECK(covered.count(r->id) == 1);
}

TEST_CASE("Rules table: custody verify exits 0 on findings and prints them after its result",
          "[rules][table]") {
  Fixture f;
  const Bytes bytes = f.Sign(f.Next(f.cmd, ClosePayload{"r", ""}, f.inc_a), f.cmd);
  f.store.reset();
  test::StoreUnchecked(f.dir, bytes);
  auto text = test::Run({"--ledger", f.dir, "verify"});
  CHECK(text.code == 0);
  const size_t result = text.out.find("result         OK (1 finding)");
  const size_t finding = text.out.find("event " + std::to_string(f.inc_c + 3) + ": finding: ");
  CHECK(result != std::string::npos);
  CHECK(finding != std::string::npos);
  CHECK(finding > result);
  auto json = test::Json::parse(test::Run({"--ledger", f.dir, "--json", "verify"}).out);
  CHECK(json["ok"] == true);
  REQUIRE(json["findings"].size() == 1);
  CHECK(json["findings"][0]["rule"] == "P10");
  CHECK(json["findings"][0]["kind"] == "policy");
}
