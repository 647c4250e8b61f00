// End to end: the real `custody` binary in a temporary directory, as a
// responder would run it; exit codes, output and files are checked.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ledger/base/encoding.h"
#include "ledger/base/time.h"
#include "ledger/checkpoint.h"
#include "ledger/event.h"
#include "ledger/merkle.h"
#include "ledger/store/store.h"
#include "tests/store/rawdb.h"
#include "tests/testutil.h"
#include "tests/tools/cli_run.h"

using namespace custody;

using namespace custody::test;

TEST_CASE("CLI: key new writes a 0600 nsec file, prints only the npub, refuses to overwrite",
          "[cli][keys]") {
  test::TempDir tmp;
  Out o = Run({"key", "new", "--out", tmp / "k"});
  REQUIRE(o.code == 0);
  CHECK(Trim(o.out).rfind("npub1", 0) == 0);
  CHECK_FALSE(Has(o.out + o.err, "nsec"));
  struct stat st;
  REQUIRE(stat((tmp / "k").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(Trim(test::ReadFile(tmp / "k")).rfind("nsec1", 0) == 0);
  CHECK(Trim(Run({"--key", tmp / "k", "key", "show"}).out) == Trim(o.out));
  Out again = Run({"key", "new", "--out", tmp / "k"});
  CHECK(again.code == 3);
  CHECK(Has(again.err, "already exists"));
}

TEST_CASE("CLI: key files readable by group or others are refused, CUSTODY_KEY_FD works",
          "[cli][keys]") {
  test::TempDir tmp;
  const std::string npub = Trim(Run({"key", "new", "--out", tmp / "k"}).out);
  chmod((tmp / "k").c_str(), 0640);
  Out o = Run({"--key", tmp / "k", "key", "show"});
  CHECK(o.code == 3);
  CHECK(Has(o.err, "mode 0640"));
  CHECK(Lines(o.err) == 1);
  chmod((tmp / "k").c_str(), 0600);
  CHECK(Run({"key", "show"}, {"CUSTODY_KEY=" + (tmp / "k")}).code == 0);
  // The secret on a descriptor: the test's stdin carries it as fd 0.
  Out fd = Run({"key", "show"}, {"CUSTODY_KEY_FD=0"}, test::ReadFile(tmp / "k"));
  CHECK(fd.code == 0);
  CHECK(Trim(fd.out) == npub);
  Out bad = Run({"key", "show"}, {"CUSTODY_KEY_FD=0"}, "nsec1notakey\n");
  CHECK(bad.code == 3);
  CHECK_FALSE(Has(bad.err, "nsec1notakey"));  // never echo what might be a secret
  Out none = Run({"key", "show"});
  CHECK(none.code == 2);
}

TEST_CASE("CLI: notes, log, show and verify on a fresh ledger", "[cli]") {
  Fixture f;
  Out n = f.Resp(
      {"note", "--subject", f.admin, "--occurred", "2026-11-20T10:03:00Z", "paused card issuance"});
  REQUIRE(n.code == 0);
  CHECK(Has(n.out, "appended #2 note"));
  Out j = f.Resp({"--json", "note", "second note"});
  REQUIRE(j.code == 0);
  Json appended = Json::parse(j.out);
  CHECK(appended["seq"] == 3);
  const std::string id = appended["id"];

  Out log = f.Read({"log"});
  REQUIRE(log.code == 0);
  CHECK(Lines(log.out) == 5);  // the header, and four events
  CHECK(Has(log.out, "paused card issuance"));
  Json events = Json::parse(f.Read({"--json", "log", "--type", "note"}).out);
  REQUIRE(events.size() == 2);
  CHECK(events[0]["occurred"] == "2026-11-20T10:03:00.000000000Z");
  CHECK(events[0]["subjects"][0]["npub"] == f.admin);
  CHECK(Json::parse(f.Read({"--json", "log", "--subject", f.admin}).out).size() == 1);
  CHECK(Json::parse(f.Read({"--json", "log", "--since", "2026-11-21T00:00:00Z"}).out).size() == 3);
  CHECK(Json::parse(f.Read({"--json", "log", "--limit", "2"}).out).size() == 2);
  // Occurred and recorded times are two filters: the note placed on 20 November
  // was recorded today.
  CHECK(Json::parse(f.Read({"--json", "log", "--occurred-until", "2026-11-21T00:00:00Z"}).out)
            .size() == 1);
  CHECK(Json::parse(f.Read({"--json", "log", "--recorded-until", "2026-11-21T00:00:00Z"}).out)
            .empty());
  CHECK(Json::parse(f.Read({"--json", "log", "--recorded-since", "2026-11-21T00:00:00Z",
                            "--occurred-until", "2026-11-21T00:00:00Z"})
                        .out)
            .size() == 1);
  CHECK(
      f.Read({"log", "--since", "2026-11-21T00:00:00Z", "--occurred-since", "2026-11-21T00:00:00Z"})
          .code == 2);
  CHECK(f.Read({"log", "--recorded-since", "2026-11-22T00:00:00Z", "--recorded-until",
                "2026-11-21T00:00:00Z"})
            .code == 2);
  CHECK(Trim(f.Read({"log", "--recorded-until", "2000-01-01T00:00:00Z"}).out) == "no events match");
  // Both times in aligned columns, under a header.
  {
    const auto lines = [&] {
      std::vector<std::string> out;
      std::istringstream in(log.out);
      for (std::string l; std::getline(in, l);) out.push_back(l);
      return out;
    }();
    REQUIRE(lines.size() == 5);
    CHECK(lines[0].rfind("SEQ  RECORDED", 0) == 0);
    // Columns on the screen: UTF-8 characters, not bytes (the short npub's "…").
    auto column = [](const std::string& line, size_t at) {
      size_t c = 0;
      for (size_t i = 0; i < at && i < line.size(); ++i)
        c += (static_cast<unsigned char>(line[i]) & 0xC0) != 0x80;
      return c;
    };
    const size_t what = lines[0].find("WHAT"), occurred = lines[0].find("OCCURRED");
    CHECK(column(lines[3], lines[3].find("2026-11-20 10:03:00Z")) == occurred);
    CHECK(column(lines[3], lines[3].find("note: paused card issuance")) == what);
    CHECK(column(lines[1], lines[1].find("ledger")) == what);  // every row's text, one column
  }

  Out by_id = f.Read({"--json", "show", id});
  REQUIRE(by_id.code == 0);
  CHECK(Json::parse(by_id.out)["seq"] == 3);
  Out raw = f.Read({"show", "3", "--raw"});
  REQUIRE(raw.code == 0);
  auto ev = SignedEvent::Decode(AsSpan(raw.out));
  REQUIRE(ev.ok());
  CHECK(EncodeHex(ev->id()) == id);
  CHECK(f.Read({"show", "99"}).code == 3);
  CHECK(f.Read({"show", "nonsense"}).code == 3);

  Out v = f.Read({"verify"});
  CHECK(v.code == 0);
  CHECK(Has(v.out, "genesis admin  " + f.admin));
  CHECK(Has(v.out, "result         OK"));
  CHECK(f.Read({"verify", "--trust", f.admin}).code == 0);
  Out wrong = f.Read({"verify", "--trust", f.resp});
  CHECK(wrong.code == 1);
  CHECK(Has(wrong.out, "genesis admin  " + f.admin));
  CHECK(Has(wrong.err, "is not the trusted key"));
  Json stats = Json::parse(f.Read({"--json", "stats"}).out);
  CHECK(stats["events"] == 4);
  CHECK(stats["by_type"]["note"] == 2);
}

TEST_CASE("CLI: unauthorized and invalid appends exit 3 and write nothing", "[cli][authz]") {
  Fixture f;
  const size_t before = f.Count();
  Out o = f.Resp({"member", "add", f.resp, "--role", "admin"});
  CHECK(o.code == 3);
  CHECK(Has(o.err, "may not append membership"));
  CHECK(Lines(o.err) == 1);
  test::TempDir other;
  Run({"key", "new", "--out", other / "k"});
  CHECK(f.As(other / "k", {"note", "intruder"}).code == 3);
  CHECK(f.Resp({"note", "--incident", "INC-1", "x"}).code == 3);
  CHECK(f.Resp({"note", "--occurred", "2099-01-01T00:00:00Z", "future"}).code == 3);
  CHECK(f.Resp({"note", "--subject", "npub1bogus", "x"}).code == 3);
  Out last = f.Admin({"member", "remove", f.admin});
  CHECK(last.code == 3);
  CHECK(Has(last.err, "last admin"));
  CHECK(f.Count() == before);
  // Usage errors exit 2.
  CHECK(f.Read({"note"}).code == 2);
  CHECK(f.Read({"log", "--bogus"}).code == 2);
  CHECK(f.Admin({"member", "add", f.resp, "--role", "wizard"}).code == 3);
  // Changes that change nothing, and text that is not UTF-8, are refused.
  CHECK(f.Admin({"member", "add", f.resp, "--role", "responder"}).code == 3);
  CHECK(f.Admin({"member", "remove", f.resp, "--role", "legal"}).code == 3);
  CHECK(f.Resp({"note", "\xff\xfe"}).code == 3);
  CHECK(f.Resp({"note", ""}).code == 3);
  // A missing ledger is a storage error.
  CHECK(Run({"--ledger", f.tmp / "nowhere", "log"}).code == 4);
}

TEST_CASE("CLI: member add, list and remove", "[cli][members]") {
  Fixture f;
  Json members = Json::parse(f.Read({"--json", "member", "list"}).out);
  CHECK(members.size() == 2);
  REQUIRE(f.Admin({"member", "add", f.resp, "--role", "legal,auditor"}).code == 0);
  members = Json::parse(f.Read({"--json", "member", "list"}).out);
  bool found = false;
  for (auto& m : members)
    if (m["npub"] == f.resp) {
      CHECK(m["roles"] == "responder,legal,auditor");
      found = true;
    }
  CHECK(found);
  REQUIRE(f.Admin({"member", "remove", f.resp, "--role", "legal"}).code == 0);
  REQUIRE(f.Admin({"member", "remove", f.resp}).code == 0);
  CHECK(f.Resp({"note", "gone"}).code == 3);
  CHECK(f.Read({"verify"}).code == 0);
}

TEST_CASE("CLI: key rotate hands the roles to the new key, signed by both", "[cli][keys]") {
  Fixture f;
  const std::string next_key = f.tmp / "next.nsec";
  const std::string next = Trim(Run({"key", "new", "--out", next_key}).out);
  REQUIRE(f.Admin({"key", "rotate", "--new", next_key}).code == 0);
  Json rot = Json::parse(f.Read({"--json", "show", "2"}).out);
  CHECK(rot["type"] == "key_rotated");
  CHECK(rot["signatures"].size() == 2);
  CHECK(f.Admin({"note", "old key"}).code == 3);
  CHECK(f.As(next_key, {"note", "new key"}).code == 0);
  REQUIRE(f.As(next_key, {"key", "compromised", f.resp, "--since", "2026-11-20T09:00:00Z",
                          "--reason", "phished"})
              .code == 0);
  CHECK(f.Resp({"note", "after compromise"}).code == 3);
  // A compromised key never gets a role back, nor becomes a rotation target.
  Out regrant = f.As(next_key, {"member", "add", f.resp, "--role", "responder"});
  CHECK(regrant.code == 3);
  CHECK(Has(regrant.err, "compromised"));
  Json members = Json::parse(f.Read({"--json", "member", "list"}).out);
  bool marked = false;
  for (auto& m : members) marked |= m["npub"] == f.resp && m["compromised"] == true;
  CHECK(marked);
  CHECK(f.Read({"verify"}).code == 0);
}

TEST_CASE("CLI: import validates every line before writing any", "[cli][import]") {
  Fixture f;
  std::string good;
  for (int i = 0; i < 50; ++i)
    good += R"({"type":"note","text":"line )" + std::to_string(i) + R"(","subjects":[")" + f.admin +
            "\"]}\n";
  std::ofstream(f.tmp / "good.jsonl") << good << "\n";
  std::ofstream(f.tmp / "bad.jsonl")
      << good.substr(0, good.find('\n') + 1) << R"({"type":"note","text":"ok"})"
      << "\n"
      << R"({"type":"note","txt":"typo"})"
      << "\n"
      << good;
  const size_t before = f.Count();
  Out bad = f.Resp({"import", f.tmp / "bad.jsonl"});
  CHECK(bad.code == 3);
  CHECK(Has(bad.err, "line 3"));
  CHECK(f.Count() == before);
  Out ok = f.Resp({"--json", "import", f.tmp / "good.jsonl"});
  REQUIRE(ok.code == 0);
  CHECK(Json::parse(ok.out)["imported"] == 50);
  CHECK(f.Count() == before + 50);
  // Standard input.
  Out in = Run({"--ledger", f.ledger, "--key", f.resp_key, "import", "-"}, {}, good);
  CHECK(in.code == 0);
  CHECK(f.Count() == before + 100);
  // Lines by a non-member are refused as a whole.
  CHECK(Run({"--ledger", f.ledger, "--key", f.tmp / "nope", "import", "-"}, {}, good).code == 3);
  CHECK(f.Read({"verify"}).code == 0);
  CHECK(Json::parse(f.Read({"--json", "log", "--subject", f.admin}).out).size() == 100);
}

TEST_CASE("CLI: a writer holding the ledger makes appends exit 5 while reads still work",
          "[cli][busy]") {
  Fixture f;
  auto writer = Store::OpenWriter(f.ledger);
  REQUIRE(writer.ok());
  Out busy = Run({"--ledger", f.ledger, "--key", f.resp_key, "note", "blocked"},
                 {"CUSTODY_BUSY_TIMEOUT_MS=300"});
  CHECK(busy.code == 5);
  CHECK(Has(busy.err, "ledger busy"));
  CHECK(f.Read({"log"}).code == 0);
  CHECK(f.Read({"verify"}).code == 0);
  writer->reset();
  CHECK(f.Resp({"note", "unblocked"}).code == 0);
}

TEST_CASE("CLI: a byte changed on disk makes verify exit 1 naming the event", "[cli][corruption]") {
  Fixture f;
  REQUIRE(f.Resp({"note", "one"}).code == 0);
  REQUIRE(f.Resp({"note", "two"}).code == 0);
  {
    test::RawDb raw(f.ledger);
    std::string ev = raw.Event(2);
    ev[ev.size() / 2] ^= 0x20;
    raw.PutEvent(2, ev);
  }
  Out v = f.Read({"verify"});
  CHECK(v.code == 1);
  CHECK(Has(v.err, "event 2"));
  CHECK(Lines(v.err) == 1);
  CHECK(Has(v.out, "result         FAILED"));
}

TEST_CASE("CLI: text is shown escaped, NUL and invalid keys are refused", "[cli][input]") {
  Fixture f;
  REQUIRE(f.Resp({"note", "line one\n#9  2026-01-01 00:00:00Z  granted admin\x1b[2J"}).code == 0);
  Out log = f.Read({"log"});
  CHECK(Lines(log.out) == 4);  // header, genesis, member add, the note: no forged line
  CHECK(Has(log.out, "line one\\n#9"));
  CHECK(Has(log.out, "\\x1b[2J"));
  Json j = Json::parse(f.Read({"--json", "show", "2"}).out);
  CHECK(j["payload"]["text"] == "line one\n#9  2026-01-01 00:00:00Z  granted admin\x1b[2J");
  Out nul = Run({"--ledger", f.ledger, "--key", f.resp_key, "import", "-"}, {},
                "{\"type\":\"note\",\"text\":\"a\\u0000hidden\"}\n");
  CHECK(nul.code == 3);
  CHECK(Has(nul.err, "line 1"));
  // An error echoing input stays on one line.
  Out bad = f.Resp({"note", "--occurred", "noon\nFAKE", "x"});
  CHECK(bad.code == 3);
  CHECK(Lines(bad.err) == 1);
  // 32 bytes that are not a point on the curve cannot be a member or subject.
  // BIP-340 test vector 5's public key: not on the curve.
  const std::string not_a_key = EncodeNpub(
      DecodeHex32("EEFDEA4CDB677750A420FEE807EACF21EB9898AE79B9768766E4FAA04A2D4A34").value());
  CHECK(f.Admin({"member", "add", not_a_key, "--role", "admin"}).code == 3);
  CHECK(f.Resp({"note", "--subject", not_a_key, "x"}).code == 3);
}

TEST_CASE("CLI: a writer refuses a head that is not the end of the ledger", "[cli][corruption]") {
  Fixture f;
  REQUIRE(f.Resp({"note", "one"}).code == 0);
  REQUIRE(f.Resp({"note", "two"}).code == 0);
  std::string head;
  {
    test::RawDb raw(f.ledger);
    head = raw.Get(raw.meta(), std::string(layout::kHeadKey));
    raw.Delete(raw.events(), layout::SeqKey(3));  // cut the last event off, head unchanged
  }
  Out o = f.Resp({"note", "three"});
  INFO(o.err);
  CHECK(o.code == 1);
  CHECK(Has(o.err, "run custody verify"));
  CHECK(f.Read({"verify"}).code == 1);
}

namespace {

void CopyDir(const std::string& from, const std::string& to) {
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
}

}  // namespace

TEST_CASE("CLI: checkpoints, proofs, and rollback or fork detection against a saved checkpoint",
          "[cli][merkle]") {
  Fixture f;
  for (int i = 0; i < 5; ++i) REQUIRE(f.Resp({"note", "before " + std::to_string(i)}).code == 0);
  // Only admin or notary keys sign checkpoints.
  Out refused = f.Resp({"checkpoint"});
  CHECK(refused.code == 3);
  CHECK(Has(refused.err, "may not append checkpoint"));
  const std::string cp1 = f.tmp / "cp1.note", cp1n = f.tmp / "cp1.json";
  REQUIRE(f.Admin({"checkpoint", "--out", cp1, "--nostr", cp1n}).code == 0);
  const std::string note1 = test::ReadFile(cp1);
  auto saved1 = VerifyCheckpointNote(note1, DecodeNpub(f.admin).value());
  REQUIRE(saved1.ok());
  CHECK(saved1->size == 7);  // genesis, member add, five notes
  CHECK(VerifyNostrEvent(test::ReadFile(cp1n)).value().content == EncodeCheckpointBody(*saved1));
  CHECK(f.Admin({"checkpoint", "--out", cp1}).code == 3);  // never replaces a file
  {
    const size_t before = f.Count();
    const std::string same = f.tmp / "same.note";
    CHECK(f.Admin({"checkpoint", "--out", same, "--nostr", f.tmp / "./same.note"}).code ==
          2);  // one file, twice
    CHECK(f.Count() == before);
    CHECK_FALSE(std::filesystem::exists(same));
  }

  CopyDir(f.ledger, f.tmp / "before");  // an older copy of the database
  for (int i = 0; i < 4; ++i) REQUIRE(f.Resp({"note", "after " + std::to_string(i)}).code == 0);
  const std::string cp2 = f.tmp / "cp2.note";
  REQUIRE(f.Admin({"checkpoint", "--out", cp2}).code == 0);

  // The ledger extends both saved checkpoints.
  CHECK(f.Read({"verify", "--checkpoint", cp1, "--trust", f.admin}).code == 0);
  Out ok2 = f.Read({"verify", "--checkpoint", cp2, "--trust", f.admin});
  CHECK(ok2.code == 0);
  CHECK(Has(ok2.out, "the ledger extends it"));
  // Only a checkpoint signed by exactly the trusted key is accepted.
  Out wrong = f.Read({"verify", "--checkpoint", cp2, "--trust", f.resp});
  CHECK(wrong.code == 1);
  CHECK(Has(wrong.err, "not signed by " + f.resp));
  CHECK(f.Read({"verify", "--checkpoint", cp2}).code == 2);

  // Rolled back: the older copy against the newer checkpoint.
  Out rolled =
      Run({"--ledger", f.tmp / "before", "verify", "--checkpoint", cp2, "--trust", f.admin});
  CHECK(rolled.code == 1);
  CHECK(Has(rolled.err, "does not extend the saved checkpoint"));
  CHECK(Has(rolled.err, "rolled back"));
  // Forked: the older copy grows differently to the same size.
  auto Old = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--ledger", f.tmp / "before", "--key", f.resp_key});
    return Run(args);
  };
  for (int i = 0; i < 5; ++i)
    REQUIRE(Old({"note", "another history " + std::to_string(i)}).code == 0);
  Out forked =
      Run({"--ledger", f.tmp / "before", "verify", "--checkpoint", cp2, "--trust", f.admin});
  CHECK(forked.code == 1);
  CHECK(Has(forked.err, "differs"));
  CHECK(
      Run({"--ledger", f.tmp / "before", "verify", "--checkpoint", cp1, "--trust", f.admin}).code ==
      0);

  // prove: a C2SP tlog-proof that checks offline against the checkpoint.
  Out proof = f.Read({"prove", "3"});
  REQUIRE(proof.code == 0);
  auto p = ParseTlogProof(proof.out).value();
  CHECK(p.index == 3);
  auto cp = VerifyCheckpointNote(p.checkpoint, DecodeNpub(f.admin).value()).value();
  CHECK(cp.size == 12);
  Out raw = f.Read({"show", "3", "--raw"});
  CHECK(VerifyInclusion(3, cp.size, HashLeaf(AsSpan(raw.out)), p.hashes, cp.root).ok());
  CHECK_FALSE(VerifyInclusion(3, cp.size, HashLeaf(AsSpan(raw.out + "x")), p.hashes, cp.root).ok());
  Out old_proof = f.Read({"prove", "3", "--size", "7"});
  REQUIRE(old_proof.code == 0);
  CHECK(ParseTlogProof(old_proof.out).value().checkpoint == note1);
  CHECK(f.Read({"prove", "9", "--size", "7"}).code == 3);  // not in that checkpoint
  CHECK(f.Read({"prove", "3", "--size", "8"}).code == 3);  // no such checkpoint

  // consistency: the latest checkpoint extends the saved one.
  Out cons = f.Read({"consistency", "--from", cp1});
  REQUIRE(cons.code == 0);
  auto c = ParseConsistencyProof(cons.out).value();
  auto latest = VerifyCheckpointNote(c.checkpoint, DecodeNpub(f.admin).value()).value();
  CHECK(VerifyConsistency(c.old_size, latest.size, c.hashes, saved1->root, latest.root).ok());
  // The forked copy's checkpoint is not extended by this ledger.
  REQUIRE(Run({"--ledger", f.tmp / "before", "--key", f.admin_key, "checkpoint", "--out",
               f.tmp / "fork.note"})
              .code == 0);
  Out fork_cons = f.Read({"consistency", "--from", f.tmp / "fork.note"});
  CHECK(fork_cons.code == 1);
  Json list = Json::parse(f.Read({"--json", "checkpoint", "--list"}).out);
  CHECK(list.size() == 2);
  CHECK(f.Read({"verify"}).code == 0);
}

TEST_CASE("CLI: incident list shows every incident's standing, in columns and as JSON",
          "[cli][incidents]") {
  Fixture f;
  Out none = f.Read({"incident", "list"});
  REQUIRE(none.code == 0);
  CHECK(none.out == "no incidents declared\n");
  CHECK(Json::parse(f.Read({"--json", "incident", "list"}).out) == Json::array());
  // One declared an hour ago: its first-15-minutes items are overdue now.
  const std::string hour_ago = FormatTime(NowNs() - 3600LL * 1000000000);
  Out a = f.Admin({"incident", "declare", "--sev", "SEV-1", "--title", "Service key leak",
                   "--occurred", hour_ago});
  REQUIRE(a.code == 0);
  const std::string first = Trim(a.out);
  Out b = f.Admin({"incident", "declare", "--sev", "SEV-3", "--title", "Slow card issuance"});
  REQUIRE(b.code == 0);
  const std::string second = Trim(b.out);
  REQUIRE(f.Admin({"incident", "commander", second, f.admin}).code == 0);
  REQUIRE(f.Resp({"note", "--incident", first, "looking at it"}).code == 0);

  Out text = f.Read({"incident", "list"});
  REQUIRE(text.code == 0);
  CHECK(Lines(text.out) == 3);
  CHECK(text.out.rfind("INCIDENT  STATE  SEV    COMMANDER", 0) == 0);
  CHECK(Has(text.out, "Service key leak"));
  // The columns line up: each row's state starts where the header's does.
  const size_t col = text.out.find("STATE");
  size_t at = text.out.find('\n') + 1;
  while (at < text.out.size()) {
    CHECK(text.out.substr(at + col, 4) == "open");
    at = text.out.find('\n', at) + 1;
  }

  Json list = Json::parse(f.Read({"--json", "incident", "list"}).out);
  REQUIRE(list.size() == 2);
  CHECK(list[0]["incident"] == first);
  CHECK(list[0]["severity"] == "SEV-1");
  CHECK(list[0]["state"] == "open");
  CHECK(list[0]["commander"].is_null());
  CHECK(list[0]["overdue_items"].get<int>() > 0);
  CHECK(list[0]["events"] == 2);
  CHECK(list[0]["last_event"]["seq"] == list[1]["last_event"]["seq"].get<uint64_t>() + 1);
  CHECK(list[1]["incident"] == second);
  CHECK(list[1]["commander"] == f.admin);
  CHECK(list[1]["overdue_items"] == 0);
  CHECK(list[1]["title"] == "Slow card issuance");

  // The count is what status marks overdue: the runbook's items, the SEV-1
  // internal update (none sent in the hour), and an external update promised
  // for forty minutes ago and not sent.
  const auto minutes_ago = [](int m) { return FormatTime(NowNs() - m * 60LL * 1000000000); };
  REQUIRE(f.Admin({"comms", first, "--audience", "external", "--facts", "a service key leaked",
                   "--impact", "none known", "--user-action", "none", "--occurred", minutes_ago(50),
                   "--next-update", minutes_ago(40)})
              .code == 0);
  Json st = Json::parse(f.Read({"--json", "status", first}).out);
  int items = 0;
  for (const Json& sec : st["sections"])
    for (const Json& item : sec["items"]) items += item["state"] == "overdue";
  REQUIRE(items > 0);
  REQUIRE(st["communications"]["next_internal_due"] <= FormatTime(NowNs()));
  REQUIRE(st["communications"]["external"][0]["followed"] == "overdue");
  Json after = Json::parse(f.Read({"--json", "incident", "list"}).out);
  CHECK(after[0]["overdue_items"] == items + 2);
}
