#include "evidence/verify_package.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include "ledger/base/encoding.h"
#include "ledger/checkpoint.h"
#include "ledger/membership.h"
#include "ledger/merkle.h"
#include "ledger/stream_hash.h"

namespace custody {
namespace {

namespace fs = std::filesystem;
using namespace package;

constexpr size_t kMaxEventFile = kSignedEventHeader + kMaxBodySize + 1 + 64 * 255;
// README.txt holds the ledger's name (up to 64 KiB, escaped: up to 256 KiB).
constexpr size_t kMaxReadmeSize = 1 << 20, kMaxSchemaSize = 1 << 20;

Status Fail(const std::string& what) { return Status::VerificationFailed(what); }

// Reads a whole file of at most `limit` bytes, refusing symlinks and anything
// that is not a regular file.
Result<std::string> ReadSmall(const fs::path& path, const std::string& name, size_t limit) {
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Fail(name + ": missing or not readable (" + std::strerror(errno) + ")");
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Fail(name + ": not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > limit) {
    close(fd);
    return Fail(name + ": " + std::to_string(st.st_size) + " bytes, more than the " +
                std::to_string(limit) + " allowed");
  }
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < out.size()) {
    ssize_t r = read(fd, out.data() + got, out.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  close(fd);
  if (got != out.size()) return Fail(name + ": short read");
  return out;
}

// Every file under dir, by bag path; fails on a symlink, a special file, an
// unsafe name, or too many files. Directories are walked, never followed.
Status Walk(const fs::path& dir, std::map<std::string, uint64_t>* files) {
  std::error_code ec;
  auto st = fs::symlink_status(dir, ec);
  if (ec || !fs::is_directory(st))
    return Fail(dir.string() + ": not a directory (symlinks are not followed)");
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end;
  if (ec) return Fail(dir.string() + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return Fail(dir.string() + ": " + ec.message());
    // Lexically: fs::relative would resolve a symlink and name its target.
    const std::string rel = it->path().lexically_relative(dir).generic_string();
    auto s = it->symlink_status(ec);
    if (ec) return Fail(rel + ": " + ec.message());
    if (fs::is_symlink(s))
      return Fail(rel + ": a symbolic link (a package holds only files and directories)");
    if (it.depth() > 4) return Fail(rel + ": nested too deeply");
    if (!IsSafeBagPath(rel)) return Fail(Printable(rel) + ": a name a package never holds");
    if (fs::is_directory(s)) continue;
    if (!fs::is_regular_file(s)) return Fail(rel + ": not a regular file");
    if (files->size() >= kMaxFiles)
      return Fail("more than " + std::to_string(kMaxFiles) + " files");
    (*files)[rel] = it->file_size(ec);
  }
  return Status::OK();
}

std::string Count(size_t n, const std::string& what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

// One verification of one package: the steps of docs/package.md "What
// verify-package checks", in order, each a method, sharing what earlier
// steps established.
class PackageCheck {
 public:
  PackageCheck(const std::string& dir, const Hash32& trust, PackageReport* report)
      : dir(dir), trust(trust), report(report) {}
  Status Run() {
    for (auto step :
         {&PackageCheck::Bag, &PackageCheck::Signature, &PackageCheck::IndexAndCheckpoint,
          &PackageCheck::Events, &PackageCheck::Authorization, &PackageCheck::Selection,
          &PackageCheck::Snapshots, &PackageCheck::Files, &PackageCheck::Readme})
      CUSTODY_RETURN_IF_ERROR((this->*step)());
    return Status::OK();
  }

 private:
  Status Bag();
  Status Signature();
  Status IndexAndCheckpoint();
  Status Events();
  Status Authorization();
  Status Selection();
  Status Snapshots();
  Status Files();
  Status Readme();
  void check(std::string topic, std::string found) {
    report->checks.emplace_back(std::move(topic), std::move(found));
  }

  const fs::path dir;
  const Hash32 trust;
  PackageReport* report;
  std::map<std::string, uint64_t> files;  // every file, by bag path, and its size
  std::map<std::string, Hash32> payload;  // manifest-sha256.txt
  std::string tag_text;                   // tagmanifest-sha256.txt
  std::set<std::string> tag_files;        // the files it lists
  BagSignature bag_sig;
  Index x;
  std::string cp_text;  // data/checkpoint
  Checkpoint cp;
  std::set<uint64_t> selected, all;  // selected events; and the membership events
  std::map<uint64_t, SignedEvent> events;
  std::set<std::string> expected;  // the data/ files index.json accounts for
};

// 1. The bag: every file, bagit.txt, the manifests, every payload file's hash.
Status PackageCheck::Bag() {
  // 1. The bag: every file, bagit.txt, the manifests, every payload file's hash.
  CUSTODY_RETURN_IF_ERROR(Walk(dir, &files));
  auto bagit = ReadSmall(dir / "bagit.txt", "bagit.txt", kMaxTagFileSize);
  if (!bagit.ok()) return bagit.status();
  if (*bagit != kBagitTxt) return Fail("bagit.txt: not exactly the BagIt 1.0 declaration");
  auto tag_read =
      ReadSmall(dir / "tagmanifest-sha256.txt", "tagmanifest-sha256.txt", kMaxTagFileSize);
  if (!tag_read.ok()) return tag_read.status();
  tag_text = *tag_read;
  auto tags = ParseManifest(tag_text, "tagmanifest-sha256.txt");
  if (!tags.ok()) return tags.status();
  for (const auto& t : *tags) {
    if (t.path.rfind("data/", 0) == 0)
      return Fail("tagmanifest-sha256.txt: lists payload file " + t.path);
    tag_files.insert(t.path);
  }
  for (const char* need : {"bagit.txt", "bag-info.txt", "manifest-sha256.txt"})
    if (!tag_files.count(need))
      return Fail(std::string("tagmanifest-sha256.txt: does not cover ") + need);
  auto manifest_text =
      ReadSmall(dir / "manifest-sha256.txt", "manifest-sha256.txt", kMaxManifestSize);
  if (!manifest_text.ok()) return manifest_text.status();
  auto manifest = ParseManifest(*manifest_text, "manifest-sha256.txt");
  if (!manifest.ok()) return manifest.status();
  for (const auto& m : *manifest) {
    if (m.path.rfind("data/", 0) != 0)
      return Fail("manifest-sha256.txt: lists " + m.path + ", outside data/");
    payload[m.path] = m.sha256;
  }
  for (const auto& [path, size] : files) {
    const bool is_tag = path.find('/') == std::string::npos;
    if (is_tag) {
      if (!tag_files.count(path) && path != "tagmanifest-sha256.txt" && path != kBagSignatureFile)
        return Fail(path + ": a tag file no manifest covers");
    } else if (!payload.count(path)) {
      return Fail(path + ": not in manifest-sha256.txt");
    }
  }
  for (const auto* list : {&*tags, &*manifest}) {
    for (const auto& m : *list) {
      if (!files.count(m.path)) return Fail(m.path + ": listed in a manifest but missing");
      uint64_t size = 0;
      auto h = HashFile((dir / m.path).string(), &size);
      if (!h.ok()) return Fail(m.path + ": " + h.status().message());
      if (*h != m.sha256)
        return Fail(m.path + ": SHA-256 does not match its manifest (changed after export)");
    }
  }
  // Payload-Oxum, where bag-info.txt gives it: octets and files of data/.
  auto info = ReadSmall(dir / "bag-info.txt", "bag-info.txt", kMaxTagFileSize);
  if (!info.ok()) return info.status();
  uint64_t payload_bytes = 0;
  for (const auto& [path, size] : files)
    if (path.rfind("data/", 0) == 0) payload_bytes += size;
  const std::string oxum = "Payload-Oxum: " + std::to_string(payload_bytes) + "." +
                           std::to_string(payload.size()) + "\n";
  if (info->find("Payload-Oxum: ") != std::string::npos && info->find(oxum) == std::string::npos)
    return Fail("bag-info.txt: Payload-Oxum does not match the payload (" +
                oxum.substr(14, oxum.size() - 15) + ")");
  check("bag", "BagIt 1.0; " + Count(manifest->size(), "payload file") + " and " +
                   Count(tags->size(), "tag file") +
                   " match their SHA-256 manifests; no other files");

  return Status::OK();
}

// 2. The exporter's signature over the tag manifest.
Status PackageCheck::Signature() {
  // 2. The exporter's signature over the tag manifest.
  auto sig_text =
      ReadSmall(dir / kBagSignatureFile, std::string(kBagSignatureFile), kMaxTagFileSize);
  if (!sig_text.ok()) return sig_text.status();
  auto verified = VerifyBagSignature(*sig_text);
  if (!verified.ok()) return verified.status();
  bag_sig = *verified;
  if (bag_sig.tagmanifest_sha256 != Sha256(AsSpan(tag_text)))
    return Fail(std::string(kBagSignatureFile) +
                ": signs another tagmanifest-sha256.txt than this one");

  return Status::OK();
}

// 3. index.json and the checkpoint, signed by the key the verifier trusts.
Status PackageCheck::IndexAndCheckpoint() {
  // 3. index.json and the checkpoint, signed by the key the verifier trusts.
  auto index_text = ReadSmall(dir / kIndexPath, std::string(kIndexPath), kMaxIndexSize);
  if (!index_text.ok()) return index_text.status();
  auto index = ParseIndex(*index_text);
  if (!index.ok()) return index.status();
  x = *index;
  report->index = x;
  const std::string origin = CheckpointOrigin(x.ledger_id);
  if (bag_sig.origin != origin || bag_sig.checkpoint_size != x.checkpoint_size ||
      bag_sig.exporter != x.exporter)
    return Fail(std::string(kBagSignatureFile) +
                ": names another ledger, checkpoint or exporter than index.json");
  check("exporter", EncodeNpub(x.exporter) + " signed the bag (checked against its role below)");
  auto cp_read = ReadSmall(dir / kCheckpointPath, std::string(kCheckpointPath), kMaxNoteSize);
  if (!cp_read.ok()) return cp_read.status();
  cp_text = *cp_read;
  auto verified_cp = VerifyCheckpointNote(cp_text, trust, origin);
  if (!verified_cp.ok())
    return Fail(std::string(kCheckpointPath) + ": " + verified_cp.status().message() +
                " (the trusted key)");
  cp = *verified_cp;
  if (cp.size != x.checkpoint_size || cp.root != x.checkpoint_root)
    return Fail(std::string(kCheckpointPath) + ": size or root differs from index.json");
  auto nostr_text = ReadSmall(dir / kNostrPath, std::string(kNostrPath), kMaxNoteSize);
  if (!nostr_text.ok()) return nostr_text.status();
  auto nostr = VerifyNostrEvent(*nostr_text);
  if (!nostr.ok()) return Fail(std::string(kNostrPath) + ": " + nostr.status().message());
  if (nostr->pubkey != trust || nostr->content != EncodeCheckpointBody(cp))
    return Fail(std::string(kNostrPath) + ": not the same checkpoint signed by the trusted key");
  check("checkpoint", origin + " at " + std::to_string(cp.size) +
                          " events, signed by the trusted key " + EncodeNpub(trust) +
                          " (signed note and NIP-01 event)");

  return Status::OK();
}

// 4. Every event: bytes, id, signatures, inclusion proof against the checkpoint.
Status PackageCheck::Events() {
  // 4. Every event: bytes, id, signatures, inclusion proof against the checkpoint.
  selected = std::set<uint64_t>(x.events.begin(), x.events.end());
  all = selected;
  all.insert(x.membership.begin(), x.membership.end());
  expected = {std::string(kIndexPath), std::string(kCheckpointPath), std::string(kNostrPath),
              std::string(kReportPath), std::string(kTimelinePath)};
  for (uint64_t seq : all) {
    const std::string path = EventPath(seq), where = "event " + std::to_string(seq);
    expected.insert(path);
    expected.insert(RenderingPath(seq));
    expected.insert(ProofPath(seq));
    auto bytes = ReadSmall(dir / path, path, kMaxEventFile);
    if (!bytes.ok()) return bytes.status();
    auto ev = SignedEvent::Decode(AsSpan(*bytes));
    if (!ev.ok()) return Fail(path + ": " + ev.status().message());
    const fb::Event& e = ev->event();
    if (e.seq() != seq) return Fail(path + ": holds event " + std::to_string(e.seq()));
    if (seq > 0 && ToHash(e.ledger_id()) != x.ledger_id)
      return Fail(where + ": belongs to another ledger");
    const Hash32 id = ev->id();
    if (seq == 0 && id != x.ledger_id)
      return Fail(where + ": the genesis's id is not the ledger id in index.json");
    if (seq == 0 && e.payload_as_Genesis()->name()->string_view() != x.ledger_name)
      return Fail(where + ": the genesis names the ledger otherwise than index.json");
    Status sigs = VerifySignatures(*ev, id);
    if (!sigs.ok()) return Fail(sigs.message());
    auto proof_text = ReadSmall(dir / ProofPath(seq), ProofPath(seq), kMaxProofText);
    if (!proof_text.ok()) return proof_text.status();
    auto proof = ParseTlogProof(*proof_text);
    if (!proof.ok()) return Fail(ProofPath(seq) + ": " + proof.status().message());
    if (proof->index != seq || proof->checkpoint != cp_text)
      return Fail(ProofPath(seq) + ": not a proof of event " + std::to_string(seq) +
                  " against data/checkpoint");
    Status incl = VerifyInclusion(seq, cp.size, HashLeaf(ev->bytes()), proof->hashes, cp.root);
    if (!incl.ok())
      return Fail(where + ": inclusion proof does not verify against the checkpoint (" +
                  incl.message() + ")");
    events.emplace(seq, std::move(*ev));
  }
  check("events", Count(x.events.size(), "selected event") + " and " +
                      Count(x.membership.size(), "membership event") +
                      ": ids, signatures and inclusion proofs against the checkpoint");

  return Status::OK();
}

// 5. Authorization: the membership events replayed.
Status PackageCheck::Authorization() {
  // 5. Authorization: replay the membership events; every author held a role
  // allowed to append what they appended, and the exporter is legal or admin.
  if (x.membership.empty() || x.membership.front() != 0)
    return Fail("index.json: the membership events must start with the genesis");
  MemberState members;
  for (uint64_t seq : all) {
    const fb::Event& e = events.at(seq).event();
    const bool is_membership = std::binary_search(x.membership.begin(), x.membership.end(), seq);
    if (is_membership != IsMembershipType(e.payload_type()))
      return Fail("index.json: event " + std::to_string(seq) +
                  (is_membership ? " is listed as membership but is not"
                                 : " is a membership event not listed as one"));
    Status s = members.Check(e);
    if (!s.ok()) return Fail(s.message());
    if (is_membership) members.Apply(e);
  }
  const uint32_t exporter_roles = members.RolesOf(x.exporter);
  if ((exporter_roles & RolesAllowedToAppend(fb::Payload::ExportPerformed)) == 0)
    return Fail("exporter " + EncodeNpub(x.exporter) +
                " is not a legal or admin member at checkpoint " +
                std::to_string(x.checkpoint_size));
  check("authorization",
        "every author held a role allowed to append their event; the exporter held " +
            RoleNames(exporter_roles) + " at the checkpoint");

  return Status::OK();
}

// 6. The selection, and the per-user back-links.
Status PackageCheck::Selection() {
  // 6. The selection, and the per-user back-links: nothing left out unsaid.
  std::map<Hash32, const UserEntry*> users;
  for (const auto& u : x.users) users[u.user] = &u;
  if (x.scope == fb::ExportScope::User && (users.size() != 1 || !users.count(*x.user)))
    return Fail("index.json: a user package lists exactly its user");
  size_t omitted = 0;
  for (uint64_t seq : x.events) {
    const fb::Event& e = events.at(seq).event();
    const std::string where = "event " + std::to_string(seq);
    if (x.scope == fb::ExportScope::User) {
      bool about = false;
      if (e.subjects())
        for (auto* s : *e.subjects()) about |= ToHash(&s->key()) == *x.user;
      if (!about)
        return Fail(where + ": not about " + EncodeNpub(*x.user) + " (another user's event)");
    }
    if (x.incident && e.incident() != x.incident && seq != x.incident)
      return Fail(where + ": not part of " + IncidentName(x.incident));
    if (!e.subjects()) continue;
    for (auto* s : *e.subjects()) {
      const Hash32 user = ToHash(&s->key());
      auto it = users.find(user);
      // A user package follows its own user's back-links; the other subjects'
      // histories are theirs, and not disclosed.
      if (it == users.end() && x.scope == fb::ExportScope::User) continue;
      if (it == users.end())
        return Fail(where + ": its subject " + EncodeNpub(user) +
                    " has no entry in index.json users");
      const auto& about = it->second->about;
      auto pos = std::lower_bound(about.begin(), about.end(), seq);
      if (pos == about.end() || *pos != seq)
        return Fail(where + ": missing from the events about " + EncodeNpub(user) +
                    " in index.json");
      const uint64_t want_prev = pos == about.begin() ? 0 : *(pos - 1);
      if (s->prev_seq() != want_prev)
        return Fail(where + ": its back-link for " + EncodeNpub(user) + " points at " +
                    std::to_string(s->prev_seq()) + ", but index.json lists " +
                    std::to_string(want_prev) + " before it (a gap)");
    }
  }
  for (const auto& u : x.users) {
    // Following the back-links from each included event must reach only
    // included events, or ones the selection leaves out by its own rule.
    for (uint64_t seq : u.about) {
      if (selected.count(seq)) continue;
      if (x.scope == fb::ExportScope::User && x.incident == 0)
        return Fail("event " + std::to_string(seq) + " about " + EncodeNpub(u.user) +
                    " is missing from the package (a gap)");
      ++omitted;
    }
  }
  std::string links = "every included event's back-link matches the per-user list in index.json";
  if (x.scope == fb::ExportScope::User && x.incident == 0)
    links += "; the " + std::to_string(x.events.size()) +
             " events about the user link back, with no gap, to the user's first event; that the "
             "last of them is "
             "the latest before the checkpoint is the exporter's statement";
  else
    links += "; " + std::to_string(omitted) + " events about these users fall outside " +
             IncidentName(x.incident) +
             " and are left out by the selection, as index.json states (their numbers are listed, "
             "their contents "
             "are not); that no event of the incident is missing is the exporter's statement, "
             "which a user "
             "package, unlike this one, proves";
  check("back-links", links);

  return Status::OK();
}

// 7. Snapshots.
Status PackageCheck::Snapshots() {
  // 7. Snapshots: every attached blob is listed; included ones are present
  // (their hash was checked with the manifest) at the size the event says.
  std::map<Hash32, const BlobEntry*> blobs;
  for (const auto& b : x.blobs) blobs[b.sha256] = &b;
  std::set<Hash32> referenced;
  for (uint64_t seq : x.events) {
    const fb::Event& e = events.at(seq).event();
    if (e.payload_type() != fb::Payload::EvidenceAttached) continue;
    auto* ev = e.payload_as_EvidenceAttached();
    const Hash32 hash = ToHash(ev->sha256());
    auto it = blobs.find(hash);
    if (it == blobs.end() || it->second->size != ev->size())
      return Fail("event " + std::to_string(seq) + ": its snapshot " + EncodeHex(hash) +
                  " is not listed in index.json");
    referenced.insert(hash);
  }
  size_t included = 0;
  for (const auto& b : x.blobs) {
    if (!referenced.count(b.sha256))
      return Fail("index.json: snapshot " + EncodeHex(b.sha256) +
                  " is attached by no included event");
    const std::string path = package::BlobPath(b.sha256);
    if (!b.included) {
      if (files.count(path)) return Fail(path + ": present but listed as not included");
      continue;
    }
    expected.insert(path);
    auto f = files.find(path);
    if (f == files.end()) return Fail(path + ": snapshot missing");
    if (payload.at(path) != b.sha256) return Fail(path + ": its content does not hash to its name");
    if (f->second != b.size)
      return Fail(path + ": " + std::to_string(f->second) + " bytes, the event says " +
                  std::to_string(b.size));
    ++included;
  }
  check("snapshots",
        std::to_string(included) + " included, each hashing to the SHA-256 its event records; " +
            std::to_string(x.blobs.size() - included) + " listed by hash and size only");

  return Status::OK();
}

// 8. Nothing else in data/, and nothing missing.
Status PackageCheck::Files() {
  // 8. Nothing else in data/, and nothing missing.
  for (const auto& [path, size] : payload)
    if (!expected.count(path)) return Fail(path + ": a file index.json does not account for");
  for (const auto& path : expected)
    if (!files.count(path)) return Fail(path + ": missing");
  // Renderings are informative (docs/package.md): present, and covered by
  // the manifests and the exporter's signature, but not compared with this
  // release's wording — a package that verifies today verifies with every
  // later release. The events above are the evidence.
  check("renderings",
        "each event's .txt, report.md and timeline.md are present and covered by the bag's "
        "signature; they are informative, the signed events are the evidence");
  return Status::OK();
}

// The first line where two texts differ, 1-based, and each one's line there
// ("" past its end).
struct Difference {
  size_t line = 0;
  std::string_view got, want;
};
Difference FirstDifference(std::string_view got, std::string_view want) {
  Difference d;
  for (d.line = 1;; ++d.line) {
    const size_t g = got.find('\n'), w = want.find('\n');
    d.got = got.substr(0, g);
    d.want = want.substr(0, w);
    if (d.got != d.want || g == std::string_view::npos || w == std::string_view::npos) return d;
    got.remove_prefix(g + 1);
    want.remove_prefix(w + 1);
  }
}

std::string Quoted(std::string_view s) {
  constexpr size_t kMax = 80;
  std::string out = Printable(s.substr(0, kMax));
  return "\"" + out + (s.size() > kMax ? "..." : "") + "\"";
}

// 9. The tag files that explain the package, from format 2 on: README.txt and
// event.fbs are there (step 1 checked each against the tag manifest, which
// the exporter signed), README.txt says exactly what Custody writes for this
// index.json — so a README that misdescribes the package fails, even signed —
// and event.fbs is the event schema as a release of Custody shipped it.
// Packages of format 1 (Custody 0.3.0 to 0.6.0) hold neither.
Status PackageCheck::Readme() {
  const std::string readme(kReadmeFile), schema(kSchemaFile);
  if (x.format < kFirstFormatWithReadme) {
    for (const std::string& name : {readme, schema})
      if (files.count(name))
        return Fail(name + ": a " + FormatName(x.format) +
                    " package, as Custody 0.3.0 to 0.6.0 wrote them, holds none (added after "
                    "export)");
    check("readme", "none: a " + FormatName(x.format) +
                        " package, as Custody 0.3.0 to 0.6.0 wrote them, holds no README.txt");
    return Status::OK();
  }
  for (const std::string& name : {readme, schema})
    if (!tag_files.count(name))
      return Fail(name + ": missing (every " + FormatName(x.format) +
                  " package holds it, listed in tagmanifest-sha256.txt)");
  auto text = ReadSmall(dir / readme, readme, kMaxReadmeSize);
  if (!text.ok()) return text.status();
  const std::string want = ReadmeText(x);
  if (*text != want) {
    const Difference d = FirstDifference(*text, want);
    const std::string where = "line " + std::to_string(d.line);
    return Fail(readme + ": does not describe this package (" +
                (d.got == d.want ? "it ends otherwise after " + where
                                 : where + " reads " + Quoted(d.got) +
                                       ", data/index.json calls for " + Quoted(d.want)) +
                ")");
  }
  auto fbs = ReadSmall(dir / schema, schema, kMaxSchemaSize);
  if (!fbs.ok()) return fbs.status();
  if (!IsKnownEventSchema(*fbs))
    return Fail(schema + ": not the event schema of any release of Custody (SHA-256 " +
                EncodeHex(Sha256(AsSpan(*fbs))) + ")");
  check("readme", "README.txt describes this package exactly as data/index.json does; " + schema +
                      " is Custody's event schema, for flatc");
  return Status::OK();
}

}  // namespace

Status VerifyPackage(const std::string& dir_text, const Hash32& trust, PackageReport* report) {
  *report = PackageReport();
  return PackageCheck(dir_text, trust, report).Run();
}

}  // namespace custody
