// Issue 12's defects, found by trying to break release 0.3.0: one regression
// test per defect, named after it, through the real binary. (Defect 1, the
// interrupted export, is in tests/evidence/package_test.cc; defect 2, the
// secret scan, in tests/base/secrets_test.cc; defect 4's file reading in
// tests/base/files_test.cc.)
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "ledger/base/encoding.h"
#include "ledger/store/layout.h"
#include "ledger/store/store.h"
#include "projections/incident.h"
#include "tests/store/rawdb.h"
#include "tests/testutil.h"
#include "tests/tools/cli_run.h"

using namespace custody;
using namespace custody::test;
namespace fs = std::filesystem;

namespace {

// A ledger with an incident (INC-2, "card leak", SEV-2) and a checkpoint.
struct IncidentFixture : Fixture {
  IncidentFixture() {
    REQUIRE(Trim(Admin({"incident", "declare", "--sev", "SEV-2", "--title", "card leak"}).out) ==
            "INC-2");
    REQUIRE(Resp({"note", "--incident", "INC-2", "looked at the logs"}).code == 0);
    REQUIRE(Admin({"checkpoint"}).code == 0);
  }
};

std::string MakeFifo(const std::string& path) {
  REQUIRE(mkfifo(path.c_str(), 0600) == 0);
  return path;
}

// Runs args and checks that it returned within a few seconds (a FIFO would
// have blocked it forever) with exit 3, naming the file as not regular.
void ExpectRefusedQuickly(Fixture& f, const std::string& key, std::vector<std::string> args) {
  const auto start = std::chrono::steady_clock::now();
  Out o = key.empty() ? f.Read(args) : f.As(key, args);
  const auto took = std::chrono::steady_clock::now() - start;
  INFO(o.err);
  CHECK(o.code == 3);
  CHECK(Has(o.err, "not a regular file"));
  CHECK(took < std::chrono::seconds(5));
}

}  // namespace

TEST_CASE("Defect 3 (issue 12): an edited stored projection fails verify until rebuilt",
          "[cli][defects]") {
  IncidentFixture f;
  REQUIRE(f.Read({"verify"}).code == 0);
  {
    RawDb raw(f.ledger);
    auto* cf = raw.Cf(layout::kProjectionsCf);
    const std::string key = layout::IncidentProjectionKey(2);
    IncidentState s = DecodeState(raw.Get(cf, key)).value();
    for (Act& a : s.acts)
      if (auto* d = std::get_if<IncidentDeclaredPayload>(&a.payload)) {
        d->title = "nothing happened";
        d->severity = fb::Severity::Sev3;
      }
    raw.Put(cf, key, EncodeState(s));
  }
  // What the edited projection would show...
  CHECK(Has(f.Read({"status", "INC-2"}).out, "nothing happened"));
  // ...is what verify now refuses.
  Out v = f.Read({"verify"});
  INFO(v.out + v.err);
  CHECK(v.code == 1);
  CHECK(Has(v.err, "projection of INC-2 does not match its events"));
  REQUIRE(f.Admin({"projections", "rebuild"}).code == 0);
  CHECK(f.Read({"verify"}).code == 0);
  CHECK(Has(f.Read({"status", "INC-2"}).out, "card leak"));
}

TEST_CASE(
    "Defect 4 (issue 12): FIFOs as key file, --checkpoint, consistency --from, reconcile --file, "
    "verify --checkpoint, evidence add and pir publish are refused at once, with no lock held",
    "[cli][defects]") {
  IncidentFixture f;
  const std::string fifo = MakeFifo(f.tmp / "fifo");
  ExpectRefusedQuickly(f, fifo, {"note", "hello"});
  ExpectRefusedQuickly(f, "", {"consistency", "--from", fifo});
  ExpectRefusedQuickly(f, "", {"verify", "--checkpoint", fifo, "--trust", f.admin});
  ExpectRefusedQuickly(f, f.resp_key, {"reconcile", "INC-2", "--file", fifo});
  ExpectRefusedQuickly(f, f.admin_key,
                       {"export", "incident", "INC-2", "--checkpoint", fifo, "--out", f.tmp / "p"});
  ExpectRefusedQuickly(f, "", {"pir", "report", "INC-2", "--checkpoint", fifo});
  ExpectRefusedQuickly(f, f.resp_key, {"evidence", "add", "INC-2", fifo, "--kind", "logs"});
  ExpectRefusedQuickly(f, f.admin_key, {"pir", "publish", "INC-2", fifo});
  CHECK_FALSE(fs::exists(f.tmp / "p"));
  // Inputs are read before the writer's lock is taken: with the lock held by
  // another writer, each is refused for its input (3), not for the lock (5).
  {
    auto held = Store::OpenWriter(f.ledger).value();
    const std::vector<std::string> no_wait = {"CUSTODY_BUSY_TIMEOUT_MS=0"};
    for (std::vector<std::string> args :
         {std::vector<std::string>{"--key", f.admin_key, "export", "incident", "INC-2",
                                   "--checkpoint", fifo, "--out", f.tmp / "q"},
          std::vector<std::string>{"--key", f.resp_key, "reconcile", "INC-2", "--file", fifo},
          std::vector<std::string>{"--key", f.admin_key, "pir", "publish", "INC-2", fifo},
          std::vector<std::string>{"--key", fifo, "note", "x"}}) {
      args.insert(args.begin(), {"--ledger", f.ledger});
      Out o = Run(args, no_wait);
      INFO(args[3] << ": " << o.err);
      CHECK(o.code == 3);
      CHECK(Has(o.err, "not a regular file"));
    }
  }
  CHECK(f.Resp({"note", "after"}).code == 0);
}

TEST_CASE(
    "Defect 5 (issue 12): a malformed projections marker blocks neither reading nor rebuilding, "
    "and a lowered head is reported as what it is",
    "[cli][defects]") {
  IncidentFixture f;
  {
    RawDb raw(f.ledger);
    raw.Put(raw.meta(), std::string(layout::kProjectionsKey), "junk");
  }
  CHECK(f.Read({"log"}).code == 0);
  Out st = f.Read({"status", "INC-2"});
  CHECK(st.code == 0);
  CHECK(Has(st.out, "card leak"));
  Out v = f.Read({"verify"});
  CHECK(v.code == 1);
  CHECK(Has(v.err, "projections marker is malformed"));
  Out rebuilt = f.Admin({"projections", "rebuild"});
  INFO(rebuilt.err);
  CHECK(rebuilt.code == 0);
  CHECK(f.Read({"verify"}).code == 0);

  // The head lowered by one: the events say more.
  uint64_t events = 0;
  {
    RawDb raw(f.ledger);
    ChainHead head;
    REQUIRE(layout::DecodeHead(raw.Get(raw.meta(), std::string(layout::kHeadKey)), &head));
    events = head.next_seq;
    head.next_seq -= 1;
    raw.Put(raw.meta(), std::string(layout::kHeadKey), layout::EncodeHead(head));
  }
  const std::string says = "ledger head says " + std::to_string(events - 1) +
                           " events, but event " + std::to_string(events - 1) + " exists";
  Out log = f.Read({"log"});
  CHECK(log.code == 1);
  CHECK(Has(log.err, says));
  CHECK_FALSE(Has(log.err, "projection"));
  Out note = f.Resp({"note", "more"});
  CHECK(note.code == 1);
  CHECK(Has(note.err, says));
}

TEST_CASE(
    "Defect 6 (issue 12): a writer refuses a ledger whose tree disagrees with its latest "
    "checkpoint, or whose last event is gone",
    "[cli][defects]") {
  IncidentFixture f;
  REQUIRE(f.Resp({"note", "after the checkpoint"}).code == 0);
  const size_t before = f.Count();
  {
    RawDb raw(f.ledger);
    // The tree's nodes changed (as a rewritten middle would leave them).
    for (const std::string& key : raw.Keys(raw.tree())) {
      std::string node = raw.Get(raw.tree(), key);
      node[0] ^= 1;
      raw.Put(raw.tree(), key, node);
    }
  }
  Out o = f.Resp({"note", "on a damaged ledger"});
  INFO(o.err);
  CHECK(o.code == 1);
  CHECK(Has(o.err, "the ledger is damaged"));
  CHECK(Has(o.err, "checkpoint event"));
  CHECK(f.Count() == before);

  IncidentFixture g;
  {
    RawDb raw(g.ledger);
    ChainHead head;
    REQUIRE(layout::DecodeHead(raw.Get(raw.meta(), std::string(layout::kHeadKey)), &head));
    raw.Delete(raw.events(), layout::SeqKey(head.next_seq - 1));
  }
  Out gone = g.Resp({"note", "after a lost event"});
  CHECK(gone.code == 1);
  CHECK(Has(gone.err, "is missing; the ledger is damaged"));
}

TEST_CASE("Defect 7 (issue 12): log --limit refuses what is not a positive count",
          "[cli][defects]") {
  IncidentFixture f;
  for (std::string bad : {"-1", "18446744073709551617", "0", "ten", "1x"}) {
    Out o = f.Read({"log", "--limit", bad});
    INFO(bad << ": " << o.err);
    CHECK(o.code == 2);
    CHECK(o.out.empty());
  }
  CHECK(Lines(f.Read({"log", "--limit", "2"}).out) == 3);  // the header and two events
}

TEST_CASE(
    "Defect 7 (issue 12): import refuses a duplicated key, bounds its input, exits 3 on a "
    "directory",
    "[cli][defects]") {
  IncidentFixture f;
  const size_t before = f.Count();
  std::ofstream(f.tmp / "dup.jsonl") << R"({"type":"note","text":"a","text":"b"})"
                                     << "\n";
  Out dup = f.Resp({"import", f.tmp / "dup.jsonl"});
  CHECK(dup.code == 3);
  CHECK(Has(dup.err, "\"text\" given twice"));
  const auto start = std::chrono::steady_clock::now();
  Out zero = f.Resp({"import", "/dev/zero"});
  CHECK(zero.code == 3);
  CHECK(Has(zero.err, "line 1: longer than 256 KiB"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  Out dir = f.Resp({"import", f.tmp.path()});
  CHECK(dir.code == 3);
  CHECK(Has(dir.err, "is a directory"));
  Out evidence_dir = f.Resp({"evidence", "add", "INC-2", f.tmp.path(), "--kind", "logs"});
  CHECK(evidence_dir.code == 3);
  CHECK(f.Count() == before);
}

TEST_CASE("Defect 7 (issue 12): a key rotated out never returns", "[cli][defects]") {
  Fixture f;
  const std::string second_key = f.tmp / "second.nsec", next_key = f.tmp / "next.nsec";
  const std::string second = Trim(Run({"key", "new", "--out", second_key}).out);
  Run({"key", "new", "--out", next_key});
  REQUIRE(f.Admin({"member", "add", second, "--role", "admin"}).code == 0);
  REQUIRE(f.As(second_key, {"key", "rotate", "--new", next_key}).code == 0);
  // Rotating back onto the retired key, or granting it a role: refused.
  Out back = f.As(next_key, {"key", "rotate", "--new", second_key});
  INFO(back.err);
  CHECK(back.code == 3);
  CHECK(Has(back.err, "was rotated out by event"));
  Out grant = f.Admin({"member", "add", second, "--role", "responder"});
  CHECK(grant.code == 3);
  CHECK(Has(grant.err, "a key rotated out never returns"));
  CHECK(f.Read({"verify"}).code == 0);
}

TEST_CASE("Defect 7 (issue 12): stats keeps the type names and the counts apart",
          "[cli][defects]") {
  IncidentFixture f;
  Out o = f.Read({"stats"});
  REQUIRE(o.code == 0);
  // "incident_declared" is longer than 13 characters: before, its count ran into it.
  CHECK(Has(o.out, "  incident_declared  1\n"));
  CHECK(Has(o.out, "  note               1\n"));
}

TEST_CASE("Defect 7 (issue 12): verify-package names a symlink by its path in the package",
          "[cli][defects]") {
  IncidentFixture f;
  const std::string pkg = f.tmp / "pkg";
  REQUIRE(f.Admin({"export", "incident", "INC-2", "--out", pkg}).code == 0);
  fs::remove(pkg + "/data/report.md");
  fs::create_symlink(f.tmp / "elsewhere.md", pkg + "/data/report.md");
  Out o = Run({"verify-package", pkg, "--trust", f.admin});
  INFO(o.err);
  CHECK(o.code == 1);
  CHECK(Has(o.err, "data/report.md: a symbolic link"));
  CHECK_FALSE(Has(o.err, "elsewhere"));
}

TEST_CASE(
    "Key files encrypted at rest (issue 12): new --encrypt, encrypt, decrypt, and every key "
    "option reads them",
    "[cli][keys][nip49]") {
  Fixture f;
  const std::vector<std::string> pass = {"CUSTODY_PASSPHRASE_FD=0"};
  // Encrypt the responder's key in place; it keeps working as --key.
  Out enc = Run({"key", "encrypt", f.resp_key}, pass, "words words\n");
  INFO(enc.err);
  REQUIRE(enc.code == 0);
  CHECK(Has(enc.out, "wrote " + f.resp_key + ": the key of " + f.resp + ", encrypted (NIP-49)"));
  const std::string text = ReadFile(f.resp_key);
  CHECK(text.rfind("ncryptsec1", 0) == 0);
  CHECK_FALSE(Has(text, "nsec1"));
  struct stat st;
  REQUIRE(stat(f.resp_key.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  Out note = Run({"--ledger", f.ledger, "--key", f.resp_key, "note", "from an encrypted key"}, pass,
                 "words words\n");
  INFO(note.err);
  CHECK(note.code == 0);
  // Wrong passphrase: exit 3, nothing appended.
  const size_t count = f.Count();
  Out wrong = Run({"--ledger", f.ledger, "--key", f.resp_key, "note", "x"}, pass, "other\n");
  CHECK(wrong.code == 3);
  CHECK(Has(wrong.err, "wrong passphrase"));
  CHECK(f.Count() == count);
  // Encrypting twice is refused; decrypting gives the same key back.
  CHECK(Run({"key", "encrypt", f.resp_key}, pass, "words words\n").code == 3);
  Out dec = Run({"key", "decrypt", f.resp_key}, pass, "words words\n");
  REQUIRE(dec.code == 0);
  CHECK(Trim(ReadFile(f.resp_key)).rfind("nsec1", 0) == 0);
  CHECK(Trim(Run({"--key", f.resp_key, "key", "show"}).out) == f.resp);
  CHECK(Run({"key", "decrypt", f.resp_key}, pass, "words words\n").code == 3);
  // New encrypted keys; the cost bounded; non-ASCII passphrases refused.
  Out made = Run({"key", "new", "--encrypt", "--out", f.tmp / "n.key"}, pass, "abc\n");
  REQUIRE(made.code == 0);
  CHECK(Trim(Run({"--key", f.tmp / "n.key", "key", "show"}, pass, "abc").out) == Trim(made.out));
  CHECK(Run({"key", "new", "--encrypt", "--log-n", "23", "--out", f.tmp / "m.key"}, pass, "abc\n")
            .code == 2);
  Out accented = Run({"key", "new", "--encrypt", "--out", f.tmp / "u.key"}, pass, "p\xc3\xa4ss\n");
  CHECK(accented.code == 3);
  CHECK(Has(accented.err, "not printable ASCII"));
  CHECK_FALSE(fs::exists(f.tmp / "u.key"));
}
