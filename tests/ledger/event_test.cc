#include "ledger/event.h"

#include <catch2/catch.hpp>

#include "ledger/crypto.h"
#include "tests/ledger/factory.h"

using namespace custody;
using test::MakeSigned;

namespace {

Hash32 H(uint8_t b) {
  Hash32 h;
  h.fill(b);
  return h;
}

bool Accepted(const Bytes& bytes) {
  auto ev = SignedEvent::Decode(bytes);
  return ev.ok() && VerifySignatures(*ev, ev->id()).ok();
}

// A body built by hand, to carry what EncodeBody never writes.
Bytes HandBody(fb::Payload type, bool extra_field) {
  flatbuffers::FlatBufferBuilder b;
  auto note = fb::CreateNoteDirect(b, "x").Union();
  auto ledger = ToFb(H(1)), prev = ToFb(H(2)), author = ToFb(H(3));
  fb::EventBuilder eb(b);
  eb.add_ledger_id(&ledger);
  eb.add_seq(5);
  eb.add_prev_id(&prev);
  eb.add_recorded_ns(100);
  eb.add_occurred_ns(100);
  eb.add_author(&author);
  eb.add_payload_type(type);
  eb.add_payload(note);
  if (extra_field) eb.fbb_.AddElement<uint32_t>(fb::Event::VT_PAYLOAD + 2, 7, 0);
  b.Finish(eb.Finish());
  return Bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

}  // namespace

TEST_CASE("Event: every payload type round trips through encode, frame and decode",
          "[ledger][event]") {
  auto admin = test::NewKey(), other = test::NewKey();
  std::vector<Payload> payloads = {
      MembershipPayload{other.public_key(), fb::MemberOp::Grant, 8 | 16},
      KeyCompromisedPayload{other.public_key(), 42, "laptop stolen"},
      NotePayload{"checked the settlement queue"},
  };
  for (auto& p : payloads) {
    EventFields f = test::NoteFields(H(9), 3, H(8), admin, 5000000000);
    f.incident = 0;
    f.subjects = {{other.public_key(), 2}};
    f.references = {{H(7), 1, fb::Relation::Answers}};
    f.payload = p;
    Bytes signed_event = MakeSigned(f, {&admin});
    auto ev = SignedEvent::Decode(signed_event);
    REQUIRE(ev.ok());
    CHECK(VerifySignatures(*ev, ev->id()).ok());
    EventFields back = DecodeFields(ev->event());
    CHECK(back.seq == 3);
    CHECK(back.ledger_id == H(9));
    CHECK(back.prev_id == H(8));
    CHECK(back.author == admin.public_key());
    CHECK(back.subjects.size() == 1);
    CHECK(back.subjects[0].prev_seq == 2);
    CHECK(back.references[0].relation == fb::Relation::Answers);
    CHECK(back.payload.index() == p.index());
    CHECK(EncodeBody(back) == Bytes(ev->body().begin(), ev->body().end()));
    CHECK(ev->id() == TaggedHash("custody/event/v1", ev->body()));
  }
}

TEST_CASE("Event: changing any single byte of a signed event is caught",
          "[ledger][event][tamper]") {
  auto admin = test::NewKey(), user = test::NewKey();
  EventFields f = test::NoteFields(H(9), 3, H(8), admin, 5000000000, "freeze outbound payments");
  f.subjects = {{user.public_key(), 0}};
  const Bytes good = MakeSigned(f, {&admin});
  REQUIRE(Accepted(good));
  for (size_t i = 0; i < good.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      Bytes bad = good;
      bad[i] ^= mask;
      INFO("byte " << i << " ^ " << int(mask));
      CHECK_FALSE(Accepted(bad));
    }
  }
  Bytes longer = good;
  longer.push_back(0);
  CHECK_FALSE(SignedEvent::Decode(longer).ok());
  CHECK_FALSE(SignedEvent::Decode(Bytes(good.begin(), good.end() - 1)).ok());
  CHECK_FALSE(SignedEvent::Decode(Bytes()).ok());
}

TEST_CASE("Event: signature count must match the required signers", "[ledger][event]") {
  auto admin = test::NewKey(), next = test::NewKey();
  EventFields f = test::NoteFields(H(9), 3, H(8), admin, 5000000000);
  CHECK_FALSE(SignedEvent::Decode(MakeSigned(f, {})).ok());
  CHECK_FALSE(SignedEvent::Decode(MakeSigned(f, {&admin, &admin})).ok());
  f.payload = KeyRotatedPayload{next.public_key()};
  auto ev = SignedEvent::Decode(MakeSigned(f, {&admin}));
  REQUIRE_FALSE(ev.ok());
  CHECK(ev.status().message().find("needs 2") != std::string::npos);
  auto both = SignedEvent::Decode(MakeSigned(f, {&admin, &next}));
  REQUIRE(both.ok());
  CHECK(VerifySignatures(*both, both->id()).ok());
  // Co-signatures in the wrong order do not verify.
  auto swapped = SignedEvent::Decode(MakeSigned(f, {&next, &admin}));
  REQUIRE(swapped.ok());
  CHECK_FALSE(VerifySignatures(*swapped, swapped->id()).ok());
}

TEST_CASE("Event: an unknown payload type is rejected", "[ledger][event]") {
  auto ok = SignedEvent::Decode(FrameSignedEvent(HandBody(fb::Payload::Note, false), {Sig64{}}));
  CHECK(ok.ok());
  auto bad = SignedEvent::Decode(
      FrameSignedEvent(HandBody(static_cast<fb::Payload>(99), false), {Sig64{}}));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("unknown payload type 99") != std::string::npos);
  CHECK_FALSE(
      SignedEvent::Decode(FrameSignedEvent(HandBody(fb::Payload::NONE, false), {Sig64{}})).ok());
}

TEST_CASE("Event: fields from an unknown schema are rejected", "[ledger][event]") {
  auto bad = SignedEvent::Decode(FrameSignedEvent(HandBody(fb::Payload::Note, true), {Sig64{}}));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("unknown envelope fields") != std::string::npos);
}

TEST_CASE("Event: framing errors say what is wrong", "[ledger][event]") {
  Bytes body = HandBody(fb::Payload::Note, false);
  Bytes good = FrameSignedEvent(body, {Sig64{}});
  Bytes magic = good;
  magic[0] = 'X';
  CHECK(SignedEvent::Decode(magic).status().message().find("magic") != std::string::npos);
  Bytes zero_len = good;
  PutLittleEndian32(zero_len.data() + 4, 0);
  CHECK_FALSE(SignedEvent::Decode(zero_len).ok());
  Bytes huge = good;
  PutLittleEndian32(huge.data() + 4, kMaxBodySize + 1);
  CHECK(SignedEvent::Decode(huge).status().message().find("out of range") != std::string::npos);
  // Garbage that is not a FlatBuffer.
  Bytes garbage(body.size(), 0xab);
  CHECK(SignedEvent::Decode(FrameSignedEvent(garbage, {Sig64{}}))
            .status()
            .message()
            .find("verifier") != std::string::npos);
}

TEST_CASE("Event: envelope rules — genesis, times, subjects, references, text size",
          "[ledger][event]") {
  auto admin = test::NewKey(), user = test::NewKey();
  auto check = [&](EventFields f) { return SignedEvent::Decode(MakeSigned(f, {&admin})).ok(); };
  CHECK(check(test::GenesisFields(admin)));
  EventFields g = test::GenesisFields(admin);
  g.seq = 1;
  CHECK_FALSE(check(g));  // genesis only at 0
  g = test::GenesisFields(admin);
  g.prev_id = H(1);
  CHECK_FALSE(check(g));
  EventFields n = test::NoteFields(H(9), 0, Hash32{}, admin, 1000);
  CHECK_FALSE(check(n));  // a note at 0
  n = test::NoteFields(H(9), 4, H(8), admin, 1000000000000);
  n.occurred_ns = n.recorded_ns + kMaxOccurredAhead;
  CHECK(check(n));
  n.occurred_ns += 1;
  CHECK_FALSE(check(n));  // more than 120 s ahead
  n = test::NoteFields(H(9), 4, H(8), admin, 1000);
  n.subjects = {{user.public_key(), 4}};
  CHECK_FALSE(check(n));  // back-link not before the event
  n.subjects = {{user.public_key(), 1}, {user.public_key(), 2}};
  CHECK_FALSE(check(n));  // the same subject twice
  n.subjects.clear();
  n.references = {{H(1), 4, fb::Relation::Cites}};
  CHECK_FALSE(check(n));  // reference to itself
  n.references.clear();
  n.payload = NotePayload{std::string(kMaxTextSize + 1, 'x')};
  CHECK_FALSE(check(n));
  n.payload = NotePayload{std::string(kMaxTextSize, 'x')};
  CHECK(check(n));
  n.incident = 9;
  CHECK_FALSE(check(n));  // incident after the event
}

TEST_CASE(
    "Event: every runbook action type round trips, names its incident, and is checked on its own",
    "[ledger][event]") {
  auto admin = test::NewKey(), other = test::NewKey();
  const TimeNs t = 5000000000000;
  ReconciliationPayload rec;
  rec.unit = "msat";
  rec.sender_wallet = other.public_key();
  rec.sender_balance = 7;
  std::vector<Payload> good = {
      PlaybookPayload{1 | 4},
      CommanderPayload{other.public_key()},
      SeverityPayload{fb::Severity::Sev2, "contained"},
      FreezePayload{"outbound-payments", "pause"},
      UnfreezePayload{"outbound-payments", ""},
      SecretRotatedPayload{"A.1", other.public_key(), "", ""},
      SecretRotatedPayload{"C.1", Hash32{}, "nwc-v2", "rotated"},
      InvalidatedPayload{"A.2", ""},
      UserNotifiedPayload{"B.1", "email", ""},
      BlockedPayload{"B.2", ""},
      StepPayload{"funds.1", "", 0},
      StepPayload{"exit.4", "", t - 1},
      rec,
      CommunicationPayload{fb::Audience::Internal, "update", "", "", "", 0},
      CommunicationPayload{fb::Audience::External, "", "facts", "scope", "re-enroll", t + 1},
      RootCausePayload{"leak", true},
      ClosePayload{"leak", "override"},
      PirPayload{H(5), 10, "text/markdown", "pir.md"},
  };
  auto fields = [&](Payload p) {
    EventFields f = test::NoteFields(H(9), 10, H(8), admin, t);
    f.incident = 3;
    f.subjects = {{other.public_key(), 2}};
    f.payload = std::move(p);
    return f;
  };
  for (auto& p : good) {
    INFO(PayloadTypeName(PayloadTypeOf(p)));
    auto ev = SignedEvent::Decode(MakeSigned(fields(p), {&admin}));
    REQUIRE(ev.ok());
    CHECK(IsIncidentActionType(ev->event().payload_type()));
    EventFields back = DecodeFields(ev->event());
    CHECK(back.payload.index() == p.index());
    CHECK(EncodeBody(back) == Bytes(ev->body().begin(), ev->body().end()));
    // Without an incident, refused.
    EventFields loose = fields(p);
    loose.incident = 0;
    CHECK_FALSE(SignedEvent::Decode(MakeSigned(loose, {&admin})).ok());
  }
  // A correction needs its Corrects reference; no event carries two.
  EventFields corr = fields(CorrectionPayload{"wrong"});
  CHECK_FALSE(SignedEvent::Decode(MakeSigned(corr, {&admin})).ok());
  corr.references = {{H(7), 5, fb::Relation::Corrects}};
  CHECK(SignedEvent::Decode(MakeSigned(corr, {&admin})).ok());
  corr.references.push_back({H(6), 6, fb::Relation::Corrects});
  CHECK_FALSE(SignedEvent::Decode(MakeSigned(corr, {&admin})).ok());

  // Each refused on its own terms.
  std::vector<std::pair<Payload, std::string>> bad = {
      {PlaybookPayload{0}, "no or unknown playbooks"},
      {SeverityPayload{fb::Severity::None, "x"}, "SEV-1, SEV-2 or SEV-3"},
      {SeverityPayload{fb::Severity::Sev1, ""}, "needs a reason"},
      {FreezePayload{"Outbound Payments", "x"}, "operation name"},
      {FreezePayload{"outbound-payments", ""}, "freeze reason"},
      {SecretRotatedPayload{"A.1", Hash32{}, "", ""}, "neither a new key nor a secret label"},
      {SecretRotatedPayload{"Z.1", other.public_key(), "", ""}, "valid step id"},
      {StepPayload{"funds.0", "", 0}, "valid step id"},
      {StepPayload{"exit.4", "", 0}, "exit.4 (and only exit.4)"},
      {StepPayload{"funds.1", "", t - 1}, "exit.4 (and only exit.4)"},
      {StepPayload{"exit.4", "", t + 1}, "after the step itself"},
      {ReconciliationPayload{}, "unit must be sat or msat"},
      {CommunicationPayload{fb::Audience::Internal, "", "", "", "", 0},
       "internal update without a message"},
      {CommunicationPayload{fb::Audience::External, "", "facts", "scope", "", t + 1},
       "without facts, impact scope, user action"},
      {CommunicationPayload{fb::Audience::External, "", " ", "scope", "u", t + 1},
       "without facts, impact scope, user action"},
      {CommunicationPayload{fb::Audience::Internal, " \n", "", "", "", 0},
       "internal update without a message"},
      {CommunicationPayload{fb::Audience::External, "", "f", "s", "u", t - 1},
       "next update time is not after it"},
      {ClosePayload{"", ""}, "needs a root cause"},
      {PirPayload{H(5), 10, "markdown", "pir.md"}, "media type"},
  };
  for (auto& [p, why] : bad) {
    auto ev = SignedEvent::Decode(MakeSigned(fields(p), {&admin}));
    INFO(why);
    REQUIRE_FALSE(ev.ok());
    CHECK(ev.status().message().find(why) != std::string::npos);
  }
  // Notified and blocked users are named.
  EventFields nobody = fields(UserNotifiedPayload{"B.1", "", ""});
  nobody.subjects.clear();
  CHECK_FALSE(SignedEvent::Decode(MakeSigned(nobody, {&admin})).ok());
}
