#include "evidence/export/export.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "evidence/export/renderings.h"
#include "ledger/base/encoding.h"
#include "ledger/checkpoint.h"
#include "ledger/event_schema.h"
#include "ledger/membership.h"
#include "ledger/merkle.h"
#include "ledger/stream_hash.h"
#include "projections/render.h"

namespace custody {
namespace {

namespace fs = std::filesystem;
using namespace package;

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

// Writes the package's files, each created new (O_EXCL, O_NOFOLLOW), and
// remembers each payload file's SHA-256 for the manifest. Sync() makes them
// durable once all are written, so their writeback overlaps (an fsync right
// after each write would wait for each in turn; a syncfs would also wait for
// everything else the machine has not yet written).
class BagWriter {
 public:
  explicit BagWriter(fs::path root) : root_(std::move(root)) {}

  Status Dir(const std::string& rel) {
    if (mkdir((root_ / rel).c_str(), 0755) != 0)
      return Status::IOError(Errno("create directory " + (root_ / rel).string()));
    return Status::OK();
  }
  // A file from bytes in memory.
  Status File(const std::string& rel, std::string_view bytes) {
    int fd = Create(rel);
    if (fd < 0) return Status::IOError(Errno("create " + (root_ / rel).string()));
    bool ok = WriteFull(fd, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    int saved = errno;
    close(fd);
    errno = saved;
    if (!ok) return Status::IOError(Errno("write " + (root_ / rel).string()));
    Record(rel, Sha256(AsSpan(bytes)), bytes.size());
    return Status::OK();
  }
  // A file copied from a stored blob, re-hashed on the way.
  Status Blob(const std::string& rel, const std::string& from, const Hash32& sha256,
              uint64_t size) {
    int fd = Create(rel);
    if (fd < 0) return Status::IOError(Errno("create " + (root_ / rel).string()));
    Status s = CopyVerified(from, sha256, size, fd);
    close(fd);
    CUSTODY_RETURN_IF_ERROR(s);
    Record(rel, sha256, size);
    return Status::OK();
  }
  Status Sync(const std::vector<std::string>& dirs) {
    for (const auto& rel : written_) {
      int fd = open((root_ / rel).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 || fdatasync(fd) != 0) {
        if (fd >= 0) close(fd);
        return Status::IOError(Errno("sync " + (root_ / rel).string()));
      }
      close(fd);
    }
    for (const auto& rel : dirs) {
      int fd = open((root_ / rel).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0 || fsync(fd) != 0) {
        if (fd >= 0) close(fd);
        return Status::IOError(Errno("sync " + (root_ / rel).string()));
      }
      close(fd);
    }
    return Status::OK();
  }
  std::vector<ManifestEntry> TakePayload() { return std::move(payload_); }
  uint64_t payload_bytes() const { return payload_bytes_; }

 private:
  int Create(const std::string& rel) {
    return open((root_ / rel).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  }
  void Record(const std::string& rel, const Hash32& h, uint64_t size) {
    written_.push_back(rel);
    if (rel.rfind("data/", 0) == 0) {
      payload_.push_back({rel, h});
      payload_bytes_ += size;
    }
  }
  fs::path root_;
  std::vector<ManifestEntry> payload_;
  std::vector<std::string> written_;
  uint64_t payload_bytes_ = 0;
};

// The target: a new directory, or an empty one that is not a symlink; and
// beside it DIR.partial, where the package is built, which must not exist.
Status CheckTarget(const std::string& dir, const std::string& partial) {
  struct stat st;
  if (lstat(dir.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode))
      return Status::InvalidArgument("package directory " + dir +
                                     " is a symbolic link; export does not follow links");
    if (!S_ISDIR(st.st_mode))
      return Status::InvalidArgument("package directory " + dir + " exists and is not a directory");
    std::error_code ec;
    if (!fs::is_empty(dir, ec) || ec)
      return Status::InvalidArgument(
          "package directory " + dir +
          " is not empty; export writes only into a new or empty directory");
  } else if (errno != ENOENT) {
    return Status::IOError(Errno("package directory " + dir));
  }
  if (lstat(partial.c_str(), &st) == 0)
    return Status::InvalidArgument(
        partial +
        " exists: an export to this directory was interrupted; remove it and export again "
        "(unsigned, it does not verify; signed, its export event is in the ledger)");
  if (errno != ENOENT) return Status::IOError(Errno(partial));
  return Status::OK();
}

Status SyncDir(const fs::path& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || fsync(fd) != 0) {
    if (fd >= 0) close(fd);
    return Status::IOError(Errno("sync " + dir.string()));
  }
  close(fd);
  return Status::OK();
}

// The export event is durable: sign the bag, make the signature durable, and
// publish the package under its name (rename is atomic; an empty DIR is
// replaced).
Status SignAndPublish(const SecretKey& exporter, const Index& x, const Hash32& tagmanifest,
                      const fs::path& partial, const fs::path& dir) {
  auto signature = SignBag(
      exporter, {CheckpointOrigin(x.ledger_id), x.checkpoint_size, tagmanifest, x.exporter});
  if (!signature.ok()) return signature.status();
  // Written beside its name, then renamed: the signature is there whole or not
  // at all.
  const fs::path file = partial / std::string(kBagSignatureFile);
  const fs::path temp = partial / (std::string(kBagSignatureFile) + ".tmp");
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(Errno("create " + temp.string()));
  const bool ok =
      WriteFull(fd, reinterpret_cast<const uint8_t*>(signature->data()), signature->size()) &&
      fdatasync(fd) == 0;
  const int saved = errno;
  close(fd);
  errno = saved;
  if (!ok) return Status::IOError(Errno("write " + temp.string()));
  if (rename(temp.c_str(), file.c_str()) != 0)
    return Status::IOError(Errno("rename " + temp.string()));
  CUSTODY_RETURN_IF_ERROR(SyncDir(partial));
  if (rename(partial.c_str(), dir.c_str()) != 0)
    return Status::IOError(Errno("rename " + partial.string() + " to " + dir.string()));
  return SyncDir(dir.parent_path().empty() ? fs::path(".") : dir.parent_path());
}

// What export gathers before it writes: the events (selected and membership),
// by sequence number.
using Events = std::map<uint64_t, SignedEvent>;

// Fills the index's selection, membership, users and snapshots from the
// store's indexes, bounded by the checkpoint, and checks the exporter's role
// at it.
Status Select(const Store& store, const ExportRequest& req, uint64_t size, Index* out,
              Events* loaded) {
  Index& x = *out;
  Events& events = *loaded;
  // The selection, through the indexes.
  auto load = [&](uint64_t seq) -> Status {
    if (events.count(seq)) return Status::OK();
    auto ev = store.Get(seq);
    if (!ev.ok()) return ev.status();
    events.emplace(seq, std::move(*ev));
    return Status::OK();
  };
  auto below = [size](std::vector<uint64_t> v) {
    v.erase(std::lower_bound(v.begin(), v.end(), size), v.end());
    return v;
  };
  std::vector<uint64_t> candidates;
  if (req.scope == fb::ExportScope::User) {
    x.user = req.user;
    auto about = store.EventsAbout(req.user);
    if (!about.ok()) return about.status();
    candidates = below(*about);
  } else {
    auto of = store.EventsOfIncident(req.incident);
    if (!of.ok()) return of.status();
    candidates = below(*of);
  }
  for (uint64_t seq : candidates) {
    CUSTODY_RETURN_IF_ERROR(load(seq));
    const fb::Event& e = events.at(seq).event();
    if (req.scope == fb::ExportScope::User && x.incident && e.incident() != x.incident &&
        seq != x.incident)
      continue;
    x.events.push_back(seq);
  }
  if (x.events.empty())
    return Status::InvalidArgument(req.scope == fb::ExportScope::User
                                       ? "no events about " + EncodeNpub(req.user) +
                                             (x.incident ? " in " + IncidentName(x.incident) : "") +
                                             " up to checkpoint " + std::to_string(size)
                                       : "no events of " + IncidentName(x.incident) +
                                             " up to checkpoint " + std::to_string(size));
  auto membership = store.MembershipEvents(size);
  if (!membership.ok()) return membership.status();
  x.membership = *membership;
  MemberState members;
  for (uint64_t seq : x.membership) {
    CUSTODY_RETURN_IF_ERROR(load(seq));
    members.Apply(events.at(seq).event());
  }
  if ((members.RolesOf(x.exporter) & RolesAllowedToAppend(fb::Payload::ExportPerformed)) == 0)
    return Status::Unauthorized(
        EncodeNpub(x.exporter) + " is not a legal or admin member at checkpoint " +
        std::to_string(size) +
        " (a package proves its exporter's role at its checkpoint; make a newer checkpoint)");

  // Users: the selection's subjects, each with every event about them.
  std::set<Hash32> subjects;
  for (uint64_t seq : x.events)
    if (auto* s = events.at(seq).event().subjects())
      for (auto* subject : *s) subjects.insert(ToHash(&subject->key()));
  if (req.scope == fb::ExportScope::User) subjects = {req.user};
  for (const Hash32& user : subjects) {
    auto about = store.EventsAbout(user);
    if (!about.ok()) return about.status();
    x.users.push_back({user, below(*about)});
  }

  // Snapshots: included unless attached to anyone outside the package's users.
  std::map<Hash32, BlobEntry> blobs;
  for (uint64_t seq : x.events) {
    const fb::Event& e = events.at(seq).event();
    if (e.payload_type() != fb::Payload::EvidenceAttached) continue;
    auto* ev = e.payload_as_EvidenceAttached();
    const Hash32 hash = ToHash(ev->sha256());
    if (blobs.count(hash)) continue;
    bool shared = false;
    auto refs = store.BlobRefs(hash);
    if (!refs.ok()) return refs.status();
    for (uint64_t ref : below(*refs)) {
      auto other = store.Get(ref);
      if (!other.ok()) return other.status();
      if (auto* s = other->event().subjects())
        for (auto* subject : *s) shared |= !subjects.count(ToHash(&subject->key()));
    }
    blobs[hash] = BlobEntry{hash, ev->size(), !shared || req.include_shared_blobs};
  }
  for (auto& [h, b] : blobs) x.blobs.push_back(b);

  return Status::OK();
}

// Writes the bag (every file and the manifests), synced; not its signature,
// which is written once the export event is durable (SignAndPublish).
Status WriteBag(const Store& store, const ExportRequest& req, const SignedEvent& cp_event,
                const Index& x, const Events& events, ExportResult* result) {
  const fb::Checkpoint* cp = cp_event.event().payload_as_Checkpoint();
  const uint64_t size = cp->size();
  BagWriter bag{fs::path(req.out_dir)};
  std::vector<std::string> dirs = {".", "data", "data/events", "data/proofs"};
  for (size_t i = 1; i < dirs.size(); ++i) CUSTODY_RETURN_IF_ERROR(bag.Dir(dirs[i]));
  const std::string note = cp->note()->str();
  CUSTODY_RETURN_IF_ERROR(bag.File(std::string(kCheckpointPath), note));
  CUSTODY_RETURN_IF_ERROR(bag.File(std::string(kNostrPath), cp->nostr()->str()));
  std::vector<uint64_t> all = x.events;
  all.insert(all.end(), x.membership.begin(), x.membership.end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  uint64_t done = 0;
  for (uint64_t seq : all) {
    const SignedEvent& ev = events.at(seq);
    const Bytes& bytes = ev.bytes();
    CUSTODY_RETURN_IF_ERROR(
        bag.File(EventPath(seq),
                 std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())));
    CUSTODY_RETURN_IF_ERROR(bag.File(RenderingPath(seq), EventDetail(ev, ev.id())));
    auto proof = InclusionProof(store.Nodes(), seq, size);
    if (!proof.ok()) return proof.status();
    TlogProof p;
    p.index = seq;
    p.hashes = *proof;
    p.checkpoint = note;
    CUSTODY_RETURN_IF_ERROR(bag.File(ProofPath(seq), FormatTlogProof(p)));
    if (req.progress) req.progress(++done, all.size());
  }
  bool any_blob = false;
  for (const auto& b : x.blobs) {
    if (!b.included) continue;
    if (!any_blob) {
      CUSTODY_RETURN_IF_ERROR(bag.Dir("data/blobs"));
      CUSTODY_RETURN_IF_ERROR(bag.Dir("data/blobs/sha256"));
      dirs.insert(dirs.end(), {"data/blobs", "data/blobs/sha256"});
      any_blob = true;
    }
    CUSTODY_RETURN_IF_ERROR(
        bag.Blob(package::BlobPath(b.sha256), store.BlobFile(b.sha256), b.sha256, b.size));
  }
  std::vector<const SignedEvent*> selection;
  for (uint64_t seq : x.events) selection.push_back(&events.at(seq));
  CUSTODY_RETURN_IF_ERROR(bag.File(std::string(kReportPath), ReportMarkdown(x, selection)));
  CUSTODY_RETURN_IF_ERROR(bag.File(std::string(kTimelinePath), TimelineMarkdown(x, selection)));
  CUSTODY_RETURN_IF_ERROR(bag.File(std::string(kIndexPath), FormatIndex(x)));
  auto payload = bag.TakePayload();
  const uint64_t payload_files = payload.size(), payload_bytes = bag.payload_bytes();
  const std::string manifest = FormatManifest(std::move(payload));
  const std::string info = BagInfo(x, payload_bytes, payload_files, cp_event.event().recorded_ns());
  // The tag files, each listed in the tag manifest (so the bag signature
  // covers them): README.txt and the event schema explain the package to
  // whoever receives it.
  const std::string readme = ReadmeText(x);
  const std::string_view schema = EventSchemaText();
  std::vector<ManifestEntry> tags;
  for (const auto& [name, bytes] :
       std::initializer_list<std::pair<std::string_view, std::string_view>>{
           {"bagit.txt", kBagitTxt},
           {"bag-info.txt", info},
           {"manifest-sha256.txt", manifest},
           {kReadmeFile, readme},
           {kSchemaFile, schema}}) {
    CUSTODY_RETURN_IF_ERROR(bag.File(std::string(name), bytes));
    tags.push_back({std::string(name), Sha256(AsSpan(bytes))});
  }
  const std::string tagmanifest = FormatManifest(std::move(tags));
  CUSTODY_RETURN_IF_ERROR(bag.File("tagmanifest-sha256.txt", tagmanifest));
  result->tagmanifest_sha256 = Sha256(AsSpan(tagmanifest));
  CUSTODY_RETURN_IF_ERROR(bag.Sync(dirs));
  result->files = payload_files;
  result->bytes = payload_bytes;
  return Status::OK();
}

}  // namespace

Status ExportPackage(Store* store, const SecretKey& exporter, const ExportRequest& req,
                     ExportResult* result) {
  *result = ExportResult();
  // The checkpoint bounds everything that follows.
  auto cp_event = store->CheckpointEvent(req.checkpoint_size);
  if (!cp_event.ok())
    return cp_event.status().IsNotFound()
               ? Status::InvalidArgument(req.checkpoint_size
                                             ? "no stored checkpoint of size " +
                                                   std::to_string(req.checkpoint_size)
                                             : "the ledger has no checkpoint yet")
               : cp_event.status();
  const fb::Checkpoint* cp = cp_event->event().payload_as_Checkpoint();
  const uint64_t size = cp->size();

  Index x;
  x.ledger_id = store->head().ledger_id;
  x.ledger_name = store->name();
  x.scope = req.scope;
  x.incident = req.incident;
  x.include_shared_blobs = req.include_shared_blobs;
  x.checkpoint_size = size;
  x.checkpoint_root = ToHash(cp->root());
  x.exporter = exporter.public_key();
  if (x.incident) {
    auto declared = store->IsIncident(x.incident);
    if (!declared.ok()) return declared.status();
    if (!*declared)
      return Status::InvalidArgument(IncidentName(x.incident) + " is not a declared incident");
    if (x.incident >= size)
      return Status::InvalidArgument(IncidentName(x.incident) + " was declared after checkpoint " +
                                     std::to_string(size));
  }
  // The export event, decided before anything is written: the exporter's
  // right to export and every other rule, as a dry run (the tagmanifest is
  // filled in once the bag is written).
  Draft d;
  d.incident = x.incident;
  if (req.scope == fb::ExportScope::User) d.subjects = {req.user};
  ExportPayload payload{
      req.scope, req.user, size, x.checkpoint_root, Hash32{}, 0, req.include_shared_blobs};
  d.payload = payload;
  auto rules = store->RuleState();
  if (!rules.ok()) return rules.status();
  CUSTODY_RETURN_IF_ERROR(store->CheckDraft(exporter.public_key(), d, NowNs(), &*rules));

  Events events;
  CUSTODY_RETURN_IF_ERROR(Select(*store, req, size, &x, &events));
  if (req.fetch_blob)
    for (const auto& b : x.blobs)
      if (b.included) CUSTODY_RETURN_IF_ERROR(req.fetch_blob(b.sha256, b.size));

  // The bag is built in DIR.partial, without its signature: interrupted, it
  // never verifies.
  // "pkg/" is "pkg"; ".", ".." and "/" name no directory export could make.
  fs::path dir = fs::path(req.out_dir).lexically_normal();
  if (!dir.has_filename()) dir = dir.parent_path();
  if (dir.empty() || dir.filename() == "." || dir.filename() == ".." || dir == dir.root_path())
    return Status::InvalidArgument("package directory " + Printable(req.out_dir) +
                                   ": name a new or empty directory (not ., .. or /)");
  const fs::path partial = dir.string() + ".partial";
  CUSTODY_RETURN_IF_ERROR(CheckTarget(dir.string(), partial.string()));
  if (mkdir(partial.c_str(), 0755) != 0)
    return Status::IOError(Errno("create " + partial.string()));
  auto discard = [&partial] {
    std::error_code ec;
    fs::remove_all(partial, ec);
  };
  ExportRequest in_partial = req;
  in_partial.out_dir = partial.string();
  Status s = WriteBag(*store, in_partial, *cp_event, x, events, result);
  if (!s.ok()) {
    discard();
    return s;
  }

  // The ledger remembers what it hands out, durably, before the package can
  // verify.
  payload.tagmanifest_sha256 = result->tagmanifest_sha256;
  payload.events = x.events.size();
  d.payload = payload;
  if (req.append) {
    auto recorded = req.append(std::move(d));
    s = recorded.status();
    if (s.ok()) result->recorded = *recorded;
  } else {
    std::vector<Appended> out;
    s = store->Append(exporter, {std::move(d)}, AppendOptions(), &out);
    if (s.ok()) result->recorded = out.back();
  }
  if (!s.ok()) {
    discard();
    return s.Prefixed("recording the export (the package was removed)");
  }
  s = SignAndPublish(exporter, x, result->tagmanifest_sha256, partial, dir);
  if (!s.ok()) {
    const bool published = !fs::exists(partial);  // renamed; its parent not synced
    if (!published) discard();
    return s.Prefixed("the export is recorded as event " + std::to_string(result->recorded.seq) +
                      (published ? " and its package is in " + dir.string() +
                                       ", but its directory could not be synced"
                                 : " but its package could not be completed (removed; export "
                                   "again)"));
  }
  result->index = std::move(x);
  return Status::OK();
}

}  // namespace custody
