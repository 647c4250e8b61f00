// README.txt, the tag file that tells whoever receives a package what it is
// and how to check it (docs/package.md "README.txt"), and the event schemas a
// package may carry as event.fbs.
//
// Invariant: the text is a function of the index alone (no clock, no path, no
// release number), so the same export gives the same bytes and verify-package
// can regenerate it. The wording below is that of format 2, fixed for good: a
// package written today must verify with every later release, so new wording
// goes into a new format version beside this one (tests/evidence pin it).
#include <algorithm>
#include <set>

#include "evidence/package.h"
#include "ledger/base/encoding.h"

namespace custody::package {
namespace {

constexpr size_t kWidth = 72;
// Joins words that a line must not split ("RFC 8493"); printed as a space.
constexpr char kKeep = '\x01';

std::string Keep(std::string words) {
  std::replace(words.begin(), words.end(), ' ', kKeep);
  return words;
}

// Plain text, wrapped at kWidth columns.
class Text {
 public:
  void Line(std::string s = "") {
    std::replace(s.begin(), s.end(), kKeep, ' ');
    out_ += s + "\n";
  }
  // `words` wrapped: the first line starts with `first`, the others with
  // `rest`. A word longer than a line gets a line of its own.
  void Wrap(std::string_view words, const std::string& first = "", const std::string& rest = "") {
    std::string line = first;
    bool empty = true;
    while (!words.empty()) {
      const size_t space = words.find(' ');
      const std::string_view word = words.substr(0, space);
      words.remove_prefix(space == std::string_view::npos ? words.size() : space + 1);
      if (word.empty()) continue;
      if (!empty && line.size() + 1 + word.size() > kWidth) {
        Line(line);
        line = rest;
        empty = true;
      }
      if (!empty) line += ' ';
      line += word;
      empty = false;
    }
    Line(line);
  }
  void Para(std::string_view words) {
    Wrap(words);
    Line();
  }
  // "- item", continued two columns in.
  void Item(std::string_view words) { Wrap(words, "- ", "  "); }
  // "N. step", continued three columns in.
  void Step(int n, std::string_view words) {
    Wrap(words, std::to_string(n) + ". ", "   ");
    Line();
  }
  // A command or a value on its own line, never wrapped.
  void Literal(const std::string& s, size_t indent) { Line(std::string(indent, ' ') + s); }
  // Commands to type, inside a numbered step, between blank lines.
  void Commands(std::initializer_list<std::string> lines) {
    Line();
    for (const auto& line : lines) Literal(line, 5);
    Line();
  }
  void Heading(const std::string& title) {
    Line();
    Line(title);
    Line(std::string(title.size(), '-'));
    Line();
  }
  // A path and what it is, the description wrapped beside it.
  void File(const std::string& path, std::string_view what) {
    constexpr size_t kColumn = 30;
    std::string first = "  " + path;
    if (first.size() + 1 > kColumn) {
      Line(first);
      first.clear();
    }
    first.resize(kColumn, ' ');
    Wrap(what, first, std::string(kColumn, ' '));
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string Count(size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// The events about the package's users that the selection leaves out, each
// counted once.
size_t LeftOut(const Index& x) {
  std::set<uint64_t> about;
  for (const auto& u : x.users) about.insert(u.about.begin(), u.about.end());
  for (uint64_t seq : x.events) about.erase(seq);
  return about.size();
}

void WhatItIs(const Index& x, Text& t) {
  t.Line("Custody evidence package");
  t.Line("========================");
  t.Line();
  t.Para(
      "This directory is an evidence package written by Custody, a signed, hash-chained "
      "evidence ledger for security incident response. It holds events recorded in a Custody "
      "ledger, each with a proof that it is part of the ledger at a checkpoint signed by the "
      "ledger's key, and the signature of the member who exported them. It is a "
      "BagIt 1.0 bag (" +
      Keep("RFC 8493") + ") of format " + FormatName(x.format) + ".");
  t.Para(
      "Anyone can check it offline, with the program custody-verify-package or without Custody "
      "(sections 3 and 4), trusting neither whoever sent it nor this file. What you need is the "
      "public key (npub) that signs the ledger's checkpoints, learnt from a source other than "
      "this package.");
  t.Wrap(
      "This file is part of the package. It is written from data/index.json alone, with no "
      "clock time and no local path, so the same export made again gives the same bytes; "
      "tagmanifest-sha256.txt lists it, so the exporter's signature covers it; and "
      "custody-verify-package checks that it is exactly what Custody writes for this package.");
}

void WhatItHolds(const Index& x, Text& t) {
  t.Heading("1. What the package holds");
  t.Line("Ledger name:");
  t.Literal(Printable(x.ledger_name), 2);
  t.Line("Ledger id (the id of the ledger's first event):");
  t.Literal(EncodeHex(x.ledger_id), 2);
  t.Wrap("Checkpoint: the ledger's first " + Count(x.checkpoint_size, "event", "events") +
         " (numbers 0 to " + std::to_string(x.checkpoint_size - 1) + ", tree size " +
         std::to_string(x.checkpoint_size) +
         "), whose Merkle root is, in hex and in base64 (as data/checkpoint writes it):");
  t.Literal(EncodeHex(x.checkpoint_root), 2);
  t.Literal(EncodeBase64(x.checkpoint_root), 2);
  if (x.scope == fb::ExportScope::User) {
    t.Line("Selection: every event about the user");
    t.Literal(EncodeNpub(*x.user), 2);
    if (x.incident)
      t.Wrap("that names incident " + IncidentName(x.incident) +
             " (or is its declaration), up to the checkpoint.");
    else
      t.Line("up to the checkpoint.");
  } else {
    t.Wrap("Selection: the declaration of incident " + IncidentName(x.incident) +
           " and every event that names it, up to the checkpoint. They are about " +
           Count(x.users.size(), "user", "users") + ".");
  }
  t.Line("Exported by the member who signed bag-signature.txt:");
  t.Literal(EncodeNpub(x.exporter), 2);
  t.Line();

  std::set<uint64_t> proven(x.events.begin(), x.events.end());
  proven.insert(x.membership.begin(), x.membership.end());
  size_t included = 0, withheld = 0;
  for (const auto& b : x.blobs) (b.included ? included : withheld)++;
  t.Line("It holds:");
  t.Item(Count(x.events.size(), "selected event", "selected events") +
         ": data/events/<seq>.event, byte for byte as the ledger stores it, and "
         "data/events/<seq>.txt, rendered for reading;");
  t.Item(Count(x.membership.size(), "membership event", "membership events") +
         " (the ledger's genesis, membership and key events up to the checkpoint), which show "
         "who held which role;");
  t.Item("an inclusion proof for each of these " + Count(proven.size(), "event", "events") +
         " (data/proofs/<seq>.tlog-proof), and the checkpoint they lead to (data/checkpoint, "
         "and data/checkpoint.nostr.json, the same as a Nostr event);");
  std::string snapshots;
  if (x.blobs.empty()) {
    snapshots = "no snapshot: the selected events attach none;";
  } else {
    snapshots = Count(included, "snapshot", "snapshots") +
                " of logs, metrics or other files that the selected events attach "
                "(data/blobs/sha256/<its SHA-256>)";
    if (withheld)
      snapshots += "; " + Count(withheld, "more is", "more are") +
                   " withheld because also attached to other users, and listed in "
                   "data/index.json by hash and size only";
    else if (x.include_shared_blobs)
      snapshots += ", those also attached to other users included at the exporter's request";
    snapshots += ";";
  }
  t.Item(snapshots);
  t.Item(
      "data/index.json, the selection in JSON; data/report.md and data/timeline.md, summaries "
      "of the selected events for reading.");
  t.Line();
  const size_t left_out = LeftOut(x);
  if (x.scope == fb::ExportScope::User && x.incident == 0) {
    t.Wrap(
        "Left out: nothing. Every event about the user up to the checkpoint is in the package, "
        "and each one's back-link (the number of the previous event about the user) lets "
        "you check that none is missing between them.");
  } else if (left_out == 0) {
    t.Wrap("Left out: no event about " +
           std::string(x.scope == fb::ExportScope::User ? "the user" : "these users") +
           " up to the checkpoint falls outside " + IncidentName(x.incident) + ".");
  } else {
    t.Wrap("Left out: " + Count(left_out, "other event", "other events") + " about " +
           std::string(x.scope == fb::ExportScope::User ? "the user" : "these users") +
           ", outside " + IncidentName(x.incident) + ". " +
           (left_out == 1 ? "Its number is" : "Their numbers are") +
           " in data/index.json (\"about\"); " +
           (left_out == 1 ? "its content is" : "their contents are") + " not in the package.");
  }
}

void TheFiles(Text& t) {
  t.Heading("2. The files");
  t.File("README.txt", "this file");
  t.File("bagit.txt", "the BagIt declaration");
  t.File("bag-info.txt", "BagIt metadata: ledger, selection, exporter");
  t.File("manifest-sha256.txt", "the SHA-256 of every file under data/");
  t.File("tagmanifest-sha256.txt",
         "the SHA-256 of the other files at the top, but bag-signature.txt");
  t.File("bag-signature.txt", "the exporter's signature over tagmanifest-sha256.txt");
  t.File("event.fbs", "the FlatBuffers schema of the event bodies");
  t.File("data/index.json", "what was selected, and how");
  t.File("data/checkpoint", "the checkpoint, a C2SP signed note");
  t.File("data/checkpoint.nostr.json", "the same checkpoint as a Nostr (NIP-01) event");
  t.File("data/events/<seq>.event", "an event, byte for byte as the ledger stores it");
  t.File("data/events/<seq>.txt", "the same event, rendered for reading");
  t.File("data/proofs/<seq>.tlog-proof", "its inclusion proof, a C2SP tlog-proof");
  t.File("data/blobs/sha256/<hex>", "a snapshot, named by its SHA-256 (if any)");
  t.File("data/report.md", "a report of the selected events");
  t.File("data/timeline.md", "the selected events in the order they occurred");
  t.Line();
  t.Wrap(
      "<seq> is an event's sequence number in the ledger. The .event files are the evidence; "
      "the renderings (.txt, report.md, timeline.md) are the exporter's conveniences, covered "
      "by the signature but not compared with the events by any check.");
}

void CheckWithCustody(Text& t) {
  t.Heading("3. How to check it with custody-verify-package");
  t.Para(
      "custody-verify-package is Custody's offline verifier (Debian package "
      "custody-verify-package; \"custody verify-package\" runs the same checks). It reads only "
      "this directory: no ledger, no database, no network.");
  t.Step(1,
         "Get NPUB, the public key that signs the ledger's checkpoints (an admin or notary key "
         "of the ledger, written npub1...), from a source you trust other than this package: "
         "the ledger's operator, a record of the case, a checkpoint you kept. The package "
         "proves that NPUB signed its checkpoint; it cannot tell you whom to trust.");
  t.Wrap("2. Run, with DIR this directory:", "", "   ");
  t.Commands({"custody-verify-package DIR --trust NPUB"});
  t.Wrap(
      "3. Read the result. Exit status 0, and a last line \"result OK\": every check passed; "
      "the lines above say what was checked. Exit status 1, and \"result FAILED\": the package "
      "is not as exported, or its checkpoint is not signed by NPUB; one line on standard error "
      "names the file and what is wrong. Exit status 2: the command line is wrong (for example, "
      "NPUB is not an npub). With --json it prints one JSON document instead.",
      "", "   ");
}

void CheckWithoutCustody(const Index& x, Text& t) {
  t.Heading("4. How to check it without Custody");
  t.Para(
      "Every file is in a documented format. Each step below needs standard tools only; "
      "Custody's documentation gives them in full (docs/package.md, installed with "
      "custody-verify-package as /usr/share/doc/custody-verify-package/package.md, with a "
      "Python script for the signatures). T(tag) below is SHA-256 of the tag's text, \"||\" "
      "joins bytes, and a BIP-340 signature is a Schnorr signature on secp256k1 (Bitcoin's "
      "BIP 340); an npub is a key written in NIP-19 bech32.");
  t.Wrap("1. Nothing changed. In this directory, both of", "", "   ");
  t.Commands({"sha256sum -c --strict tagmanifest-sha256.txt",
              "sha256sum -c --strict manifest-sha256.txt"});
  t.Wrap(
      "must print only OK lines, and the directory must hold no file that neither lists, but "
      "for tagmanifest-sha256.txt and bag-signature.txt.",
      "   ", "   ");
  t.Line();
  t.Step(2,
         "The exporter signed it. bag-signature.txt is five lines of text, a blank line and a "
         "signature line. Its \"tagmanifest-sha256\" line must be the SHA-256 of "
         "tagmanifest-sha256.txt. The base64 at the end of the signature line is a 4-byte key "
         "id and a 64-byte BIP-340 signature, by the key on the \"exporter\" line, of "
         "SHA-256(T(\"custody/bag/v1\") || T(\"custody/bag/v1\") || the five lines, each with "
         "its newline).");
  t.Step(3,
         "NPUB signed the checkpoint. data/checkpoint is three lines (custody/ and the ledger "
         "id, the tree size, the root in base64), a blank line and signature lines. One whose "
         "base64 begins with NPUB's key id must hold a BIP-340 signature by NPUB of "
         "SHA-256(T(\"custody/checkpoint/v1\") || T(\"custody/checkpoint/v1\") || the three "
         "lines, each with its newline). A key id is the first 4 bytes of SHA-256(the first "
         "line || 0x0A || 0xFF || \"custody-bip340-v1\" || the 32-byte key). The tree size and "
         "root must be those of section 1.");
  t.Step(
      4,
      "Each event is the ledger's. A .event file is \"CEV1\", the body's length n (4 bytes, "
      "little-endian), the body (n bytes), a count " +
          Keep("c (1 byte)") +
          " and c 64-byte BIP-340 "
          "signatures. The event id is SHA-256(T(\"custody/event/v1\") || T(\"custody/event/v1\") "
          "|| body); the first signature is by the body's author, of the id (a key rotation "
          "carries a second, by the new key). The genesis's id (event 0) is the ledger id.");
  t.Step(5,
         "Each event is in the checkpoint. In data/proofs/<seq>.tlog-proof, the lines between "
         "\"index <seq>\" and the blank line are base64 hashes. From the leaf hash " +
             Keep("SHA-256(0x00 || the whole .event file)") + ", combine them as " +
             Keep("RFC 9162 section 2.1.3.2") + " says, each node being " +
             Keep("SHA-256(0x01 || left || right)") +
             ", with the index <seq> and the tree size; the result must be the checkpoint's "
             "root.");
  const std::string seq = std::to_string(x.events.empty() ? 0 : x.events.front());
  t.Wrap(
      "6. What an event says. Its body is a FlatBuffers buffer of the table Event in event.fbs, "
      "beside this file. With flatc, the FlatBuffers compiler, for event " +
          seq + ":",
      "", "   ");
  t.Commands({"f=data/events/" + seq + ".event",
              "n=$(od -An -tu4 -j4 -N4 --endian=little $f | tr -d ' ')",
              "tail -c +9 $f | head -c \"$n\" > " + seq + ".body",
              "flatc --json --raw-binary --strict-json --defaults-json \\",
              "  event.fbs -- " + seq + ".body"});
  t.Wrap("writes " + seq +
             ".json: its sequence number, times (UTC, nanoseconds since 1970), author, "
             "incident, subjects, references and payload. Keys and hashes print as lists of "
             "32 numbers.",
         "   ", "   ");
  t.Line();
  t.Step(7,
         "Nothing is hidden between events. In data/index.json, \"users\" lists for each user "
         "every event about them up to the checkpoint (\"about\"). In each selected event, the "
         "subject entry of such a user holds prev_seq, the number of the previous event about "
         "them: it must be the number before it in \"about\", or 0 for the first.");
  t.Wrap(
      "8. Who may do what. Replayed in order, the membership events give each key its roles; "
      "each author must hold a role allowed to record their event, and the exporter the role "
      "legal or admin (the permission table is in Custody's docs/cli.md).",
      "", "   ");
}

void WhatItProves(Text& t) {
  t.Heading("5. What a check proves, and what it does not");
  t.Para(
      "It proves that each event is, byte for byte, the one the ledger held at the checkpoint "
      "NPUB signed; who wrote it, and that they held a role allowed to; who exported the "
      "package; and that no file was changed since.");
  t.Wrap(
      "It does not prove who NPUB belongs to; that no event about a user came after the last "
      "one listed and before the checkpoint, nor, in a package limited to an incident, that no "
      "event of the incident was left out (the exporter states both); that no role was revoked "
      "by an event left out; or what a withheld snapshot holds (only its hash and size). "
      "docs/package.md lists every limit.");
}

}  // namespace

std::string ReadmeText(const Index& x) {
  Text t;
  WhatItIs(x, t);
  WhatItHolds(x, t);
  TheFiles(t);
  CheckWithCustody(t);
  CheckWithoutCustody(x, t);
  WhatItProves(t);
  return t.Take();
}

bool IsKnownEventSchema(std::string_view text) {
  // SHA-256 of every ledger/event.fbs a release shipped in packages, oldest
  // first. Append, never remove: old packages carry them.
  static constexpr std::string_view kKnown[] = {
      "8a8243d3ff381b739fa6c237d7e52868a87b275c4a70a698204fee8760e19a3a",  // the first, in format 2
  };
  const std::string hash = EncodeHex(Sha256(AsSpan(text)));
  return std::find(std::begin(kKnown), std::end(kKnown), hash) != std::end(kKnown);
}

}  // namespace custody::package
