// Incident projections: the encoding round trip, the view as of a checkpoint,
// and the three ways to the same projection — kept at append, caught up by a
// reader, rebuilt from scratch — which must agree byte for byte.
#include <catch2/catch.hpp>

#include "ledger/membership.h"
#include "ledger/store/store.h"
#include "projections/incident.h"
#include "projections/projector.h"
#include "projections/runbook.h"
#include "projections/status.h"
#include "tests/ledger/factory.h"
#include "tests/testutil.h"

using namespace custody;

namespace {

constexpr TimeNs kT0 = 1795168980LL * 1000000000;  // 2026-11-20T10:03:00Z
constexpr TimeNs kMin = 60LL * 1000000000;

AppendOptions At(TimeNs t) {
  AppendOptions o;
  o.now_ns = t;
  return o;
}

// An incident with a mix of runbook actions, appended with or without the projector.
uint64_t Fill(Store* store, const SecretKey& admin, TimeNs t0, int n) {
  std::vector<Appended> out;
  Draft decl;
  decl.payload =
      IncidentDeclaredPayload{fb::Severity::Sev1, "t", "", 1, CurrentRunbook().version, 0};
  REQUIRE(store->Append(admin, {decl}, At(t0), &out).ok());
  const uint64_t inc = out.back().seq;
  std::vector<Draft> drafts;
  for (int i = 0; i < n; ++i) {
    Draft d;
    d.incident = inc;
    switch (i % 4) {
      case 0:
        d.payload = NotePayload{"n" + std::to_string(i)};
        break;
      case 1:
        d.payload = CommunicationPayload{fb::Audience::Internal, "u", "", "", "", 0};
        break;
      case 2:
        d.payload = StepPayload{"A.3", "", 0};
        break;
      default:
        d.payload = FreezePayload{"op-" + std::to_string(i), "r"};
        break;
    }
    drafts.push_back(std::move(d));
  }
  AppendOptions o = At(t0 + kMin);
  o.batch_size = 7;  // many batches: the projection carried from one to the next
  REQUIRE(store->Append(admin, drafts, o, &out).ok());
  return inc;
}

// A new ledger whose projections are kept at append, as the CLI's writers keep them.
std::unique_ptr<Store> ProjectedLedger(const std::string& dir, const SecretKey& admin) {
  auto store = std::move(Store::Init(dir, "x", admin, kT0).value());
  RebuildReport r;
  REQUIRE(RebuildProjections(store.get(), nullptr, &r).ok());
  store->set_projector(&IncidentProjector::Instance());
  return store;
}

std::string Stored(const Store& store, uint64_t inc) {
  auto v = store.GetProjection(IncidentKey(inc));
  REQUIRE(v.ok());
  REQUIRE(v->has_value());
  return **v;
}

}  // namespace

TEST_CASE("Projection: kept at append, identical to a rebuild from scratch", "[projections]") {
  test::TempDir tmp;
  auto admin = test::NewKey();
  auto store = ProjectedLedger(tmp / "l", admin);
  RebuildReport r;
  const uint64_t a = Fill(store.get(), admin, kT0, 50);
  const uint64_t b = Fill(store.get(), admin, kT0 + 2 * kMin, 30);
  CHECK(store->projections_applied() == store->size());
  const std::string kept_a = Stored(*store, a), kept_b = Stored(*store, b);
  auto loaded = store->LoadIncident(a);
  REQUIRE(loaded.ok());
  CHECK(loaded->events == 51);
  CHECK(EncodeState(*loaded) == kept_a);

  REQUIRE(RebuildProjections(store.get(), nullptr, &r).ok());
  CHECK(r.incidents == 2);
  CHECK(r.matched == 2);
  CHECK(r.differed + r.missing + r.extra == 0);
  CHECK(Stored(*store, a) == kept_a);
  CHECK(Stored(*store, b) == kept_b);
}

TEST_CASE("Projection: a ledger appended without the projector is caught up by readers and rebuilt",
          "[projections]") {
  test::TempDir tmp;
  auto admin = test::NewKey();
  std::string with_projector;
  {
    test::TempDir other;
    auto store = ProjectedLedger(other / "l", admin);
    const uint64_t inc = Fill(store.get(), admin, kT0, 40);
    auto s = store->LoadIncident(inc);
    REQUIRE(s.ok());
    with_projector = EncodeState(*s);
  }
  auto store = std::move(Store::Init(tmp / "l", "x", admin, kT0).value());
  const uint64_t inc = Fill(store.get(), admin, kT0, 40);  // no projector: nothing stored
  CHECK(store->projections_applied() == 0);
  auto caught_up = store->LoadIncident(inc);
  REQUIRE(caught_up.ok());
  // The same events at the same sequence numbers, but other authors' keys and
  // times: compare what does not depend on them.
  CHECK(caught_up->events == 41);
  CHECK(caught_up->acts.size() == 1 + 30);  // the declaration and the 30 non-notes
  RebuildReport r;
  REQUIRE(RebuildProjections(store.get(), nullptr, &r).ok());
  CHECK(r.missing == 1);
  CHECK(EncodeState(*caught_up) == Stored(*store, inc));
  CHECK(DecodeState(with_projector).ok());
}

TEST_CASE("Projection: a stored projection that differs is reported and replaced by the rebuild",
          "[projections]") {
  test::TempDir tmp;
  auto admin = test::NewKey();
  auto store = ProjectedLedger(tmp / "l", admin);
  RebuildReport r;
  const uint64_t inc = Fill(store.get(), admin, kT0, 12);
  const std::string kept = Stored(*store, inc);
  // Tamper with the stored projection: drop its last act.
  auto s = DecodeState(kept).value();
  s.acts.pop_back();
  REQUIRE(store
              ->ReplaceProjections({{IncidentKey(inc), EncodeState(s)}, {IncidentKey(999), "{}"}},
                                   store->size())
              .ok());
  REQUIRE(RebuildProjections(store.get(), nullptr, &r).ok());
  CHECK(r.differed == 1);
  CHECK(r.extra == 1);
  CHECK(Stored(*store, inc) == kept);
}

TEST_CASE("Projection: encoding round trip, and the view before a checkpoint", "[projections]") {
  IncidentState s;
  s.incident = 3;
  s.events = 3;
  s.last_seq = 9;
  Act decl;
  decl.seq = 3;
  decl.payload =
      IncidentDeclaredPayload{fb::Severity::Sev2, "title \"quoted\"", "", 4, Hash32{1}, 90};
  Act rec;
  rec.seq = 7;
  rec.subjects = {Hash32{2}};
  ReconciliationPayload figures;
  figures.unit = "msat";
  figures.sender_balance = UINT64_MAX;
  rec.payload = figures;
  Act fix;
  fix.seq = 9;
  fix.corrects = 7;
  fix.payload = CorrectionPayload{"wrong file"};
  s.acts = {decl, rec, fix};
  const std::string bytes = EncodeState(s);
  auto back = DecodeState(bytes);
  REQUIRE(back.ok());
  CHECK(EncodeState(*back) == bytes);
  CHECK(std::get<ReconciliationPayload>(back->acts[1].payload).sender_balance == UINT64_MAX);
  CHECK(back->acts[2].corrects == 7);
  const IncidentState at8 = StateAt(s, 8);
  CHECK(at8.acts.size() == 2);
  CHECK(at8.last_seq == 7);
  CHECK_FALSE(DecodeState("{\"format\":2}").ok());
  CHECK_FALSE(DecodeState("not json").ok());
  // The retraction supersedes the reconciliation in the evaluation; before it, not.
  CHECK(Evaluate(s, CurrentRunbook(), kT0).reconciliations.empty());
  CHECK(Evaluate(at8, CurrentRunbook(), kT0).reconciliations.size() == 1);
}

TEST_CASE("Projection: stored bytes are accepted only in their canonical encoding",
          "[projections]") {
  // The fuzz corpus's seeds are canonical encodings (so the fuzzer starts from
  // states that decode); any change to them that EncodeState would not write
  // is refused, floating-point numbers and deep nesting included.
  const std::string drill =
      test::ReadFile(std::string(CUSTODY_SOURCE_DIR) + "/fuzz/corpus/projection_state/drill.json");
  auto s = DecodeState(drill);
  INFO(s.status().message());
  REQUIRE(s.ok());
  CHECK(s->acts.size() == 5);
  CHECK(EncodeState(*s) == drill);
  CHECK(DecodeState(std::string(" ") + drill).status().IsCorruption());
  std::string wrapped = drill;
  wrapped.replace(wrapped.find("\"playbooks\":5"), 13,
                  "\"playbooks\":261");  // 261 wraps to 5 in a byte
  CHECK_FALSE(DecodeState(wrapped).ok());
  std::string floating = drill;
  floating.replace(floating.find("\"playbooks\":5"), 13, "\"playbooks\":5.5");
  CHECK_FALSE(DecodeState(floating).ok());
  CHECK_FALSE(DecodeState(std::string(100, '[') + std::string(100, ']')).ok());
}
