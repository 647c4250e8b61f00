// Evidence packages (DESIGN.md "Evidence packages", docs/package.md): the
// BagIt 1.0 bag export writes and verify-package reads — its file names,
// manifests, index.json, the exporter's bag signature, and the tag files that
// explain the package to its recipient (README.txt, event.fbs), which are
// pure functions of index.json so that the verifier can regenerate them and
// compare byte for byte.
//
// Parsers treat their input as hostile: sizes are bounded, every field is
// checked, and errors name the file and what was wrong. No storage here, and
// no RocksDB: verify-package links only this, projections/ and ledger/.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/base/bytes.h"
#include "ledger/base/status.h"
#include "ledger/crypto.h"
#include "ledger/event.h"

namespace custody::package {

// index.json's "format" is "custody-evidence-package/v<N>". Each version
// fixes which files a package holds and what they say; a verifier reads every
// earlier version and refuses a later one. On-disk format: never change what
// a version means.
//   1  Custody 0.3.0 to 0.6.0.
//   2  adds the tag files README.txt (ReadmeText) and event.fbs (the event
//      schema), both listed in tagmanifest-sha256.txt.
inline constexpr uint32_t kFormatVersion = 2;  // what export writes
inline constexpr uint32_t kFirstFormatWithReadme = 2;
std::string FormatName(uint32_t version);  // "custody-evidence-package/v<version>"
inline constexpr std::string_view kBagitTxt =
    "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
inline constexpr std::string_view kBagSignatureFile = "bag-signature.txt";
inline constexpr std::string_view kBagSignatureHeader = "custody/bag-signature@v1";
inline constexpr std::string_view kBagTag =
    "custody/bag/v1";  // BIP-340 tagged hash of the note text
inline constexpr size_t kMaxIndexSize = 64 << 20;
inline constexpr size_t kMaxManifestSize = 64 << 20;
inline constexpr size_t kMaxTagFileSize = 64 << 10;
inline constexpr size_t kMaxFiles = 1 << 20;
inline constexpr size_t kMaxJsonDepth = 16;

// Paths inside the bag.
std::string EventPath(uint64_t seq);         // data/events/<seq>.event
std::string RenderingPath(uint64_t seq);     // data/events/<seq>.txt
std::string ProofPath(uint64_t seq);         // data/proofs/<seq>.tlog-proof
std::string BlobPath(const Hash32& sha256);  // data/blobs/sha256/<hex>
inline constexpr std::string_view kIndexPath = "data/index.json";
inline constexpr std::string_view kCheckpointPath = "data/checkpoint";
inline constexpr std::string_view kNostrPath = "data/checkpoint.nostr.json";
inline constexpr std::string_view kReportPath = "data/report.md";
inline constexpr std::string_view kTimelinePath = "data/timeline.md";
// Tag files (top level, in tagmanifest-sha256.txt) from format 2 on.
inline constexpr std::string_view kReadmeFile = "README.txt";
inline constexpr std::string_view kSchemaFile = "event.fbs";

// A relative path a bag may name: "data/…" or a tag file, made of
// [A-Za-z0-9._-] segments, no empty, "." or ".." segment.
bool IsSafeBagPath(std::string_view path);

// SPEC: RFC 8493 §2.1.3 — one "<checksum> <path>" line per file (we write two
// spaces, as sha256sum does, and read one or more).
struct ManifestEntry {
  std::string path;
  Hash32 sha256{};
};
// Sorted by path, so the same files give the same bytes.
std::string FormatManifest(std::vector<ManifestEntry> entries);
// Refuses unsafe or duplicate paths, bad hex, CR, and anything over the size limit.
Result<std::vector<ManifestEntry>> ParseManifest(std::string_view text, std::string_view file);

struct UserEntry {
  Hash32 user{};
  std::vector<uint64_t> about;  // every event about the user before the checkpoint, ascending
};
struct BlobEntry {
  Hash32 sha256{};
  uint64_t size = 0;
  bool included = false;  // false: attached to other users too, listed by hash and size only
};
struct Index {
  uint32_t format = kFormatVersion;  // "format": custody-evidence-package/v<format>
  Hash32 ledger_id{};
  std::string ledger_name;
  fb::ExportScope scope = fb::ExportScope::User;
  std::optional<Hash32> user;  // scope User
  uint64_t incident = 0;       // scope Incident, or a user export limited to one incident
  bool include_shared_blobs = false;
  uint64_t checkpoint_size = 0;
  Hash32 checkpoint_root{};
  Hash32 exporter{};
  std::vector<uint64_t> events;  // the selection, ascending
  std::vector<uint64_t>
      membership;  // genesis, membership and key events before the checkpoint, ascending
  std::vector<UserEntry> users;  // by key
  std::vector<BlobEntry> blobs;  // by hash
};
std::string FormatIndex(const Index& index);
Result<Index> ParseIndex(std::string_view json);

// The bag signature: a C2SP signed note, key name = the ledger's origin,
// BIP-340 over the tagged hash "custody/bag/v1" of the text, auxiliary
// randomness all zeros (so the same exporter and bag give the same bytes):
//   custody/bag-signature@v1
//   origin custody/<hex ledger id>
//   checkpoint <size>
//   tagmanifest-sha256 <hex>
//   exporter <npub>
struct BagSignature {
  std::string origin;
  uint64_t checkpoint_size = 0;
  Hash32 tagmanifest_sha256{};
  Hash32 exporter{};
};
Result<std::string> SignBag(const SecretKey& exporter, const BagSignature& what);
// Parses the note and checks its signature by the exporter it names.
Result<BagSignature> VerifyBagSignature(std::string_view note);

// bag-info.txt.
std::string BagInfo(const Index& index, uint64_t payload_bytes, uint64_t payload_files,
                    TimeNs checkpoint_time);

// "every event about npub1… in INC-7": what a package selected, in words.
std::string SelectionText(const Index& index);

// README.txt: what the package is, what it holds and how to check it, with
// custody-verify-package and without Custody. A pure function of the index —
// no clock, no path — so a re-export gives the same bytes and verify-package
// regenerates it and compares. The wording of each format version is fixed
// forever (a package that verifies today verifies with every later release):
// new wording is a new format version. Lines are at most 72 columns, but for
// a ledger name longer than 70.
// REQUIRES: index.format >= kFirstFormatWithReadme.
std::string ReadmeText(const Index& index);

// Whether `text` is, byte for byte, ledger/event.fbs as some release of
// Custody shipped it in a package (the schema only grows: a package's schema
// reads every event it holds). The one this binary writes is
// EventSchemaText() (ledger/event_schema.h); a test checks that it is known.
bool IsKnownEventSchema(std::string_view text);

}  // namespace custody::package
