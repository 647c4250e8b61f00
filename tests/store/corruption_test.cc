// Tampering with a stored ledger through RocksDB, as someone with the disk
// could: every change must make verify fail, naming the event.
#include <catch2/catch.hpp>

#include "ledger/base/encoding.h"
#include "ledger/store/store.h"
#include "ledger/store/verify.h"
#include "tests/ledger/factory.h"
#include "tests/store/rawdb.h"
#include "tests/testutil.h"

using namespace custody;

namespace {

constexpr TimeNs kT0 = 1795168980LL * 1000000000;

struct Ledger {
  test::TempDir tmp;
  std::string dir = tmp / "l";
  SecretKey admin = test::NewKey();
  SecretKey user = test::NewKey();
  ChainHead head;

  explicit Ledger(int notes = 5) {
    auto store = Store::Init(dir, "tamper", admin, kT0).value();
    std::vector<Draft> drafts;
    for (int i = 0; i < notes; ++i) {
      Draft d;
      d.payload = NotePayload{"note " + std::to_string(i)};
      if (i % 2 == 0) d.subjects = {user.public_key()};
      drafts.push_back(std::move(d));
    }
    AppendOptions o;
    o.now_ns = kT0 + 1000;
    REQUIRE(store->Append(admin, drafts, o, nullptr).ok());
    head = store->head();
  }

  Status Verify(std::optional<Hash32> trust = {}) const {
    auto store = Store::OpenReader(dir);
    if (!store.ok()) return store.status();
    VerifyReport r;
    VerifyOptions o;
    o.trust = trust;
    return VerifyLedger(**store, o, &r);
  }
};

bool Names(const Status& s, const std::string& what) {
  return s.message().find(what) != std::string::npos;
}

std::string Str(const Bytes& b) { return std::string(b.begin(), b.end()); }

}  // namespace

TEST_CASE("Corruption: changing any single byte of a stored event fails verify naming it",
          "[store][corruption]") {
  Ledger l;
  REQUIRE(l.Verify().ok());
  std::string original;
  {
    test::RawDb raw(l.dir);
    original = raw.Event(3);
  }
  for (size_t i = 0; i < original.size(); ++i) {
    std::string bad = original;
    bad[i] ^= 0x01;
    {
      test::RawDb raw(l.dir);
      raw.PutEvent(3, bad);
    }
    Status s = l.Verify();
    INFO("byte " << i << ": " << s.message());
    CHECK((s.IsCorruption() || s.IsRejected()));
    CHECK(s.message().rfind("event 3: ", 0) == 0);
  }
  {
    test::RawDb raw(l.dir);
    raw.PutEvent(3, original);
  }
  CHECK(l.Verify().ok());
}

TEST_CASE("Corruption: an event deleted from the middle", "[store][corruption]") {
  Ledger l;
  {
    test::RawDb raw(l.dir);
    raw.Delete(raw.events(), layout::SeqKey(2));
  }
  Status s = l.Verify();
  CHECK(s.IsCorruption());
  CHECK(s.message().rfind("event 2: missing", 0) == 0);
}

TEST_CASE("Corruption: the last event deleted (head says more)", "[store][corruption]") {
  Ledger l;
  {
    test::RawDb raw(l.dir);
    raw.Delete(raw.events(), layout::SeqKey(5));
  }
  Status s = l.Verify();
  CHECK(s.IsCorruption());
  CHECK(s.message().rfind("event 5: missing", 0) == 0);
}

TEST_CASE("Corruption: two events swapped", "[store][corruption]") {
  Ledger l;
  {
    test::RawDb raw(l.dir);
    std::string a = raw.Event(2), b = raw.Event(3);
    raw.PutEvent(2, b);
    raw.PutEvent(3, a);
  }
  Status s = l.Verify();
  CHECK(s.IsCorruption());
  CHECK(s.message().rfind("event 2: ", 0) == 0);
}

TEST_CASE("Corruption: an event replayed from another ledger", "[store][corruption]") {
  Ledger a, b;
  {
    std::string foreign;
    {
      test::RawDb raw(b.dir);
      foreign = raw.Event(2);
    }
    test::RawDb raw(a.dir);
    raw.PutEvent(2, foreign);
  }
  Status s = a.Verify();
  CHECK(s.message().rfind("event 2: ", 0) == 0);
  // Signed by another admin, so the first thing to fail may be the signature,
  // the ledger id or the chain; it must fail at 2 either way.
  CHECK_FALSE(s.ok());
}

TEST_CASE("Corruption: a well-signed, well-chained event by a non-member", "[store][corruption]") {
  Ledger l;
  auto stranger = test::NewKey();
  EventFields f = test::NoteFields(l.head.ledger_id, l.head.next_seq, l.head.last_id, stranger,
                                   kT0 + 2000, "forged");
  {
    test::RawDb raw(l.dir);
    raw.PutEvent(f.seq, Str(test::MakeSigned(f, {&stranger})));
  }
  Status s = l.Verify();
  CHECK(s.IsUnauthorized());
  CHECK(ExitCode(s, ExitContext::kReading) == 1);
  CHECK(s.message().rfind("event 6: ", 0) == 0);
  CHECK(Names(s, "not a member"));
}

TEST_CASE("Corruption: a signed event whose recorded time goes backwards", "[store][corruption]") {
  Ledger l;
  EventFields f = test::NoteFields(l.head.ledger_id, l.head.next_seq, l.head.last_id, l.admin, kT0,
                                   "back in time");
  {
    test::RawDb raw(l.dir);
    raw.PutEvent(f.seq, Str(test::MakeSigned(f, {&l.admin})));
  }
  Status s = l.Verify();
  CHECK(s.IsRejected());
  CHECK(s.message().rfind("event 6: ", 0) == 0);
  CHECK(Names(s, "before the previous event"));
}

TEST_CASE("Corruption: a back-link that hides an event about the user", "[store][corruption]") {
  Ledger l;  // notes 0, 2, 4 (seqs 1, 3, 5) are about the user
  EventFields f =
      test::NoteFields(l.head.ledger_id, l.head.next_seq, l.head.last_id, l.admin, kT0 + 2000);
  f.subjects = {{l.user.public_key(), 3}};  // skips #5
  {
    test::RawDb raw(l.dir);
    raw.PutEvent(f.seq, Str(test::MakeSigned(f, {&l.admin})));
  }
  Status s = l.Verify();
  CHECK(s.message().rfind("event 6: back-link", 0) == 0);
}

TEST_CASE("Corruption: the members index disagreeing with the membership events",
          "[store][corruption]") {
  Ledger l;
  auto stranger = test::NewKey();
  {
    test::RawDb raw(l.dir);
    raw.Put(raw.members(), layout::HashKey(stranger.public_key()), std::string("\x01\0\0\0\0", 5));
  }
  Status s = l.Verify();
  CHECK(s.IsCorruption());
  CHECK(Names(s, "members index"));
}

TEST_CASE("Trust: verify --trust checks the genesis admin", "[store][trust]") {
  Ledger l;
  CHECK(l.Verify(l.admin.public_key()).ok());
  Status s = l.Verify(l.user.public_key());
  CHECK(s.IsVerificationFailed());
  CHECK(Names(s, "is not the trusted key"));
}

TEST_CASE("Corruption: the event id and subject indexes must hold what the events imply",
          "[store][corruption]") {
  {
    Ledger l;
    {
      test::RawDb raw(l.dir);
      auto ev = SignedEvent::Decode(AsSpan(raw.Event(2))).value();
      raw.Delete(raw.ids(), layout::HashKey(ev.id()));
    }
    Status s = l.Verify();
    CHECK(s.IsCorruption());
    CHECK(Names(s, "event id index does not match"));
  }
  {
    Ledger l;
    {
      test::RawDb raw(l.dir);
      auto ev = SignedEvent::Decode(AsSpan(raw.Event(2))).value();
      raw.Put(raw.ids(), layout::HashKey(ev.id()), layout::SeqKey(3));  // points elsewhere
    }
    Status s = l.Verify();
    CHECK(s.IsCorruption());
    CHECK(Names(s, "event id index does not match"));
  }
  {
    Ledger l;
    {
      test::RawDb raw(l.dir);
      raw.Delete(raw.subjects(), layout::SubjectKey(l.user.public_key(), 3));
    }
    Status s = l.Verify();
    CHECK(s.IsCorruption());
    CHECK(Names(s, "subject index does not match"));
  }
}

TEST_CASE("Corruption: a stored name that is not the genesis's", "[store][corruption]") {
  Ledger l;
  {
    test::RawDb raw(l.dir);
    raw.Put(raw.meta(), std::string(layout::kNameKey), "another ledger");
  }
  Status s = l.Verify();
  CHECK(s.IsCorruption());
  CHECK(Names(s, "name"));
}

TEST_CASE("Corruption: a recorded time in the future", "[store][corruption]") {
  Ledger l;
  const TimeNs future = NowNs() + 3600LL * 1000000000;
  EventFields f =
      test::NoteFields(l.head.ledger_id, l.head.next_seq, l.head.last_id, l.admin, future);
  {
    test::RawDb raw(l.dir);
    raw.PutEvent(f.seq, Str(test::MakeSigned(f, {&l.admin})));
  }
  Status s = l.Verify();
  CHECK(s.message().rfind("event 6: ", 0) == 0);
  CHECK(Names(s, "in the future"));
}

TEST_CASE("Corruption: a Merkle tree node or the checkpoints index changed",
          "[store][corruption][merkle]") {
  {
    Ledger l;
    {
      test::RawDb raw(l.dir);
      raw.Put(raw.tree(), layout::NodeKey(1, 1), std::string(32, '\x07'));
    }
    Status s = l.Verify();
    CHECK(s.IsCorruption());
    CHECK(Names(s, "Merkle tree does not match"));
  }
  {
    Ledger l;
    {
      test::RawDb raw(l.dir);
      raw.Put(raw.checkpoints(), layout::SeqKey(3), layout::SeqKey(3));
    }
    Status s = l.Verify();
    CHECK(s.IsCorruption());
    CHECK(Names(s, "checkpoints index does not match"));
  }
}
