#include "ledger/store/store.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "ledger/base/encoding.h"
#include "ledger/checkpoint.h"
#include "ledger/import.h"
#include "ledger/membership.h"
#include "ledger/merkle.h"
#include "ledger/store/verify.h"
#include "tests/ledger/factory.h"
#include "tests/store/rawdb.h"
#include "tests/testutil.h"

using namespace custody;

namespace {

constexpr TimeNs kT0 = 1795168980LL * 1000000000;  // 2026-11-20T10:03:00Z

Draft NoteDraft(const std::string& text, std::vector<Hash32> subjects = {}) {
  Draft d;
  d.payload = NotePayload{text};
  d.subjects = std::move(subjects);
  return d;
}

Status Verify(const std::string& dir, VerifyReport* report = nullptr,
              std::optional<Hash32> trust = {}) {
  auto store = Store::OpenReader(dir);
  if (!store.ok()) return store.status();
  VerifyReport r;
  VerifyOptions o;
  o.trust = trust;
  Status s = VerifyLedger(**store, o, &r);
  if (report) *report = r;
  return s;
}

AppendOptions At(TimeNs t) {
  AppendOptions o;
  o.now_ns = t;
  return o;
}

}  // namespace

TEST_CASE("Store: init writes the genesis, and appends survive reopening", "[store]") {
  test::TempDir tmp;
  const std::string dir = tmp / "ledger";
  auto admin = test::NewKey(), user = test::NewKey();
  Hash32 ledger_id;
  {
    auto store = Store::Init(dir, "incident ledger", admin, kT0);
    REQUIRE(store.ok());
    ledger_id = (*store)->head().ledger_id;
    CHECK((*store)->size() == 1);
    std::vector<Appended> out;
    REQUIRE((*store)
                ->Append(admin, {NoteDraft("one", {user.public_key()}), NoteDraft("two")},
                         At(kT0 + 1), &out)
                .ok());
    REQUIRE(out.size() == 2);
    CHECK(out[0].seq == 1);
    CHECK(out[1].seq == 2);
  }
  auto store = Store::OpenWriter(dir);
  REQUIRE(store.ok());
  CHECK((*store)->size() == 3);
  CHECK((*store)->name() == "incident ledger");
  CHECK((*store)->head().ledger_id == ledger_id);
  std::vector<Appended> out;
  REQUIRE(
      (*store)->Append(admin, {NoteDraft("three", {user.public_key()})}, At(kT0 + 2), &out).ok());
  auto ev = (*store)->Get(3);
  REQUIRE(ev.ok());
  REQUIRE(ev->event().subjects()->size() == 1);
  CHECK(ev->event().subjects()->Get(0)->prev_seq() == 1);  // back-link across a reopen
  CHECK((*store)->EventsAbout(user.public_key()).value() == std::vector<uint64_t>{1, 3});
  CHECK((*store)->SeqOfId(out[0].id).value() == 3);
  store->reset();
  VerifyReport report;
  REQUIRE(Verify(dir, &report).ok());
  CHECK(report.events == 4);
  CHECK(report.ledger_id == ledger_id);
  CHECK(report.genesis_admin == admin.public_key());
}

TEST_CASE("Store: Commit takes events their authors signed elsewhere, all or none", "[store]") {
  test::TempDir tmp;
  const std::string dir = tmp / "ledger";
  auto admin = test::NewKey();
  auto store = Store::Init(dir, "ledger", admin, kT0).value();
  // Signed by the author's own code from the head it read, not by the store.
  auto sign = [&](uint64_t seq, const Hash32& prev, TimeNs t, const std::string& text) {
    EventFields f = test::NoteFields(store->head().ledger_id, seq, prev, admin, t, text);
    return test::MakeSigned(f, {&admin});
  };
  Bytes first = sign(1, store->head().last_id, kT0 + 1, "signed elsewhere");
  Bytes second = sign(2, SignedEvent::Decode(first).value().id(), kT0 + 2, "and another");
  std::vector<Appended> out;
  REQUIRE(store->Commit({first, second}, {}, At(kT0 + 3), &out).ok());
  REQUIRE(out.size() == 2);
  CHECK(out[1].seq == 2);
  CHECK(out[1].recorded_ns == kT0 + 2);      // the author's recorded time, as signed
  CHECK(store->GetRaw(1).value() == first);  // stored as signed, byte for byte
  // A batch with one bad event writes none of it.
  Bytes ok = sign(3, store->head().last_id, kT0 + 4, "fine");
  Bytes bad = sign(4, SignedEvent::Decode(ok).value().id(), kT0 + 5, "tampered");
  bad[bad.size() - 1] ^= 1;
  Status s = store->Commit({ok, bad}, {}, At(kT0 + 6), nullptr);
  CHECK(s.IsRejected());
  CHECK(s.message().find("event 4: signature 0") != std::string::npos);
  CHECK(store->size() == 3);
  // The drafts a writer signs for itself go the same way.
  auto signed_drafts = store->SignDrafts(admin, {NoteDraft("self-signed")}, At(kT0 + 7));
  REQUIRE(signed_drafts.ok());
  REQUIRE(store->Commit(*signed_drafts, {}, At(kT0 + 8), &out).ok());
  CHECK(store->size() == 4);
  store.reset();
  VerifyReport report;
  CHECK(Verify(dir, &report).ok());
}

TEST_CASE("Store: init refuses a non-empty directory", "[store]") {
  test::TempDir tmp;
  std::ofstream(tmp / "file") << "x";
  auto admin = test::NewKey();
  CHECK(Store::Init(tmp.path(), "x", admin).status().IsInvalidArgument());
  CHECK(Store::OpenWriter(tmp / "nothing").status().message().find("no ledger") !=
        std::string::npos);
}

TEST_CASE("Store: a non-member's append is refused and nothing is written", "[store]") {
  test::TempDir tmp;
  auto admin = test::NewKey(), stranger = test::NewKey();
  auto store = Store::Init(tmp / "l", "x", admin, kT0);
  REQUIRE(store.ok());
  std::vector<Appended> out;
  Status s = (*store)->Append(stranger, {NoteDraft("let me in")}, At(kT0 + 1), &out);
  CHECK(s.IsUnauthorized());
  CHECK(out.empty());
  CHECK((*store)->size() == 1);
  // A batch with one bad draft writes none of it.
  Draft bad = NoteDraft("x");
  bad.occurred_ns = kT0 + 10 + kMaxOccurredAhead + 1;
  s = (*store)->Append(admin, {NoteDraft("fine"), bad}, At(kT0 + 10), &out);
  CHECK(s.IsRejected());
  CHECK((*store)->size() == 1);
  REQUIRE((*store)->Append(admin, {NoteDraft("fine")}, At(kT0 + 10), &out).ok());
  CHECK((*store)->size() == 2);
}

TEST_CASE("Store: a recorded time going backwards is refused, a small step is absorbed",
          "[store]") {
  test::TempDir tmp;
  auto admin = test::NewKey();
  auto store = Store::Init(tmp / "l", "x", admin, kT0);
  REQUIRE(store.ok());
  std::vector<Appended> out;
  REQUIRE((*store)->Append(admin, {NoteDraft("a")}, At(kT0 + 5000000000), &out).ok());
  Status s = (*store)->Append(admin, {NoteDraft("b")}, At(kT0), &out);
  CHECK(s.IsInvalidArgument());
  CHECK(s.message().find("decreasing time") != std::string::npos);
  CHECK((*store)->size() == 2);
  REQUIRE((*store)->Append(admin, {NoteDraft("c")}, At(kT0 + 4500000000), &out).ok());
  CHECK(out.back().recorded_ns == kT0 + 5000000000);  // clamped to the head, never earlier
}

TEST_CASE("Store: membership changes are checked at append and replayed by verify", "[store]") {
  test::TempDir tmp;
  auto admin = test::NewKey(), resp = test::NewKey(), next = test::NewKey();
  auto store = Store::Init(tmp / "l", "x", admin, kT0);
  REQUIRE(store.ok());
  auto grant = [&](const Hash32& who, uint32_t roles) {
    Draft d;
    d.payload = MembershipPayload{who, fb::MemberOp::Grant, roles};
    return d;
  };
  std::vector<Appended> out;
  REQUIRE((*store)->Append(admin, {grant(resp.public_key(), 8)}, At(kT0 + 1), &out).ok());
  REQUIRE((*store)->Append(resp, {NoteDraft("responder note")}, At(kT0 + 2), &out).ok());
  CHECK((*store)->Append(resp, {grant(resp.public_key(), 1)}, At(kT0 + 3), &out).IsUnauthorized());
  // Key rotation: signed by old and new key; the old key loses its roles.
  Draft rotate;
  rotate.payload = KeyRotatedPayload{next.public_key()};
  CHECK((*store)->Append(admin, {rotate}, At(kT0 + 4), &out).IsInvalidArgument());  // no co-signer
  rotate.cosigners = {&next};
  REQUIRE((*store)->Append(admin, {rotate}, At(kT0 + 4), &out).ok());
  CHECK((*store)->Append(admin, {NoteDraft("old key")}, At(kT0 + 5), &out).IsUnauthorized());
  REQUIRE((*store)->Append(next, {NoteDraft("new key")}, At(kT0 + 5), &out).ok());
  auto members = (*store)->Members().value();
  CHECK(members.size() == 2);
  CHECK(members[next.public_key()].roles == 1);
  store->reset();
  REQUIRE(Verify(tmp / "l").ok());
}

TEST_CASE("Store: batched appends share syncs and verify on every core", "[store]") {
  test::TempDir tmp;
  auto admin = test::NewKey(), user = test::NewKey();
  auto store = Store::Init(tmp / "l", "x", admin, kT0);
  REQUIRE(store.ok());
  std::vector<Draft> drafts;
  for (int i = 0; i < 10000; ++i)
    drafts.push_back(
        NoteDraft("event " + std::to_string(i),
                  i % 7 == 0 ? std::vector<Hash32>{user.public_key()} : std::vector<Hash32>{}));
  AppendOptions o = At(kT0 + 1);
  o.batch_size = 1000;
  uint64_t progress_calls = 0, last_done = 0;
  o.progress = [&](uint64_t done, uint64_t total) {
    ++progress_calls;
    CHECK(done > last_done);
    CHECK(total == 10000);
    last_done = done;
  };
  std::vector<Appended> out;
  REQUIRE((*store)->Append(admin, drafts, o, &out).ok());
  CHECK(progress_calls ==
        11);  // batches of 512, then 1000 (the first batch is small to fill the pipeline)
  CHECK(last_done == 10000);
  CHECK(out.size() == 10000);
  CHECK((*store)->EventsAbout(user.public_key()).value().size() == 1429);
  store->reset();
  VerifyReport r;
  REQUIRE(Verify(tmp / "l", &r).ok());
  CHECK(r.events == 10001);
}

TEST_CASE("Store: a second writer waits, then gets Busy, while readers work", "[store]") {
  test::TempDir tmp;
  auto admin = test::NewKey();
  auto writer = Store::Init(tmp / "l", "x", admin, kT0);
  REQUIRE(writer.ok());
  OpenOptions o;
  o.busy_timeout_ms = 200;
  auto second = Store::OpenWriter(tmp / "l", o);
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().IsBusy());
  CHECK(second.status().message().find("ledger busy") != std::string::npos);
  std::vector<Appended> out;
  REQUIRE((*writer)->Append(admin, {NoteDraft("during read")}, At(kT0 + 1), &out).ok());
  auto reader = Store::OpenReader(tmp / "l");
  REQUIRE(reader.ok());
  CHECK((*reader)->size() == 2);
  CHECK((*reader)->Get(1).ok());
}

TEST_CASE("Store: an unknown storage format is refused with a clear message", "[store]") {
  test::TempDir tmp;
  auto admin = test::NewKey();
  REQUIRE(Store::Init(tmp / "l", "x", admin, kT0).ok());
  {
    test::RawDb raw(tmp / "l");
    raw.Put(raw.meta(), std::string(layout::kFormatKey), "99");
  }
  auto s = Store::OpenReader(tmp / "l").status();
  CHECK(s.IsIOError());
  CHECK(s.message().find("storage format 99") != std::string::npos);
}

TEST_CASE("Store: reopen after a torn write-ahead log tail keeps every acknowledged event",
          "[store][recovery]") {
  test::TempDir tmp;
  auto admin = test::NewKey();
  {
    auto store = Store::Init(tmp / "l", "x", admin, kT0);
    REQUIRE(store.ok());
    std::vector<Appended> out;
    for (int i = 0; i < 20; ++i)
      REQUIRE(
          (*store)->Append(admin, {NoteDraft("n" + std::to_string(i))}, At(kT0 + i), &out).ok());
  }
  // Tear the tail: half a record of garbage at the end of the newest log.
  std::string newest;
  for (auto& e : std::filesystem::directory_iterator(tmp / "l"))
    if (e.path().extension() == ".log" && e.path().string() > newest) newest = e.path().string();
  REQUIRE_FALSE(newest.empty());
  {
    std::ofstream f(newest, std::ios::app | std::ios::binary);
    f << std::string(7, '\x42');
  }
  auto store = Store::OpenWriter(tmp / "l");
  REQUIRE(store.ok());
  CHECK((*store)->size() == 21);
  std::vector<Appended> out;
  REQUIRE((*store)->Append(admin, {NoteDraft("after recovery")}, At(kT0 + 100), &out).ok());
  store->reset();
  REQUIRE(Verify(tmp / "l").ok());
}

TEST_CASE("Import lines: strict parsing names what is wrong", "[store][import]") {
  auto user = test::NewKey();
  const std::string npub = EncodeNpub(user.public_key());
  auto d = ParseImportLine(R"({"type":"note","text":"hi","subjects":[")" + npub +
                           R"("],"occurred":"2026-11-20T10:03:00Z"})");
  REQUIRE(d.ok());
  CHECK(std::get<NotePayload>(d->payload).text == "hi");
  CHECK(d->subjects.at(0) == user.public_key());
  CHECK(d->occurred_ns == kT0);
  auto msg = [](const std::string& line) { return ParseImportLine(line).status().message(); };
  CHECK(msg("not json") == "not valid JSON");
  CHECK(msg("[1]") == "not a JSON object");
  CHECK(msg(R"({"text":"x"})") == "missing \"type\"");
  CHECK(msg(R"({"type":"teleport"})").find("cannot be imported") != std::string::npos);
  CHECK(msg(R"({"type":"note"})") == "missing \"text\"");
  CHECK(msg(R"({"type":"note","text":"x","colour":"red"})") == "unknown member \"colour\"");
  CHECK(msg(R"({"type":"note","text":"x","incident":"seven"})").find("INC-") != std::string::npos);
  CHECK(msg(R"({"type":"note","text":"x","subjects":["npub1xyz"]})").find("subject") !=
        std::string::npos);
  CHECK(msg(R"({"type":"note","text":"x","occurred":"noon"})").find("RFC 3339") !=
        std::string::npos);
  CHECK(msg(R"({"type":"note","text":5})") == "\"text\" must be a string");
  CHECK(msg(R"({"type":"step","step":"A.1"})").find("have their own commands") !=
        std::string::npos);
}

TEST_CASE("Import lines: deploy hashes, validated like deploy record", "[store][import]") {
  const std::string sha1 = "0123456789ABCDEF0123456789abcdef01234567";
  auto d = ParseImportLine(
      R"({"type":"deploy","service":"wallet-api","hash":")" + sha1 +
      R"(","deployed_at":"2026-11-20T10:03:00Z","repo":"https://git.example/w","incident":"INC-3"})");
  INFO(d.status().message());
  REQUIRE(d.ok());
  const auto& p = std::get<DeployPayload>(d->payload);
  CHECK(p.service == "wallet-api");
  CHECK(EncodeHex(p.commit) == "0123456789abcdef0123456789abcdef01234567");
  CHECK(p.deployed_ns == kT0);
  CHECK(p.repo == "https://git.example/w");
  CHECK(d->incident == 3);
  auto sha256 = ParseImportLine(R"({"type":"deploy","service":"s","hash":")" +
                                std::string(64, 'a') + R"("})");
  REQUIRE(sha256.ok());
  CHECK(std::get<DeployPayload>(sha256->payload).commit.size() == 32);
  CHECK(std::get<DeployPayload>(sha256->payload).deployed_ns == 0);
  auto msg = [](const std::string& line) { return ParseImportLine(line).status().message(); };
  CHECK(msg(R"({"type":"deploy","hash":"0123456789abcdef0123456789abcdef01234567"})") ==
        "missing \"service\"");
  CHECK(msg(R"({"type":"deploy","service":"s"})") == "missing \"hash\"");
  CHECK(msg(R"({"type":"deploy","service":"s","hash":"abc"})")
            .find("\"hash\": want a git commit hash") == 0);
  CHECK(msg(R"({"type":"deploy","service":"s","hash":")" + std::string(40, 'g') + R"("})")
            .find("git commit") != std::string::npos);
  CHECK(msg(R"({"type":"deploy","service":"s","hash":")" + std::string(40, 'a') +
            R"(","deployed_at":"soon"})")
            .find("\"deployed_at\"") == 0);
  CHECK(msg(R"({"type":"deploy","service":"s","hash":")" + std::string(40, 'a') +
            R"(","text":"x"})") == "unknown member \"text\"");
}

TEST_CASE("Store: the tree is kept in the append batch and checkpoints must match it",
          "[store][merkle]") {
  test::TempDir tmp;
  auto admin = test::NewKey(), notary = test::NewKey(), resp = test::NewKey();
  auto store = Store::Init(tmp / "l", "x", admin, kT0).value();
  std::vector<Draft> drafts;
  Draft grant_n, grant_r;
  grant_n.payload = MembershipPayload{notary.public_key(), fb::MemberOp::Grant, kNotary};
  grant_r.payload = MembershipPayload{resp.public_key(), fb::MemberOp::Grant, kResponder};
  REQUIRE(store->Append(admin, {grant_n, grant_r}, At(kT0 + 1), nullptr).ok());
  for (int i = 0; i < 37; ++i) drafts.push_back(NoteDraft("n" + std::to_string(i)));
  AppendOptions o = At(kT0 + 2);
  o.batch_size = 8;
  REQUIRE(store->Append(resp, drafts, o, nullptr).ok());
  // The stored tree is the tree of the stored bytes.
  CompactRange expect;
  for (uint64_t seq = 0; seq < store->size(); ++seq)
    expect.Append(HashLeaf(store->GetRaw(seq).value()), nullptr);
  CHECK(store->tree().Root() == expect.Root());
  CHECK(TreeRoot(store->Nodes(), store->size()).value() == expect.Root());
  auto make = [&](const SecretKey& key, uint64_t size, const Hash32& root) {
    Checkpoint cp{CheckpointOrigin(store->head().ledger_id), size, root};
    Draft d;
    d.payload = CheckpointPayload{size, root, SignCheckpoint(key, cp).value(),
                                  NostrCheckpointEvent(key, cp, kT0 / 1000000000).value()};
    return d;
  };
  const uint64_t n = store->size();
  CHECK(store->Append(notary, {make(notary, n, expect.Root())}, At(kT0 + 3), nullptr).ok());
  CHECK(store->CheckpointEvent(0).value().event().seq() == n);
  Hash32 wrong = expect.Root();
  wrong[0] ^= 1;
  CHECK(store->Append(notary, {make(notary, n + 1, wrong)}, At(kT0 + 4), nullptr).IsRejected());
  CHECK(store->Append(resp, {make(resp, n + 1, store->tree().Root())}, At(kT0 + 4), nullptr)
            .IsUnauthorized());
  // A note signed by someone else than the event's author is refused.
  CHECK_FALSE(
      store->Append(notary, {make(admin, n + 1, store->tree().Root())}, At(kT0 + 4), nullptr).ok());
  CHECK(store
            ->Append(notary, {make(notary, n + 1, store->tree().Root()), NoteDraft("x")},
                     At(kT0 + 4), nullptr)
            .IsInvalidArgument());
  store.reset();
  VerifyReport r;
  REQUIRE(Verify(tmp / "l", &r).ok());
  CHECK(r.checkpoints == 1);
  // Reopened, the writer resumes the tree from its stored nodes.
  auto again = Store::OpenWriter(tmp / "l").value();
  CHECK(again->tree().size() == n + 1);
  REQUIRE(again->Append(resp, {NoteDraft("after reopen")}, At(kT0 + 5), nullptr).ok());
  again.reset();
  REQUIRE(Verify(tmp / "l").ok());
}
