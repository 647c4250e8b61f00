#include "ledger/checkpoint.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "ledger/base/encoding.h"
#include "ledger/merkle.h"
#include "tests/ledger/factory.h"

using namespace custody;

namespace {

Checkpoint Sample() {
  Checkpoint cp;
  Hash32 ledger;
  ledger.fill(0xab);
  cp.origin = CheckpointOrigin(ledger);
  cp.size = 1234;
  cp.root.fill(7);
  return cp;
}

}  // namespace

TEST_CASE("Checkpoint: the body is the C2SP tlog-checkpoint form", "[ledger][checkpoint]") {
  Checkpoint cp = Sample();
  const std::string body = EncodeCheckpointBody(cp);
  CHECK(
      cp.origin ==
      "custody/" +
          std::string(64, 'a')
              .replace(1, 62, std::string(31, 'b') + std::string(31, 'a'))
              .replace(0, 64, "abababababababababababababababababababababababababababababababab"));
  CHECK(body == cp.origin + "\n1234\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n");
  auto back = ParseCheckpointBody(body).value();
  CHECK(back.origin == cp.origin);
  CHECK(back.size == 1234);
  CHECK(back.root == cp.root);
  for (std::string bad : {std::string(""), body.substr(0, body.size() - 1), body + "extension\n",
                          cp.origin + "\n01234\n" + EncodeBase64(cp.root) + "\n",
                          cp.origin + "\n-1\n" + EncodeBase64(cp.root) + "\n",
                          cp.origin + "\n12\n" + EncodeBase64(Bytes(31, 1)) + "\n",
                          "\n1\n" + EncodeBase64(cp.root) + "\n"}) {
    INFO(bad);
    CHECK_FALSE(ParseCheckpointBody(bad).ok());
  }
}

TEST_CASE("Checkpoint: signed by one key, verified by exactly that key", "[ledger][checkpoint]") {
  auto admin = test::NewKey(), other = test::NewKey();
  Checkpoint cp = Sample();
  const std::string note = SignCheckpoint(admin, cp).value();
  // text, blank line, one signature line named by the origin
  CHECK(note.rfind(EncodeCheckpointBody(cp) + "\n\xe2\x80\x94 " + cp.origin + " ", 0) == 0);
  auto ok = VerifyCheckpointNote(note, admin.public_key(), cp.origin);
  REQUIRE(ok.ok());
  CHECK(ok->size == cp.size);
  auto wrong_key = VerifyCheckpointNote(note, other.public_key());
  CHECK(wrong_key.status().IsVerificationFailed());
  CHECK(wrong_key.status().message().find("not signed by") != std::string::npos);
  CHECK(VerifyCheckpointNote(note, admin.public_key(), "custody/other")
            .status()
            .IsVerificationFailed());
  // The key ID follows the DESIGN.md rule.
  const NoteKeyId id = ComputeNoteKeyId(cp.origin, admin.public_key());
  Bytes pre(cp.origin.begin(), cp.origin.end());
  pre.push_back(0x0a);
  pre.push_back(0xff);
  for (char c : std::string("custody-bip340-v1")) pre.push_back(static_cast<uint8_t>(c));
  pre.insert(pre.end(), admin.public_key().begin(), admin.public_key().end());
  CHECK(std::equal(id.begin(), id.end(), Sha256(pre).begin()));
  // Any changed byte of the note is refused.
  for (size_t i = 0; i < note.size(); ++i) {
    std::string bad = note;
    bad[i] ^= 0x01;
    INFO("byte " << i);
    CHECK_FALSE(VerifyCheckpointNote(bad, admin.public_key(), cp.origin).ok());
  }
  // A second signature by another key does not hide a forged one.
  const std::string two =
      note + "\xe2\x80\x94 " + cp.origin + " " + EncodeBase64(Bytes(68, 1)) + "\n";
  CHECK(VerifyCheckpointNote(two, admin.public_key(), cp.origin).ok());
}

TEST_CASE("Signed note: malformed notes are refused", "[ledger][checkpoint]") {
  auto admin = test::NewKey();
  const std::string note = SignCheckpoint(admin, Sample()).value();
  const std::string body = EncodeCheckpointBody(Sample());
  for (std::string bad : {std::string(""), body, body + "\n", body + "\n- name c2lnbmF0dXJl\n",
                          body + "\n\xe2\x80\x94 name\n", body + "\n\xe2\x80\x94 na+me AAAAAAA=\n",
                          body + "\n\xe2\x80\x94 name !!!!\n", note.substr(0, note.size() - 1),
                          std::string(kMaxNoteSize + 1, 'x')}) {
    INFO(bad);
    CHECK_FALSE(VerifyCheckpointNote(bad, admin.public_key()).ok());
  }
}

TEST_CASE("tlog-proof: formats and parses the C2SP text, and the proof verifies",
          "[ledger][checkpoint]") {
  auto admin = test::NewKey();
  std::vector<Hash32> leaves;
  CompactRange range;
  for (int i = 0; i < 13; ++i) {
    std::string data = "event " + std::to_string(i);
    leaves.push_back(HashLeaf(AsSpan(data)));
    range.Append(leaves.back(), nullptr);
  }
  Checkpoint cp = Sample();
  cp.size = 13;
  cp.root = range.Root();
  TlogProof p;
  p.index = 5;
  // Proof from a straightforward node source over the leaves.
  NodeFn nodes = [&](unsigned level, uint64_t index) -> Result<Hash32> {
    CompactRange r;
    for (uint64_t i = index << level; i < (index + 1) << level; ++i) r.Append(leaves[i], nullptr);
    return r.Root();
  };
  p.hashes = InclusionProof(nodes, 5, 13).value();
  p.checkpoint = SignCheckpoint(admin, cp).value();
  const std::string text = FormatTlogProof(p);
  CHECK(text.rfind("c2sp.org/tlog-proof@v1\nindex 5\n", 0) == 0);
  auto back = ParseTlogProof(text).value();
  CHECK(back.index == 5);
  CHECK(back.hashes == p.hashes);
  CHECK(back.checkpoint == p.checkpoint);
  auto verified = VerifyCheckpointNote(back.checkpoint, admin.public_key(), cp.origin).value();
  CHECK(VerifyInclusion(back.index, verified.size, leaves[5], back.hashes, verified.root).ok());
  for (std::string bad :
       {std::string(""), text.substr(1), "c2sp.org/tlog-proof@v2" + text.substr(22),
        std::string(text).replace(text.find("index 5"), 7, "index 05"),
        std::string(text).replace(text.find("index 5"), 7, "index x"),
        std::string(text).insert(text.find("index"), "extra !!\n")}) {
    INFO(bad);
    CHECK_FALSE(ParseTlogProof(bad).ok());
  }
  p.extra = Bytes{1, 2, 3};
  CHECK(ParseTlogProof(FormatTlogProof(p)).value().extra == Bytes{1, 2, 3});
  ConsistencyProofText c{7, p.hashes, p.checkpoint};
  auto cb = ParseConsistencyProof(FormatConsistencyProof(c)).value();
  CHECK(cb.old_size == 7);
  CHECK(cb.hashes == p.hashes);
  CHECK_FALSE(ParseConsistencyProof("custody/consistency-proof@v1\nold x\n\n" + p.checkpoint).ok());
}

TEST_CASE("Nostr: the checkpoint event has a valid NIP-01 id and signature",
          "[ledger][checkpoint][nostr]") {
  auto admin = test::NewKey();
  Checkpoint cp = Sample();
  const std::string ev = NostrCheckpointEvent(admin, cp, 1795168980).value();
  auto j = nlohmann::json::parse(ev);
  CHECK(j["kind"] == kNostrCheckpointKind);
  CHECK(j["pubkey"] == EncodeHex(admin.public_key()));
  CHECK(j["content"] == EncodeCheckpointBody(cp));
  CHECK(j["tags"][0][0] == "origin");
  CHECK(j["tags"][0][1] == cp.origin);
  // id = SHA-256 of the NIP-01 serialization, written out by hand here.
  const std::string serialized =
      "[0,\"" + EncodeHex(admin.public_key()) + "\",1795168980,3962,[[\"origin\",\"" + cp.origin +
      "\"],[\"size\",\"1234\"]],\"" + cp.origin + "\\n1234\\n" + EncodeBase64(cp.root) + "\\n\"]";
  CHECK(j["id"] == EncodeHex(Sha256(AsSpan(serialized))));
  CHECK(VerifyNostrEvent(ev).value().content == EncodeCheckpointBody(cp));
  CHECK(VerifyNostrEvent(ev).value().pubkey == admin.public_key());
  auto tampered = j;
  tampered["content"] = "custody/x\n1\nAAAA\n";
  CHECK(VerifyNostrEvent(tampered.dump()).status().IsVerificationFailed());
  tampered = j;
  tampered["created_at"] = 1;
  CHECK_FALSE(VerifyNostrEvent(tampered.dump()).ok());
  CHECK_FALSE(VerifyNostrEvent("{}").ok());
}
