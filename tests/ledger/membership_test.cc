#include "ledger/membership.h"

#include <catch2/catch.hpp>

#include "tests/ledger/factory.h"

using namespace custody;

namespace {

struct Built {
  Bytes body;
  const fb::Event& event() const { return *fb::GetEvent(body.data()); }
};

Built Body(const SecretKey& author, Payload p) {
  EventFields f = test::NoteFields(Hash32{1}, 5, Hash32{2}, author, 1000);
  f.payload = std::move(p);
  return Built{EncodeBody(f)};
}

}  // namespace

TEST_CASE("Permissions: the DESIGN.md table, row by row", "[ledger][membership]") {
  auto admin = test::NewKey(), actor = test::NewKey(), other = test::NewKey();
  // Payload type -> the roles the table lets append it.
  struct Row {
    const char* what;
    Payload payload;
    uint32_t allowed;
  };
  // Written from DESIGN.md's table, not from the code: admin everything;
  // notary checkpoints only; commander the incident's decisions (declare,
  // close, severity, commander, playbooks, root cause, the PIR) and external
  // communications, and all a responder may; responder notes, evidence,
  // deploy hashes, freezes, runbook steps, reconciliations, internal
  // communications (and corrections, checked further against what they
  // correct); legal exports and notes; auditor notes.
  const uint32_t everyone = kAdmin | kCommander | kResponder | kLegal | kAuditor;
  const uint32_t decisions = kAdmin | kCommander, response = kAdmin | kCommander | kResponder;
  std::vector<Row> rows = {
      {"membership", MembershipPayload{other.public_key(), fb::MemberOp::Grant, kResponder},
       kAdmin},
      {"key rotation", KeyRotatedPayload{other.public_key()}, kAdmin},
      {"key compromise", KeyCompromisedPayload{other.public_key(), 1, "lost"}, kAdmin},
      {"note", NotePayload{"hello"}, everyone},
      {"checkpoint", CheckpointPayload{}, kAdmin | kNotary},
      {"incident declaration", IncidentDeclaredPayload{}, decisions},
      {"evidence", EvidencePayload{}, response},
      {"deploy hash", DeployPayload{}, response},
      {"export", ExportPayload{}, kAdmin | kLegal},
      {"playbook activation", PlaybookPayload{}, decisions},
      {"commander assignment", CommanderPayload{}, decisions},
      {"severity change", SeverityPayload{}, decisions},
      {"freeze", FreezePayload{}, response},
      {"unfreeze", UnfreezePayload{}, response},
      {"secret rotation step", SecretRotatedPayload{}, response},
      {"paths invalidated step", InvalidatedPayload{}, response},
      {"user notified step", UserNotifiedPayload{}, response},
      {"actions blocked step", BlockedPayload{}, response},
      {"runbook step", StepPayload{}, response},
      {"reconciliation", ReconciliationPayload{}, response},
      {"internal communication",
       CommunicationPayload{fb::Audience::Internal, "update", "", "", "", 0}, response},
      {"external communication",
       CommunicationPayload{fb::Audience::External, "", "f", "s", "u", 2000}, decisions},
      {"root cause", RootCausePayload{}, decisions},
      {"close", ClosePayload{}, decisions},
      {"PIR publication", PirPayload{}, decisions},
      {"correction", CorrectionPayload{}, response},
  };
  // Every payload type but the genesis has its row; communication has two.
  CHECK(rows.size() - 1 + 1 == std::variant_size_v<Payload>);
  for (uint32_t role :
       std::vector<uint32_t>{kAdmin, kNotary, kCommander, kResponder, kLegal, kAuditor, 0u}) {
    for (auto& row : rows) {
      MemberState s;
      s.Apply(
          Body(admin, GenesisPayload{"l", 1}).event());  // seq 5, but Apply only reads the payload
      // Genesis made `admin` an admin; now give `actor` exactly `role`.
      if (role) {
        Built grant = Body(admin, MembershipPayload{actor.public_key(), fb::MemberOp::Grant, role});
        REQUIRE(s.Check(grant.event()).ok());
        s.Apply(grant.event());
      }
      Built e = Body(actor, row.payload);
      Status st = s.Check(e.event());
      INFO(row.what << " by "
                    << (role ? std::string(RoleName(role)) : std::string("a non-member")));
      if (role & row.allowed) {
        CHECK(st.ok());
      } else {
        CHECK(st.IsUnauthorized());
        CHECK(st.message().find("may not append") != std::string::npos);
      }
    }
  }
}

TEST_CASE("Permissions: the last admin cannot be removed, compromised or demoted",
          "[ledger][membership]") {
  auto admin = test::NewKey(), second = test::NewKey(), next = test::NewKey();
  MemberState s;
  s.Apply(Body(admin, GenesisPayload{"l", 1}).event());
  CHECK(s.AdminCount() == 1);
  for (Payload p :
       std::vector<Payload>{MembershipPayload{admin.public_key(), fb::MemberOp::Revoke, 0},
                            MembershipPayload{admin.public_key(), fb::MemberOp::Revoke, kAdmin},
                            KeyCompromisedPayload{admin.public_key(), 1, "x"}}) {
    Status st = s.Check(Body(admin, p).event());
    CHECK(st.IsRejected());
    CHECK(st.message().find("last admin") != std::string::npos);
  }
  // Revoking another role of the last admin is fine (one it holds); so is rotating its key.
  CHECK(
      s.Check(
           Body(admin, MembershipPayload{admin.public_key(), fb::MemberOp::Revoke, kLegal}).event())
          .IsRejected());
  Built legal = Body(admin, MembershipPayload{admin.public_key(), fb::MemberOp::Grant, kLegal});
  REQUIRE(s.Check(legal.event()).ok());
  s.Apply(legal.event());
  CHECK(
      s.Check(
           Body(admin, MembershipPayload{admin.public_key(), fb::MemberOp::Revoke, kLegal}).event())
          .ok());
  CHECK(s.Check(legal.event()).IsRejected());  // already holds it
  Built rotate = Body(admin, KeyRotatedPayload{next.public_key()});
  REQUIRE(s.Check(rotate.event()).ok());
  MemberState rotated = s;
  rotated.Apply(rotate.event());
  CHECK(rotated.RolesOf(admin.public_key()) == 0);
  CHECK(rotated.RolesOf(next.public_key()) == (kAdmin | kLegal));
  // With a second admin, the first may go.
  Built grant = Body(admin, MembershipPayload{second.public_key(), fb::MemberOp::Grant, kAdmin});
  s.Apply(grant.event());
  CHECK(s.Check(Body(admin, MembershipPayload{admin.public_key(), fb::MemberOp::Revoke, 0}).event())
            .ok());
}

TEST_CASE("Permissions: grants add roles, revokes remove them, rotation needs a fresh key",
          "[ledger][membership]") {
  auto admin = test::NewKey(), m = test::NewKey();
  MemberState s;
  s.Apply(Body(admin, GenesisPayload{"l", 1}).event());
  s.Apply(Body(admin, MembershipPayload{m.public_key(), fb::MemberOp::Grant, kResponder}).event());
  s.Apply(Body(admin, MembershipPayload{m.public_key(), fb::MemberOp::Grant, kLegal}).event());
  CHECK(s.RolesOf(m.public_key()) == (kResponder | kLegal));
  s.Apply(Body(admin, MembershipPayload{m.public_key(), fb::MemberOp::Revoke, kLegal}).event());
  CHECK(s.RolesOf(m.public_key()) == kResponder);
  CHECK(s.Check(Body(admin, KeyRotatedPayload{m.public_key()}).event()).IsRejected());
  s.Apply(Body(admin, MembershipPayload{m.public_key(), fb::MemberOp::Revoke, 0}).event());
  CHECK(s.RolesOf(m.public_key()) == 0);
  CHECK(s.members().size() == 1);
  CHECK(s.Check(Body(admin, MembershipPayload{m.public_key(), fb::MemberOp::Revoke, 0}).event())
            .IsRejected());
  // Compromised: no role again, no rotation onto it, no second record.
  Built comp = Body(admin, KeyCompromisedPayload{m.public_key(), 1, "phished"});
  REQUIRE(s.Check(comp.event()).ok());
  s.Apply(comp.event());
  CHECK(s.IsCompromised(m.public_key()));
  CHECK(s.Check(comp.event()).IsRejected());
  CHECK(
      s.Check(
           Body(admin, MembershipPayload{m.public_key(), fb::MemberOp::Grant, kResponder}).event())
          .IsRejected());
  CHECK(s.Check(Body(admin, KeyRotatedPayload{m.public_key()}).event()).IsRejected());
  CHECK(RoleNames(kAdmin | kAuditor) == "admin,auditor");
  CHECK(RoleFromName("commander") == kCommander);
  CHECK(RoleFromName("root") == 0);
}
