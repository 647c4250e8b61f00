// One test per runbook line (RUNBOOK.md, DESIGN.md "The runbook model"): the
// scenario that satisfies it and the one that violates it, each checked in
// `custody status --json`. Events are appended through the store with the
// projector attached, at chosen occurred and recorded times, so deadlines are
// exact; status is the real binary reading the ledger.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "ledger/base/encoding.h"
#include "ledger/checkpoint.h"
#include "ledger/membership.h"
#include "ledger/store/blobs.h"
#include "projections/projector.h"
#include "projections/runbook.h"
#include "projections/status.h"
#include "tests/ledger/factory.h"
#include "tests/store/rawdb.h"
#include "tests/tools/cli_run.h"

using namespace custody;
using custody::test::Has;
using custody::test::Json;
using custody::test::Run;

namespace {

constexpr TimeNs kMin = 60LL * 1000000000;
constexpr TimeNs kT0 = 1795168980LL * 1000000000;  // 2026-11-20T10:03:00Z, a Friday

struct Drill {
  test::TempDir tmp;
  std::string dir = tmp / "ledger";
  SecretKey admin = test::NewKey(), cmd = test::NewKey(), resp = test::NewKey();
  std::unique_ptr<Store> store;
  TimeNs t0;
  TimeNs recorded = 0;
  uint64_t inc = 0;

  explicit Drill(fb::Severity sev = fb::Severity::Sev1, uint8_t playbooks = 0,
                 TimeNs declared = kT0, uint32_t window_minutes = 0)
      : t0(declared) {
    store = std::move(Store::Init(dir, "drill", admin, t0 - 60 * kMin).value());
    RebuildReport r;
    REQUIRE(RebuildProjections(store.get(), nullptr, &r).ok());
    store->set_projector(&IncidentProjector::Instance());
    recorded = t0 - 60 * kMin;
    Append(admin, MembershipPayload{cmd.public_key(), fb::MemberOp::Grant, kCommander}, -50, false);
    Append(admin, MembershipPayload{resp.public_key(), fb::MemberOp::Grant, kResponder}, -50,
           false);
    inc = Append(cmd,
                 IncidentDeclaredPayload{sev, "SERVICE_NSEC suspected leaked", "", playbooks,
                                         CurrentRunbook().version, window_minutes},
                 0, false);
  }

  uint64_t Append(const SecretKey& who, Payload p, double minutes, bool in_incident = true,
                  std::vector<Hash32> subjects = {}, uint64_t corrects = 0,
                  std::string staged = "") {
    Draft d;
    d.staged_blob = std::move(staged);
    d.occurred_ns = t0 + static_cast<TimeNs>(minutes * kMin);
    d.incident = in_incident ? inc : 0;
    d.subjects = std::move(subjects);
    d.payload = std::move(p);
    if (corrects)
      d.references.push_back({store->Get(corrects).value().id(), corrects, fb::Relation::Corrects});
    recorded = std::max(recorded, d.occurred_ns);
    AppendOptions o;
    o.now_ns = recorded;
    std::vector<Appended> out;
    custody::Status s = store->Append(who, {std::move(d)}, o, &out);
    INFO(s.message());
    REQUIRE(s.ok());
    return out.back().seq;
  }
  // The same event written by the tests' raw writer, past the rule set: a
  // store holding what the append path refuses (an older writer's, say).
  uint64_t AppendUnchecked(const SecretKey& who, Payload p, double minutes) {
    EventFields f;
    f.occurred_ns = t0 + static_cast<TimeNs>(minutes * kMin);
    recorded = std::max(recorded, f.occurred_ns);
    f.recorded_ns = recorded;
    f.author = who.public_key();
    f.incident = inc;
    f.payload = std::move(p);
    store.reset();
    const uint64_t seq = test::AppendUnchecked(dir, f, {&who});
    store = std::move(Store::OpenWriter(dir).value());
    store->set_projector(&IncidentProjector::Instance());
    return seq;
  }
  // Content for an evidence or PIR event, staged in the ledger's blob store.
  StagedBlob Stage(const std::string& content) {
    const std::string path = tmp / ("blob" + std::to_string(blobs++));
    std::ofstream(path, std::ios::binary) << content;
    int fd = open(path.c_str(), O_RDONLY);
    auto blob = StageBlob(dir, fd);
    close(fd);
    REQUIRE(blob.ok());
    return *blob;
  }
  uint64_t Evidence(fb::EvidenceKind kind, double minutes) {
    StagedBlob b = Stage("snapshot " + std::to_string(blobs));
    return Append(resp, EvidencePayload{b.sha256, b.size, "text/plain", "snap.txt", kind, t0, ""},
                  minutes, true, {}, 0, b.path);
  }
  uint64_t Pir(double minutes) {
    StagedBlob b = Stage("# PIR");
    return Append(cmd, PirPayload{b.sha256, b.size, "text/markdown", "pir.md"}, minutes, true, {},
                  0, b.path);
  }
  int blobs = 0;

  uint64_t Step(const std::string& id, double minutes, std::vector<Hash32> subjects = {}) {
    return Append(resp, StepPayload{id, "", 0}, minutes, true, std::move(subjects));
  }

  Json Status() {
    auto o = Run({"--ledger", dir, "--json", "status", IncidentName(inc)});
    INFO(o.err);
    REQUIRE(o.code == 0);
    return Json::parse(o.out);
  }
};

// The state of a runbook item in a status document; "absent" if not shown.
std::string StateOf(const Json& st, const std::string& id) {
  for (const auto& sec : st["sections"])
    for (const auto& item : sec["items"])
      if (item["id"] == id) return item["state"];
  return "absent";
}

bool Holds(const Json& st, const std::string& id) {
  for (const auto& c : st["exit_criteria"])
    if (c["id"] == id) return c["holds"];
  FAIL("no criterion " << id);
  return false;
}

Hash32 User() { return test::NewKey().public_key(); }

ReconciliationPayload Figures(uint64_t receiver_proofs) {
  ReconciliationPayload r;
  r.unit = "sat";
  r.sender_balance = r.sender_proofs = 125000;
  r.receiver_balance = 98000;
  r.receiver_proofs = receiver_proofs;
  r.tx_entries = 42;
  r.tx_sent = r.tx_received = 27000;
  return r;
}

}  // namespace

TEST_CASE("Runbook severity levels: SEV-1, SEV-2 and SEV-3 declare, anything else is refused",
          "[runbook]") {
  for (auto sev : {fb::Severity::Sev1, fb::Severity::Sev2, fb::Severity::Sev3}) {
    Drill d(sev);
    CHECK(d.Status()["severity"] == SeverityName(sev));
  }
  test::Fixture f;
  auto o = f.Admin({"incident", "declare", "--sev", "SEV-4", "--title", "x"});
  CHECK(o.code == 3);
  CHECK(Has(o.err, "SEV-1, SEV-2 or SEV-3"));
}

TEST_CASE("Runbook first15.1: a commander assigned within 15 minutes, or overdue", "[runbook]") {
  Drill ok;
  ok.Append(ok.cmd, CommanderPayload{ok.cmd.public_key()}, 3);
  CHECK(StateOf(ok.Status(), "first15.1") == "done");
  Drill late;
  late.Append(late.cmd, CommanderPayload{late.cmd.public_key()}, 20);
  CHECK(StateOf(late.Status(), "first15.1") == "done late");
  Drill none;
  CHECK(StateOf(none.Status(), "first15.1") == "overdue");
  // Declared just now: not yet due.
  Drill fresh(fb::Severity::Sev1, 0, NowNs() - kMin);
  CHECK(StateOf(fresh.Status(), "first15.1") == "pending");
}

TEST_CASE("Runbook first15.2: risky operations frozen (or recorded as not needed) in time",
          "[runbook]") {
  Drill ok;
  ok.Append(ok.resp, FreezePayload{"outbound-payments", "pause automation"}, 5);
  auto st = ok.Status();
  CHECK(StateOf(st, "first15.2") == "done");
  REQUIRE(st["frozen"].size() == 1);
  CHECK(st["frozen"][0]["operation"] == "outbound-payments");
  Drill not_needed;
  not_needed.Step("first15.2", 6);
  CHECK(StateOf(not_needed.Status(), "first15.2") == "done");
  Drill none;
  CHECK(StateOf(none.Status(), "first15.2") == "overdue");
  // An unfreeze ends the freeze; the step stays done.
  ok.Append(ok.resp, UnfreezePayload{"outbound-payments", ""}, 90);
  st = ok.Status();
  CHECK(st["frozen"].empty());
  CHECK(StateOf(st, "first15.2") == "done");
}

TEST_CASE("Runbook first15.3: logs, metrics snapshots and deploy hashes preserved", "[runbook]") {
  Drill ok;
  ok.Evidence(fb::EvidenceKind::Logs, 4);
  ok.Evidence(fb::EvidenceKind::Metrics, 6);
  ok.Append(ok.resp, DeployPayload{"wallet", Bytes(20, 0xab), 0, ""}, 8);
  CHECK(StateOf(ok.Status(), "first15.3") == "done");
  Drill missing;
  missing.Evidence(fb::EvidenceKind::Logs, 4);
  missing.Append(missing.resp, DeployPayload{"wallet", Bytes(20, 0xab), 0, ""}, 8);
  auto st = missing.Status();
  CHECK(StateOf(st, "first15.3") == "overdue");
  CHECK(Has(st.dump(), "missing: metrics snapshot"));
}

TEST_CASE("Runbook first15.4: the timeline starts with the declaration, in UTC", "[runbook]") {
  Drill d;
  auto st = d.Status();
  CHECK(StateOf(st, "first15.4") == "done");
  CHECK(st["declared"] == "2026-11-20T10:03:00.000000000Z");
}

TEST_CASE("Runbook playbooks: only active playbooks show their steps, pending until done",
          "[runbook]") {
  Drill none;
  auto st = none.Status();
  for (const char* id : {"A.1", "B.1", "C.1"}) CHECK(StateOf(st, id) == "absent");
  Drill a(fb::Severity::Sev1, 1);
  st = a.Status();
  CHECK(StateOf(st, "A.1") == "pending");
  CHECK(StateOf(st, "B.1") == "absent");
  a.Append(a.cmd, PlaybookPayload{4}, 30);
  CHECK(StateOf(a.Status(), "C.1") == "pending");
}

TEST_CASE(
    "Runbook A.1-A.4: SERVICE_NSEC rotated (new npub), workflows invalidated, payloads re-issued, "
    "requests reviewed",
    "[runbook]") {
  Drill d(fb::Severity::Sev1, 1);
  const Hash32 new_key = test::NewKey().public_key();
  d.Append(d.resp, SecretRotatedPayload{"A.1", new_key, "", ""}, 10);
  d.Append(d.resp, InvalidatedPayload{"A.2", "card tokens revoked"}, 12);
  auto st = d.Status();
  CHECK(StateOf(st, "A.1") == "done");
  CHECK(Has(st.dump(), EncodeNpub(new_key)));
  CHECK(StateOf(st, "A.2") == "done");
  CHECK(StateOf(st, "A.3") == "pending");
  CHECK(StateOf(st, "A.4") == "pending");
  d.Step("A.3", 20);
  d.Step("A.4", 40);
  st = d.Status();
  CHECK(StateOf(st, "A.3") == "done");
  CHECK(StateOf(st, "A.4") == "done");
}

TEST_CASE(
    "Runbook B.1-B.4: user notified, actions blocked, migration and card secrets, evidence package",
    "[runbook]") {
  Drill d(fb::Severity::Sev2, 2);
  const Hash32 user = User();
  auto st = d.Status();
  for (const char* id : {"B.1", "B.2", "B.3", "B.4"}) CHECK(StateOf(st, id) == "pending");
  d.Append(d.resp, UserNotifiedPayload{"B.1", "email", ""}, 5, true, {user});
  d.Append(d.resp, BlockedPayload{"B.2", ""}, 6, true, {user});
  d.Append(d.resp, SecretRotatedPayload{"B.3", test::NewKey().public_key(), "card-secret-v2", ""},
           30, true, {user});
  st = d.Status();
  CHECK(StateOf(st, "B.1") == "done");
  CHECK(StateOf(st, "B.2") == "done");
  CHECK(StateOf(st, "B.3") == "done");
  CHECK(StateOf(st, "B.4") == "pending");
  d.Step("B.4", 60, {user});
  CHECK(StateOf(d.Status(), "B.4") == "done");
}

TEST_CASE(
    "Runbook C.1-C.3: the mapped secret rotated by label, old payloads invalidated, flows stable",
    "[runbook]") {
  Drill d(fb::Severity::Sev2, 4);
  const Hash32 user = User();
  d.Append(d.resp, SecretRotatedPayload{"C.1", Hash32{}, "nwc-mapping-v7", ""}, 8, true, {user});
  auto st = d.Status();
  CHECK(StateOf(st, "C.1") == "done");
  CHECK(Has(st.dump(), "nwc-mapping-v7"));
  CHECK(StateOf(st, "C.2") == "pending");
  CHECK(StateOf(st, "C.3") == "pending");
  d.Append(d.resp, InvalidatedPayload{"C.2", ""}, 9);
  d.Step("C.3", 120);
  st = d.Status();
  CHECK(StateOf(st, "C.2") == "done");
  CHECK(StateOf(st, "C.3") == "done");
}

TEST_CASE(
    "Runbook funds.1-funds.3: queues checked, recovery records queried, a reconciliation that "
    "reconciles",
    "[runbook]") {
  Drill d;
  auto st = d.Status();
  for (const char* id : {"funds.1", "funds.2", "funds.3"}) CHECK(StateOf(st, id) == "pending");
  d.Step("funds.1", 10);
  d.Step("funds.2", 11);
  d.Append(d.resp, Figures(97000), 20);  // a discrepancy
  st = d.Status();
  CHECK(StateOf(st, "funds.1") == "done");
  CHECK(StateOf(st, "funds.2") == "done");
  CHECK(StateOf(st, "funds.3") == "pending");
  REQUIRE(st["reconciliations"].size() == 1);
  CHECK(st["reconciliations"][0]["reconciles"] == false);
  CHECK(Has(st["reconciliations"][0]["discrepancies"][0].get<std::string>(),
            "receiver balance 98,000 sat vs proofs 97,000 sat"));
  d.Append(d.resp, Figures(98000), 40);
  st = d.Status();
  CHECK(StateOf(st, "funds.3") == "done");
  CHECK(st["reconciliations"][1]["reconciles"] == true);
}

TEST_CASE(
    "Runbook comms.1: SEV-1 internal updates every 30 minutes, from declaration until downgrade",
    "[runbook]") {
  Drill ok;
  for (int m : {25, 50, 75})
    ok.Append(ok.resp, CommunicationPayload{fb::Audience::Internal, "update", "", "", "", 0}, m);
  ok.Append(ok.cmd, SeverityPayload{fb::Severity::Sev2, "contained"}, 100);
  auto st = ok.Status();
  CHECK(st["communications"]["internal_updates"].size() == 3);
  CHECK(st["communications"]["findings"].empty());
  CHECK(st["communications"]["next_internal_due"].is_null());

  Drill late;
  late.Append(late.resp, CommunicationPayload{fb::Audience::Internal, "update", "", "", "", 0}, 25);
  late.Append(late.resp, CommunicationPayload{fb::Audience::Internal, "update", "", "", "", 0},
              65);  // due at 55
  late.Append(late.cmd, SeverityPayload{fb::Severity::Sev2, "contained"}, 80);
  st = late.Status();
  REQUIRE(st["communications"]["findings"].size() == 1);
  CHECK(Has(st["communications"]["findings"][0], "was 10m late"));

  // Still SEV-1 and silent: overdue now.
  Drill silent;
  st = silent.Status();
  REQUIRE(st["communications"]["findings"].size() == 1);
  CHECK(Has(st["communications"]["findings"][0], "overdue since 2026-11-20 10:33:00Z"));

  // SEV-2 has no cadence; an upgrade to SEV-1 starts it.
  Drill sev2(fb::Severity::Sev2);
  CHECK(sev2.Status()["communications"]["findings"].empty());
  sev2.Append(sev2.cmd, SeverityPayload{fb::Severity::Sev1, "funds at risk"}, 60);
  st = sev2.Status();
  REQUIRE(st["communications"]["findings"].size() == 1);
  CHECK(Has(st["communications"]["findings"][0], "overdue since 2026-11-20 11:33:00Z"));
}

TEST_CASE(
    "Runbook comms.2: an external message carries facts, impact scope, user action and next update "
    "time",
    "[runbook]") {
  test::Fixture f;
  const std::string cmd_key = f.tmp / "cmd.nsec";
  const std::string cmd = test::Trim(Run({"key", "new", "--out", cmd_key}).out);
  REQUIRE(f.Admin({"member", "add", cmd, "--role", "commander"}).code == 0);
  REQUIRE(f.As(cmd_key, {"incident", "declare", "--sev", "SEV-1", "--title", "t"}).code == 0);
  const std::string inc = "INC-" + std::to_string(f.Count() - 1);
  const size_t before = f.Count();
  auto missing = f.As(cmd_key, {"comms", inc, "--audience", "external", "--facts", "key leaked",
                                "--impact", "card users"});
  CHECK(missing.code == 3);
  CHECK(Has(missing.err,
            "missing: immediate user action (--user-action), next update time (--next-update)"));
  auto blank = f.As(cmd_key, {"comms", inc, "--audience", "external", "--facts", " ", "--impact",
                              "\t", "--user-action", " ", "--next-update", "2099-01-01T00:00:00Z"});
  CHECK(blank.code == 3);
  CHECK(Has(
      blank.err,
      "missing: facts (--facts), impact scope (--impact), immediate user action (--user-action)"));
  CHECK(f.Count() == before);
  // A responder speaks internally only.
  auto resp = f.Resp({"comms", inc, "--audience", "external", "--facts", "f", "--impact", "i",
                      "--user-action", "u", "--next-update", "2199-01-01T00:00:00Z"});
  CHECK(resp.code == 3);
  auto ok = f.As(cmd_key, {"comms", inc, "--audience", "external", "--facts", "key leaked",
                           "--impact", "card users", "--user-action", "re-enroll", "--next-update",
                           "2199-01-01T00:00:00Z"});
  INFO(ok.err);
  CHECK(ok.code == 0);
  auto st = Json::parse(f.Read({"--json", "status", inc}).out);
  REQUIRE(st["communications"]["external"].size() == 1);
  CHECK(st["communications"]["external"][0]["followed"] == "due");

  // A promised update that never came is overdue.
  Drill d;
  d.Append(d.cmd, CommunicationPayload{fb::Audience::External, "", "f", "i", "u", kT0 + 60 * kMin},
           10);
  CHECK(d.Status()["communications"]["external"][0]["followed"] == "overdue");
  d.Append(d.cmd, CommunicationPayload{fb::Audience::External, "", "f", "i", "u", kT0 + 120 * kMin},
           55);
  CHECK(d.Status()["communications"]["external"][0]["followed"] ==
        "kept (#" + std::to_string(d.inc + 2) + ")");
}

TEST_CASE("Runbook exit.1: a root cause identified or bounded", "[runbook]") {
  Drill d;
  CHECK_FALSE(Holds(d.Status(), "exit.1"));
  d.Append(d.cmd, RootCausePayload{"nsec printed in CI logs", true}, 100);
  auto st = d.Status();
  CHECK(Holds(st, "exit.1"));
  CHECK(Has(st.dump(), "bounded"));
}

TEST_CASE(
    "Runbook exit.2: compromised keys rotated and old paths invalidated, for every active playbook",
    "[runbook]") {
  Drill none;
  CHECK(Holds(none.Status(), "exit.2"));  // no key-compromise playbook active
  Drill d(fb::Severity::Sev1, 1 | 4);
  d.Append(d.resp, SecretRotatedPayload{"A.1", test::NewKey().public_key(), "", ""}, 10);
  d.Append(d.resp, InvalidatedPayload{"A.2", ""}, 11);
  auto st = d.Status();
  CHECK_FALSE(Holds(st, "exit.2"));
  CHECK(Has(st.dump(), "not done: C.1, C.2"));
  d.Append(d.resp, SecretRotatedPayload{"C.1", Hash32{}, "nwc-v2", ""}, 12, true, {User()});
  d.Append(d.resp, InvalidatedPayload{"C.2", ""}, 13);
  CHECK(Holds(d.Status(), "exit.2"));
}

TEST_CASE("Runbook exit.3: fund and record reconciliation completed (the latest reconciles)",
          "[runbook]") {
  Drill d;
  CHECK_FALSE(Holds(d.Status(), "exit.3"));
  d.Append(d.resp, Figures(98000), 10);
  CHECK(Holds(d.Status(), "exit.3"));
  d.Append(d.resp, Figures(90000), 20);  // a later discrepancy undoes it
  CHECK_FALSE(Holds(d.Status(), "exit.3"));
}

TEST_CASE("Runbook exit criteria of a closed incident are judged at its close, on occurred time",
          "[runbook]") {
  Drill d;
  d.Append(d.resp, Figures(98000), 10);
  d.Append(d.cmd, ClosePayload{"r", "customer sign-off"}, 20);
  auto st = d.Status();
  CHECK(Holds(st, "exit.3"));
  CHECK(st["close"]["unmet_at_close"] == Json::array({"exit.4"}));
  // What happened after the close does not change what held at it (the rule
  // set refuses a reconciliation in a closed incident; a store may hold one)...
  d.AppendUnchecked(d.resp, Figures(90000), 30);
  st = d.Status();
  CHECK(Holds(st, "exit.3"));
  CHECK(st["close"]["unmet_at_close"] == Json::array({"exit.4"}));
  // ...but what is recorded late, having happened before it, does.
  d.AppendUnchecked(d.resp, Figures(90000), 15);
  st = d.Status();
  CHECK_FALSE(Holds(st, "exit.3"));
  CHECK(st["close"]["unmet_at_close"] == Json::array({"exit.3", "exit.4"}));
  // A close without an override whose criteria no longer hold is flagged, not quietly shown as
  // closed.
  Drill quiet;
  quiet.Append(quiet.resp, Figures(98000), 10);
  quiet.AppendUnchecked(quiet.cmd, ClosePayload{"r", ""}, 20);  // refused at append
  auto text = Run({"--ledger", quiet.dir, "status", IncidentName(quiet.inc)});
  CHECK(Has(text.out,
            "WARNING: closed without an override, but by the events as they stand exit.4 did not "
            "hold at the close"));
  {
    const uint64_t n = quiet.store->size();
    Checkpoint cp{CheckpointOrigin(quiet.store->head().ledger_id), n, quiet.store->tree().Root()};
    Draft c;
    c.payload = CheckpointPayload{
        n, cp.root, SignCheckpoint(quiet.admin, cp).value(),
        NostrCheckpointEvent(quiet.admin, cp, quiet.recorded / 1000000000).value()};
    AppendOptions o;
    o.now_ns = quiet.recorded;
    REQUIRE(quiet.store->Append(quiet.admin, {std::move(c)}, o, nullptr).ok());
  }
  auto pir = Run({"--ledger", quiet.dir, "pir", "report", IncidentName(quiet.inc)});
  INFO(pir.err);
  CHECK(Has(pir.out, "**Warning:** closed without an override"));
}

TEST_CASE("Runbook exit.4: monitoring stable for the agreed observation window", "[runbook]") {
  Drill d(fb::Severity::Sev1, 0, kT0, 120);  // a 2 h window
  CHECK_FALSE(Holds(d.Status(), "exit.4"));
  d.Append(d.resp, StepPayload{"exit.4", "", kT0 + 60 * kMin}, 150);  // stable 1.5 h
  auto st = d.Status();
  CHECK_FALSE(Holds(st, "exit.4"));
  CHECK(Has(st.dump(), "stable for 1h30m of a 2h00m window"));
  d.Append(d.resp, StepPayload{"exit.4", "", kT0 + 60 * kMin}, 181);
  CHECK(Holds(d.Status(), "exit.4"));
  Drill early(fb::Severity::Sev1, 0, kT0,
              120);  // stable "since" before the declaration (refused at append) counts from it
  early.AppendUnchecked(early.resp, StepPayload{"exit.4", "", kT0 - 600 * kMin}, 100);
  CHECK_FALSE(Holds(early.Status(), "exit.4"));
  CHECK(Has(early.Status().dump(), "stable for 1h40m of a 2h00m window"));
  Drill dflt;  // default window: 24 h
  CHECK(dflt.Status()["observation_window_minutes"] == 24 * 60);
}

TEST_CASE(
    "Runbook close: refused until the exit criteria hold, unless overridden, and the override is "
    "shown",
    "[runbook]") {
  test::Fixture f;
  const std::string cmd_key = f.tmp / "cmd.nsec";
  const std::string cmd = test::Trim(Run({"key", "new", "--out", cmd_key}).out);
  REQUIRE(f.Admin({"member", "add", cmd, "--role", "commander"}).code == 0);
  REQUIRE(f.As(cmd_key, {"incident", "declare", "--sev", "SEV-2", "--title", "t",
                         "--observation-window", "90m"})
              .code == 0);
  const std::string inc = "INC-" + std::to_string(f.Count() - 1);
  const size_t before = f.Count();
  auto refused = f.As(cmd_key, {"incident", "close", inc, "--root-cause", "r"});
  CHECK(refused.code == 3);
  CHECK(Has(refused.err, "exit.3 not met"));
  CHECK(Has(refused.err, "exit.4 not met"));
  CHECK(f.Count() == before);
  auto overridden = f.As(
      cmd_key, {"incident", "close", inc, "--root-cause", "r", "--override", "customer sign-off"});
  INFO(overridden.err);
  REQUIRE(overridden.code == 0);
  auto st = Json::parse(f.Read({"--json", "status", inc}).out);
  CHECK(st["status"] == "closed");
  CHECK(st["close"]["override_reason"] == "customer sign-off");
  CHECK(st["close"]["unmet_at_close"] == Json::array({"exit.3", "exit.4"}));
  CHECK(Has(f.Read({"status", inc}).out,
            "exit criteria OVERRIDDEN at close (exit.3, exit.4 not met): customer sign-off"));
  // Closed is closed.
  CHECK(f.Resp({"freeze", inc, "card-issuance", "--reason", "late"}).code == 3);
}

TEST_CASE(
    "Runbook close: judged at its occurred time; nothing of the runbook happens before the "
    "declaration",
    "[runbook]") {
  test::Fixture f;
  const TimeNs t0 = (NowNs() / kMin - 180) * kMin;  // three hours ago
  REQUIRE(f.Admin({"incident", "declare", "--sev", "SEV-3", "--title", "t", "--observation-window",
                   "60m", "--occurred", FormatTime(t0)})
              .code == 0);
  const std::string inc = "INC-" + std::to_string(f.Count() - 1);
  const size_t before = f.Count();
  // Before the declaration: refused, for an action and for the stable state.
  auto early = f.Admin(
      {"freeze", inc, "card-issuance", "--reason", "r", "--occurred", FormatTime(t0 - 60 * kMin)});
  CHECK(early.code == 3);
  CHECK(Has(early.err, "was declared"));
  auto since = f.Admin({"step", inc, "exit.4", "--stable-since", "2000-01-01T00:00:00Z"});
  CHECK(since.code == 3);
  CHECK(Has(since.err, "--stable-since is before"));
  CHECK(f.Count() == before);
  // Stable from t0+1m, confirmed at t0+2h: exit.4 holds now, but not at t0+30m.
  REQUIRE(f.Admin({"step", inc, "exit.4", "--stable-since", FormatTime(t0 + kMin), "--occurred",
                   FormatTime(t0 + 120 * kMin)})
              .code == 0);
  auto now = f.Admin({"incident", "close", inc, "--root-cause", "r"});
  CHECK(now.code == 3);
  CHECK_FALSE(Has(now.err, "exit.4 not met"));
  auto backdated = f.Admin(
      {"incident", "close", inc, "--root-cause", "r", "--occurred", FormatTime(t0 + 30 * kMin)});
  CHECK(backdated.code == 3);
  CHECK(Has(backdated.err, "exit.4 not met"));
}

TEST_CASE("PIR report: text from events is escaped in Markdown and HTML", "[runbook]") {
  test::Fixture f;
  REQUIRE(f.Admin({"incident", "declare", "--sev", "SEV-3", "--title",
                   "<script>alert(1)</script> | *x*"})
              .code == 0);
  const std::string inc = "INC-" + std::to_string(f.Count() - 1);
  REQUIRE(f.Admin({"note", "--incident", inc, "cell | breaker <b>bold</b>"}).code == 0);
  REQUIRE(f.Admin({"checkpoint"}).code == 0);
  auto md = f.Read({"pir", "report", inc});
  REQUIRE(md.code == 0);
  CHECK_FALSE(Has(md.out, "<script>"));
  CHECK(Has(md.out, "\\<script\\>alert(1)\\</script\\> \\| \\*x\\*"));
  CHECK_FALSE(Has(md.out, "cell | breaker"));
  auto html = f.Read({"pir", "report", inc, "--format", "html"});
  REQUIRE(html.code == 0);
  CHECK_FALSE(Has(html.out, "<script>"));
  CHECK_FALSE(Has(html.out, "<b>bold"));
}

TEST_CASE("Runbook pir.1-pir.3: due 5 business days after close, Monday to Friday UTC",
          "[runbook]") {
  // Closed on Friday 2026-10-16: due by the end of Friday 2026-10-23.
  Drill d(fb::Severity::Sev1, 0, ParseTime("2026-10-16T10:00:00Z").value());
  auto st = d.Status();
  CHECK(StateOf(st, "pir.1") == "absent");  // only after close
  d.Append(d.cmd, ClosePayload{"cause", "drill"}, 30);
  st = d.Status();
  CHECK(st["close"]["pir_due"] == "2026-10-23T23:59:59.999999999Z");
  // Today is past that date: overdue.
  for (const char* id : {"pir.1", "pir.2", "pir.3"}) CHECK(StateOf(st, id) == "overdue");
  d.Pir(60 * 24 * 3);
  d.Step("pir.2", 60 * 24 * 3);
  st = d.Status();
  CHECK(StateOf(st, "pir.1") == "done");
  CHECK(StateOf(st, "pir.2") == "done");
  CHECK(StateOf(st, "pir.3") == "overdue");
  CHECK(BusinessDaysAfter(kT0 + 24 * 60 * kMin, 5) ==
        ParseTime("2026-11-28T00:00:00Z").value());  // Saturday close
}

TEST_CASE("Runbook corrections: a replacement or a retraction supersedes the event in status",
          "[runbook]") {
  Drill d(fb::Severity::Sev1, 1);
  const uint64_t wrong =
      d.Append(d.resp, SecretRotatedPayload{"A.1", test::NewKey().public_key(), "", ""}, 30);
  CHECK(StateOf(d.Status(), "A.1") == "done");
  d.Append(d.resp, CorrectionPayload{"that was the staging key"}, 31, true, {}, wrong);
  auto st = d.Status();
  CHECK(StateOf(st, "A.1") == "pending");
  REQUIRE(st["corrections"].size() == 1);
  CHECK(st["corrections"][0]["retraction"] == true);
  const uint64_t freeze = d.Append(d.resp, FreezePayload{"card-issuance", "typo"}, 40);
  d.Append(d.resp, FreezePayload{"card-rotation", "meant this one"}, 41, true, {}, freeze);
  st = d.Status();
  REQUIRE(st["frozen"].size() == 1);
  CHECK(st["frozen"][0]["operation"] == "card-rotation");
}

TEST_CASE(
    "Corrections: only a role that may append an event may correct it, within its incident, with "
    "its type",
    "[runbook]") {
  Drill d(fb::Severity::Sev1, 1);
  const uint64_t severity = d.Append(d.cmd, SeverityPayload{fb::Severity::Sev2, "contained"}, 30);
  const uint64_t freeze = d.Append(d.resp, FreezePayload{"card-issuance", "r"}, 31);
  auto refused = [&](const SecretKey& who, Payload p, uint64_t target) {
    Draft dr;
    dr.occurred_ns = d.recorded;
    dr.incident = d.inc;
    dr.payload = std::move(p);
    dr.references.push_back({d.store->Get(target).value().id(), target, fb::Relation::Corrects});
    AppendOptions o;
    o.now_ns = d.recorded;
    std::vector<Appended> out;
    return d.store->Append(who, {std::move(dr)}, o, &out);
  };
  // A responder can't undo the commander's downgrade, by retraction or by replacement.
  auto s = refused(d.resp, CorrectionPayload{"no"}, severity);
  CHECK(s.IsUnauthorized());
  CHECK(Has(s.message(), "only a role that may append a severity_changed may correct it"));
  s = refused(d.resp, SeverityPayload{fb::Severity::Sev1, "no"}, severity);
  INFO(s.message());
  CHECK(s.IsUnauthorized());
  // A replacement keeps the type; membership is never corrected.
  s = refused(d.resp, NotePayload{"x"}, freeze);
  INFO(s.message());
  CHECK(Has(s.message(), "a replacement has the type of the event it replaces"));
  s = refused(d.admin, CorrectionPayload{"x"}, 1);
  INFO(s.message());
  CHECK(Has(s.message(), "membership and key events cannot be corrected"));
  CHECK(d.Status()["severity"] == "SEV-2");
  // The commander can.
  d.Append(d.cmd, CorrectionPayload{"not contained after all"}, 41, true, {}, severity);
  CHECK(d.Status()["severity"] == "SEV-1");
}

TEST_CASE("Corrections after the close: only the close and the PIR's records, through the CLI",
          "[runbook]") {
  test::Fixture f;
  REQUIRE(f.Admin({"incident", "declare", "--sev", "SEV-3", "--title", "t"}).code == 0);
  const std::string inc = "INC-" + std::to_string(f.Count() - 1);
  REQUIRE(f.Admin({"freeze", inc, "card-issuance", "--reason", "r"}).code == 0);
  const std::string freeze = std::to_string(f.Count() - 1);
  REQUIRE(f.Admin({"incident", "close", inc, "--root-cause", "r", "--override", "drill"}).code ==
          0);
  const std::string close = std::to_string(f.Count() - 1);
  auto o = f.Admin({"correct", inc, freeze, "--reason", "after the fact"});
  CHECK(o.code == 3);
  CHECK(Has(o.err, "retract the close first"));
  REQUIRE(f.Admin({"correct", inc, close, "--reason", "reopened"}).code == 0);
  CHECK(Json::parse(f.Read({"--json", "status", inc}).out)["status"] != "closed");
  CHECK(f.Admin({"correct", inc, freeze, "--reason", "now it can be"}).code == 0);
}

TEST_CASE("Runbook actions never record a secret: nsec and NWC secrets are refused, and not echoed",
          "[runbook][secrets]") {
  test::Fixture f;
  REQUIRE(f.Admin({"incident", "declare", "--sev", "SEV-1", "--title", "t", "--playbook", "A",
                   "--playbook", "C"})
              .code == 0);
  const std::string inc = "INC-" + std::to_string(f.Count() - 1);
  const std::string nsec = test::Trim(test::ReadFile(f.resp_key));
  REQUIRE(nsec.rfind("nsec1", 0) == 0);
  const size_t before = f.Count();
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"step", inc, "A.1", "--new-key", nsec},
           {"step", inc, "A.2", "--note", "old key was " + nsec},
           {"step", inc, "C.1", "--subject", f.resp, "--secret-label",
            "nostr+walletconnect://abc?relay=x&secret=" + nsec.substr(5, 20)},
           {"freeze", inc, "card-issuance", "--reason", nsec}}) {
    auto o = f.Admin(args);
    CHECK(o.code != 0);
    CHECK_FALSE(Has(o.out + o.err, nsec));
    CHECK_FALSE(Has(o.out + o.err, nsec.substr(5, 20)));
  }
  CHECK(f.Count() == before);
  // What is recorded instead: the public key, the label.
  CHECK(f.Admin({"step", inc, "A.1", "--new-key", f.resp}).code == 0);
  CHECK(
      f.Admin({"step", inc, "C.1", "--subject", f.resp, "--secret-label", "nwc-mapping-v8"}).code ==
      0);
  const auto st = Json::parse(f.Read({"--json", "status", inc}).out);
  CHECK(StateOf(st, "A.1") == "done");
  CHECK(StateOf(st, "C.1") == "done");
}

TEST_CASE(
    "No event records a secret: notes, imports, titles and reasons are refused too, whatever the "
    "case",
    "[runbook][secrets]") {
  test::Fixture f;
  const std::string nsec = test::Trim(test::ReadFile(f.resp_key));
  std::string upper = nsec;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string jsonl = f.tmp / "lines.jsonl";
  std::ofstream(jsonl) << R"({"type":"note","text":"fine"})"
                       << "\n"
                       << R"({"type":"note","text":"key: )" << nsec << R"("})"
                       << "\n";
  const size_t before = f.Count();
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"note", "the leaked key is " + nsec},
           {"note", "the leaked key is " + upper},
           {"note", "mapping nostr+walletconnect://abc?relay=wss://r&secret=00ff"},
           {"import", jsonl},
           {"incident", "declare", "--sev", "SEV-2", "--title", "leak", "--summary", nsec},
           {"key", "compromised", f.resp, "--since", "2026-11-20T10:00:00Z", "--reason",
            "posted " + nsec}}) {
    auto o = f.Admin(args);
    INFO(args[0] << " " << o.err);
    CHECK(o.code == 3);
    CHECK(Has(o.err, "secret"));
    CHECK_FALSE(Has(o.out + o.err, nsec.substr(5, 20)));
  }
  CHECK(f.Count() == before);
  const std::string other = f.tmp / "other";
  auto init = Run({"--ledger", other, "--key", f.admin_key, "init", "--name", nsec});
  CHECK(init.code == 3);
  CHECK_FALSE(Has(init.out + init.err, nsec.substr(5, 20)));
  // A word that merely starts like a key is not a secret.
  CHECK(f.Admin({"note", "nsec1 is the prefix of a secret key"}).code == 0);
}

TEST_CASE(
    "Runbook steps: unknown steps, inactive playbooks and steps other commands record are refused",
    "[runbook]") {
  test::Fixture f;
  REQUIRE(f.Admin({"incident", "declare", "--sev", "SEV-2", "--title", "t"}).code == 0);
  const std::string inc = "INC-" + std::to_string(f.Count() - 1);
  const size_t before = f.Count();
  auto unknown = f.Resp({"step", inc, "A.9"});
  CHECK(unknown.code == 3);
  CHECK(Has(unknown.err, "not in the runbook"));
  auto inactive = f.Resp({"step", inc, "B.2", "--subject", f.resp});
  CHECK(inactive.code == 3);
  CHECK(Has(inactive.err, "playbook B is not active"));
  auto elsewhere = f.Resp({"step", inc, "funds.3"});
  CHECK(elsewhere.code == 3);
  CHECK(Has(elsewhere.err, "custody reconcile"));
  auto usage = f.Resp({"step", inc, "funds.1", "--new-key", f.resp});
  CHECK(usage.code == 2);
  auto pir_early = f.Resp({"step", inc, "pir.2"});
  CHECK(pir_early.code == 3);
  CHECK(f.Count() == before);
  auto no_incident = f.Resp({"step", "INC-99", "funds.1"});
  CHECK(no_incident.code == 3);
}
