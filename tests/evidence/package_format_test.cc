// The package format's parsers on their own: manifests, paths, index.json and
// the bag signature. Hostile input gets an error, never a crash.
#include <catch2/catch.hpp>
#include <iostream>

#include "evidence/package.h"
#include "ledger/base/encoding.h"
#include "ledger/event_schema.h"

using namespace custody;
using namespace custody::package;

namespace {
const std::string kHash = std::string(64, 'a');
}

TEST_CASE("Package: bag paths are plain relative names, nothing that could leave the bag",
          "[package]") {
  for (std::string p : {std::string("data/events/12.event"), std::string("bagit.txt"),
                        "data/blobs/sha256/" + kHash})
    CHECK(IsSafeBagPath(p));
  for (auto p : {"", "/etc/passwd", "../x", "data/../x", "data//x", "data/./x", "data/a b",
                 "data\\x", "data/x/", "data/\xc3\xa9", "data/x\n"})
    CHECK_FALSE(IsSafeBagPath(p));
}

TEST_CASE("Package: manifests round-trip sorted, and every malformed line is refused",
          "[package]") {
  Hash32 a{}, b{};
  b[0] = 1;
  std::string text = FormatManifest({{"data/z", a}, {"data/a", b}});
  CHECK(text == EncodeHex(b) + "  data/a\n" + EncodeHex(a) + "  data/z\n");
  auto parsed = ParseManifest(text, "m");
  REQUIRE(parsed.ok());
  REQUIRE(parsed->size() == 2);
  CHECK(parsed->at(0).path == "data/a");
  CHECK(parsed->at(0).sha256 == b);
  CHECK(ParseManifest(kHash + " data/x\n", "m").ok());  // one space is BagIt too
  // Lines built by appending: g++ 12 warns (-Warray-bounds, wrongly) on
  // chains of std::string temporaries and literals.
  auto cat = [](std::initializer_list<std::string_view> parts) {
    std::string out;
    for (auto p : parts) out += p;
    return out;
  };
  const std::string short_hash(63, 'a'), not_hex(64, 'g');
  for (const std::string& bad : {cat({kHash, "  data/x"}),  // no final newline
                                 cat({kHash, "  ../x\n"}), cat({kHash, "  /abs\n"}),  // traversal
                                 cat({kHash, "  data/x\n", kHash, "  data/x\n"}),  // listed twice
                                 cat({short_hash, "  data/x\n"}),                  // short hash
                                 cat({not_hex, "  data/x\n"}),                     // not hex
                                 cat({kHash, "  data/x\r\n"}),                     // CR
                                 cat({kHash, "\tdata/x\n"}), std::string("\n")})
    CHECK(ParseManifest(bad, "m").status().IsVerificationFailed());
}

TEST_CASE("Package: index.json round-trips and refuses what it does not expect", "[package]") {
  Index x;
  x.ledger_id[0] = 7;
  x.ledger_name = "drill";
  x.user = SecretKey::Generate().value().public_key();
  x.checkpoint_size = 10;
  x.exporter = *x.user;
  x.events = {2, 5};
  x.membership = {0, 1};
  x.users = {{*x.user, {2, 5}}};
  x.blobs = {{Hash32{}, 12, true}};
  const std::string text = FormatIndex(x);
  auto back = ParseIndex(text);
  REQUIRE(back.ok());
  CHECK(FormatIndex(*back) == text);

  auto refused = [&](std::string what, std::string from, std::string to) {
    std::string t = text;
    auto at = t.find(from);
    REQUIRE(at != std::string::npos);
    t.replace(at, from.size(), to);
    INFO(what);
    CHECK(ParseIndex(t).status().IsVerificationFailed());
  };
  refused("not ascending", "\"events\": [\n    2,\n    5", "\"events\": [\n    5,\n    2");
  refused("past the checkpoint", "\"size\": 10", "\"size\": 5");
  refused("unknown field", "\"format\"", "\"extra\": 1, \"format\"");
  refused("negative number", "\"size\": 12", "\"size\": -12");
  refused("latest not last", "\"latest\": 5", "\"latest\": 2");
  refused("bad scope", "\"scope\": \"user\"", "\"scope\": \"everyone\"");
  CHECK(ParseIndex(std::string(100000, '['))
            .status()
            .IsVerificationFailed());  // depth, not a stack overflow
  CHECK(ParseIndex("{\"format\": \"\xff\"}").status().IsVerificationFailed());
  CHECK(ParseIndex("").status().IsVerificationFailed());
}

TEST_CASE("Package: the bag signature is deterministic and bound to its exporter", "[package]") {
  auto key = SecretKey::Generate().value();
  BagSignature w{"custody/" + std::string(64, '0'), 10, Hash32{}, key.public_key()};
  auto one = SignBag(key, w), two = SignBag(key, w);
  REQUIRE(one.ok());
  CHECK(*one == *two);
  auto back = VerifyBagSignature(*one);
  REQUIRE(back.ok());
  CHECK(back->exporter == key.public_key());
  CHECK(back->checkpoint_size == 10);
  // Naming another exporter than the signer fails.
  auto other = SecretKey::Generate().value();
  w.exporter = other.public_key();
  auto lying = SignBag(key, w);
  REQUIRE(lying.ok());
  CHECK(VerifyBagSignature(*lying).status().IsVerificationFailed());
  std::string flipped = *one;
  flipped[flipped.find("checkpoint 10") + 11] = '2';
  CHECK(VerifyBagSignature(flipped).status().IsVerificationFailed());
}

namespace {

// A package's index as export would write it: a user's events in INC-3, one
// snapshot included and one withheld, one event about the user left out.
Index ExampleIndex() {
  Index x;
  for (size_t i = 0; i < 32; ++i) {
    x.ledger_id[i] = static_cast<uint8_t>(0x9a + i);
    x.checkpoint_root[i] = static_cast<uint8_t>(0x88 + 3 * i);
  }
  x.ledger_name = "wallet drill";
  x.scope = fb::ExportScope::User;
  x.user = Hash32{};
  (*x.user)[0] = 0xa8;
  x.exporter[0] = 0x80;
  x.incident = 3;
  x.checkpoint_size = 9;
  x.events = {4, 5, 7};
  x.membership = {0, 1, 2};
  x.users = {{*x.user, {4, 5, 7, 8}}};
  Hash32 a{}, b{};
  a[0] = 0x7c;
  b[0] = 0x7d;
  x.blobs = {{a, 166, false}, {b, 119, true}};
  return x;
}

// The wording of format v2, fixed for good: verify-package compares every v2
// package's README.txt with ReadmeText, so a package written today fails with
// any later release that words it otherwise. New wording is a new format
// version (evidence/package.h), with this text kept for v2.
constexpr std::string_view kReadmeV2 = R"README(Custody evidence package
========================

This directory is an evidence package written by Custody, a signed,
hash-chained evidence ledger for security incident response. It holds
events recorded in a Custody ledger, each with a proof that it is part
of the ledger at a checkpoint signed by the ledger's key, and the
signature of the member who exported them. It is a BagIt 1.0 bag
(RFC 8493) of format custody-evidence-package/v2.

Anyone can check it offline, with the program custody-verify-package or
without Custody (sections 3 and 4), trusting neither whoever sent it nor
this file. What you need is the public key (npub) that signs the
ledger's checkpoints, learnt from a source other than this package.

This file is part of the package. It is written from data/index.json
alone, with no clock time and no local path, so the same export made
again gives the same bytes; tagmanifest-sha256.txt lists it, so the
exporter's signature covers it; and custody-verify-package checks that
it is exactly what Custody writes for this package.

1. What the package holds
-------------------------

Ledger name:
  wallet drill
Ledger id (the id of the ledger's first event):
  9a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9
Checkpoint: the ledger's first 9 events (numbers 0 to 8, tree size 9),
whose Merkle root is, in hex and in base64 (as data/checkpoint writes
it):
  888b8e9194979a9da0a3a6a9acafb2b5b8bbbec1c4c7cacdd0d3d6d9dcdfe2e5
  iIuOkZSXmp2go6aprK+ytbi7vsHEx8rN0NPW2dzf4uU=
Selection: every event about the user
  npub14qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqepqn2m
that names incident INC-3 (or is its declaration), up to the checkpoint.
Exported by the member who signed bag-signature.txt:
  npub1sqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq3864hh

It holds:
- 3 selected events: data/events/<seq>.event, byte for byte as the
  ledger stores it, and data/events/<seq>.txt, rendered for reading;
- 3 membership events (the ledger's genesis, membership and key events
  up to the checkpoint), which show who held which role;
- an inclusion proof for each of these 6 events
  (data/proofs/<seq>.tlog-proof), and the checkpoint they lead to
  (data/checkpoint, and data/checkpoint.nostr.json, the same as a Nostr
  event);
- 1 snapshot of logs, metrics or other files that the selected events
  attach (data/blobs/sha256/<its SHA-256>); 1 more is withheld because
  also attached to other users, and listed in data/index.json by hash
  and size only;
- data/index.json, the selection in JSON; data/report.md and
  data/timeline.md, summaries of the selected events for reading.

Left out: 1 other event about the user, outside INC-3. Its number is in
data/index.json ("about"); its content is not in the package.

2. The files
------------

  README.txt                  this file
  bagit.txt                   the BagIt declaration
  bag-info.txt                BagIt metadata: ledger, selection,
                              exporter
  manifest-sha256.txt         the SHA-256 of every file under data/
  tagmanifest-sha256.txt      the SHA-256 of the other files at the top,
                              but bag-signature.txt
  bag-signature.txt           the exporter's signature over
                              tagmanifest-sha256.txt
  event.fbs                   the FlatBuffers schema of the event bodies
  data/index.json             what was selected, and how
  data/checkpoint             the checkpoint, a C2SP signed note
  data/checkpoint.nostr.json  the same checkpoint as a Nostr (NIP-01)
                              event
  data/events/<seq>.event     an event, byte for byte as the ledger
                              stores it
  data/events/<seq>.txt       the same event, rendered for reading
  data/proofs/<seq>.tlog-proof
                              its inclusion proof, a C2SP tlog-proof
  data/blobs/sha256/<hex>     a snapshot, named by its SHA-256 (if any)
  data/report.md              a report of the selected events
  data/timeline.md            the selected events in the order they
                              occurred

<seq> is an event's sequence number in the ledger. The .event files are
the evidence; the renderings (.txt, report.md, timeline.md) are the
exporter's conveniences, covered by the signature but not compared with
the events by any check.

3. How to check it with custody-verify-package
----------------------------------------------

custody-verify-package is Custody's offline verifier (Debian package
custody-verify-package; "custody verify-package" runs the same checks).
It reads only this directory: no ledger, no database, no network.

1. Get NPUB, the public key that signs the ledger's checkpoints (an
   admin or notary key of the ledger, written npub1...), from a source
   you trust other than this package: the ledger's operator, a record of
   the case, a checkpoint you kept. The package proves that NPUB signed
   its checkpoint; it cannot tell you whom to trust.

2. Run, with DIR this directory:

     custody-verify-package DIR --trust NPUB

3. Read the result. Exit status 0, and a last line "result OK": every
   check passed; the lines above say what was checked. Exit status 1,
   and "result FAILED": the package is not as exported, or its
   checkpoint is not signed by NPUB; one line on standard error names
   the file and what is wrong. Exit status 2: the command line is wrong
   (for example, NPUB is not an npub). With --json it prints one JSON
   document instead.

4. How to check it without Custody
----------------------------------

Every file is in a documented format. Each step below needs standard
tools only; Custody's documentation gives them in full (docs/package.md,
installed with custody-verify-package as
/usr/share/doc/custody-verify-package/package.md, with a Python script
for the signatures). T(tag) below is SHA-256 of the tag's text, "||"
joins bytes, and a BIP-340 signature is a Schnorr signature on secp256k1
(Bitcoin's BIP 340); an npub is a key written in NIP-19 bech32.

1. Nothing changed. In this directory, both of

     sha256sum -c --strict tagmanifest-sha256.txt
     sha256sum -c --strict manifest-sha256.txt

   must print only OK lines, and the directory must hold no file that
   neither lists, but for tagmanifest-sha256.txt and bag-signature.txt.

2. The exporter signed it. bag-signature.txt is five lines of text, a
   blank line and a signature line. Its "tagmanifest-sha256" line must
   be the SHA-256 of tagmanifest-sha256.txt. The base64 at the end of
   the signature line is a 4-byte key id and a 64-byte BIP-340
   signature, by the key on the "exporter" line, of
   SHA-256(T("custody/bag/v1") || T("custody/bag/v1") || the five lines,
   each with its newline).

3. NPUB signed the checkpoint. data/checkpoint is three lines (custody/
   and the ledger id, the tree size, the root in base64), a blank line
   and signature lines. One whose base64 begins with NPUB's key id must
   hold a BIP-340 signature by NPUB of
   SHA-256(T("custody/checkpoint/v1") || T("custody/checkpoint/v1") ||
   the three lines, each with its newline). A key id is the first 4
   bytes of SHA-256(the first line || 0x0A || 0xFF ||
   "custody-bip340-v1" || the 32-byte key). The tree size and root must
   be those of section 1.

4. Each event is the ledger's. A .event file is "CEV1", the body's
   length n (4 bytes, little-endian), the body (n bytes), a count
   c (1 byte) and c 64-byte BIP-340 signatures. The event id is
   SHA-256(T("custody/event/v1") || T("custody/event/v1") || body); the
   first signature is by the body's author, of the id (a key rotation
   carries a second, by the new key). The genesis's id (event 0) is the
   ledger id.

5. Each event is in the checkpoint. In data/proofs/<seq>.tlog-proof, the
   lines between "index <seq>" and the blank line are base64 hashes.
   From the leaf hash SHA-256(0x00 || the whole .event file), combine
   them as RFC 9162 section 2.1.3.2 says, each node being
   SHA-256(0x01 || left || right), with the index <seq> and the tree
   size; the result must be the checkpoint's root.

6. What an event says. Its body is a FlatBuffers buffer of the table
   Event in event.fbs, beside this file. With flatc, the FlatBuffers
   compiler, for event 4:

     f=data/events/4.event
     n=$(od -An -tu4 -j4 -N4 --endian=little $f | tr -d ' ')
     tail -c +9 $f | head -c "$n" > 4.body
     flatc --json --raw-binary --strict-json --defaults-json \
       event.fbs -- 4.body

   writes 4.json: its sequence number, times (UTC, nanoseconds since
   1970), author, incident, subjects, references and payload. Keys and
   hashes print as lists of 32 numbers.

7. Nothing is hidden between events. In data/index.json, "users" lists
   for each user every event about them up to the checkpoint ("about").
   In each selected event, the subject entry of such a user holds
   prev_seq, the number of the previous event about them: it must be the
   number before it in "about", or 0 for the first.

8. Who may do what. Replayed in order, the membership events give each
   key its roles; each author must hold a role allowed to record their
   event, and the exporter the role legal or admin (the permission table
   is in Custody's docs/cli.md).

5. What a check proves, and what it does not
--------------------------------------------

It proves that each event is, byte for byte, the one the ledger held at
the checkpoint NPUB signed; who wrote it, and that they held a role
allowed to; who exported the package; and that no file was changed
since.

It does not prove who NPUB belongs to; that no event about a user came
after the last one listed and before the checkpoint, nor, in a package
limited to an incident, that no event of the incident was left out (the
exporter states both); that no role was revoked by an event left out; or
what a withheld snapshot holds (only its hash and size). docs/package.md
lists every limit.
)README";

}  // namespace

TEST_CASE("Package: README.txt of format v2 is, byte for byte, the text pinned here",
          "[package][readme]") {
  const std::string text = ReadmeText(ExampleIndex());
  if (text != kReadmeV2) std::cout << text;  // to compare by hand
  CHECK(text == kReadmeV2);
  // Every line fits 72 columns; no date or time of day.
  for (std::string_view rest = text; !rest.empty();) {
    const size_t nl = rest.find('\n');
    INFO(rest.substr(0, nl));
    CHECK(nl <= 72);
    rest.remove_prefix(nl + 1);
  }
}

TEST_CASE("Package: README.txt follows the index: scope, counts, what is left out",
          "[package][readme]") {
  Index x = ExampleIndex();
  auto flat = [](std::string s) {
    std::string out;
    for (char c : s)
      if (c != '\n' && c != ' ')
        out += c;
      else if (out.empty() || out.back() != ' ')
        out += ' ';
    return out;
  };
  // The same index gives the same text; any field it names changes it.
  CHECK(ReadmeText(x) == ReadmeText(ExampleIndex()));
  // An unlimited user export leaves nothing out.
  x.incident = 0;
  x.users[0].about = x.events;
  std::string text = flat(ReadmeText(x));
  CHECK(text.find("Left out: nothing.") != std::string::npos);
  CHECK(text.find("every event about the user npub1") != std::string::npos);
  // An incident export names the incident and counts its users.
  x = ExampleIndex();
  x.scope = fb::ExportScope::Incident;
  x.user.reset();
  Hash32 other{};
  other[0] = 0xb0;
  x.users.push_back({other, {5, 6, 7}});
  text = flat(ReadmeText(x));
  CHECK(text.find("Selection: the declaration of incident INC-3 and every event that names it, "
                  "up to the checkpoint. They are about 2 users.") != std::string::npos);
  CHECK(text.find("Left out: 2 other events about these users, outside INC-3. Their numbers") !=
        std::string::npos);
  // No snapshot; shared ones included on request.
  x.blobs.clear();
  CHECK(flat(ReadmeText(x)).find("no snapshot: the selected events attach none;") !=
        std::string::npos);
  x.blobs = {{Hash32{}, 5, true}};
  x.include_shared_blobs = true;
  CHECK(flat(ReadmeText(x)).find("included at the exporter's request") != std::string::npos);
  // A long ledger name is printed whole, control characters escaped.
  x.ledger_name = "line one\nline two";
  CHECK(ReadmeText(x).find("\n  line one\\nline two\n") != std::string::npos);
}

TEST_CASE("Package: the event schema this binary ships is one verify-package knows",
          "[package][readme]") {
  // If this fails, ledger/event.fbs changed: append its SHA-256 to the list in
  // IsKnownEventSchema (evidence/package_readme.cc), keeping the earlier ones,
  // which packages already handed out carry.
  INFO("SHA-256 of ledger/event.fbs: " << EncodeHex(Sha256(AsSpan(EventSchemaText()))));
  CHECK(IsKnownEventSchema(EventSchemaText()));
  CHECK_FALSE(IsKnownEventSchema(std::string(EventSchemaText()) + "\n"));
  CHECK_FALSE(IsKnownEventSchema(""));
}

TEST_CASE("Package: index.json formats v1 and v2 are read, a later one refused as such",
          "[package]") {
  Index x = ExampleIndex();
  CHECK(x.format == kFormatVersion);
  const std::string v2 = FormatIndex(x);
  CHECK(v2.find("\"format\": \"custody-evidence-package/v2\"") != std::string::npos);
  CHECK(ParseIndex(v2).value().format == 2);
  x.format = 1;
  const std::string v1 = FormatIndex(x);
  CHECK(ParseIndex(v1).value().format == 1);
  std::string v3 = v2;
  v3.replace(v3.find("/v2"), 3, "/v3");
  auto refused = ParseIndex(v3);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message().find("a later release of Custody may read it") !=
        std::string::npos);
  std::string v0 = v2;
  v0.replace(v0.find("/v2"), 3, "/v0");
  CHECK_FALSE(ParseIndex(v0).ok());
}
