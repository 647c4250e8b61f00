#include "evidence/package.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

#include "ledger/base/encoding.h"
#include "ledger/base/time.h"
#include "ledger/checkpoint.h"

namespace custody::package {
namespace {

using Json = nlohmann::ordered_json;

Status Bad(std::string_view file, const std::string& why) {
  return Status::VerificationFailed(std::string(file) + ": " + why);
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Reads an unsigned integer field.
bool U64(const Json& j, uint64_t* out) {
  if (!j.is_number_unsigned()) return false;
  *out = j.get<uint64_t>();
  return true;
}

Result<std::vector<uint64_t>> Ascending(const Json& j, const std::string& what) {
  if (!j.is_array() || j.size() > kMaxFiles)
    return Bad(kIndexPath, what + " must be an array of sequence numbers");
  std::vector<uint64_t> out;
  for (const auto& v : j) {
    uint64_t n;
    if (!U64(v, &n)) return Bad(kIndexPath, what + " must hold sequence numbers");
    if (!out.empty() && n <= out.back())
      return Bad(kIndexPath, what + " must be strictly ascending");
    out.push_back(n);
  }
  return out;
}

Result<Hash32> HexField(const Json& j, const std::string& what) {
  if (!j.is_string()) return Bad(kIndexPath, what + " must be a string");
  auto h = DecodeHex32(j.get<std::string>());
  if (!h.ok()) return Bad(kIndexPath, what + " must be 64 lowercase hex digits");
  if (EncodeHex(*h) != j.get<std::string>())
    return Bad(kIndexPath, what + " must be lowercase hex");
  return *h;
}

Result<Hash32> NpubField(const Json& j, const std::string& what) {
  if (!j.is_string()) return Bad(kIndexPath, what + " must be an npub");
  auto k = DecodeNpub(j.get<std::string>());
  if (!k.ok()) return Bad(kIndexPath, what + ": " + k.status().message());
  return *k;
}

Status ExactKeys(const Json& j, std::initializer_list<const char*> keys, const std::string& what) {
  if (!j.is_object() || j.size() != keys.size())
    return Bad(kIndexPath, what + " must be an object with exactly its fields");
  for (const char* k : keys)
    if (!j.contains(k)) return Bad(kIndexPath, what + " lacks \"" + k + "\"");
  return Status::OK();
}

}  // namespace

std::string FormatName(uint32_t version) {
  return "custody-evidence-package/v" + std::to_string(version);
}

std::string EventPath(uint64_t seq) { return "data/events/" + std::to_string(seq) + ".event"; }
std::string RenderingPath(uint64_t seq) { return "data/events/" + std::to_string(seq) + ".txt"; }
std::string ProofPath(uint64_t seq) { return "data/proofs/" + std::to_string(seq) + ".tlog-proof"; }
std::string BlobPath(const Hash32& sha256) { return "data/blobs/sha256/" + EncodeHex(sha256); }

bool IsSafeBagPath(std::string_view path) {
  if (path.empty() || path.size() > 512) return false;
  size_t segments = 0;
  for (std::string_view rest = path;;) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    if (seg.empty() || seg == "." || seg == ".." || ++segments > 8) return false;
    for (char c : seg)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
        return false;
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return true;
}

std::string FormatManifest(std::vector<ManifestEntry> entries) {
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  std::string out;
  for (const auto& e : entries) out += EncodeHex(e.sha256) + "  " + e.path + "\n";
  return out;
}

Result<std::vector<ManifestEntry>> ParseManifest(std::string_view text, std::string_view file) {
  if (text.size() > kMaxManifestSize) return Bad(file, "larger than 64 MiB");
  if (!text.empty() && text.back() != '\n') return Bad(file, "must end with a newline");
  std::vector<ManifestEntry> out;
  std::map<std::string, bool, std::less<>> seen;
  size_t line_no = 0;
  for (std::string_view line : Lines(text)) {
    ++line_no;
    const std::string where = "line " + std::to_string(line_no);
    if (line.find('\r') != std::string_view::npos) return Bad(file, where + ": carriage return");
    if (line.size() < 66 || line[64] != ' ')
      return Bad(file, where + ": want \"<sha256 hex> <path>\"");
    auto h = DecodeHex32(line.substr(0, 64));
    if (!h.ok()) return Bad(file, where + ": bad SHA-256 hex");
    std::string_view path = line.substr(65);
    while (!path.empty() && path.front() == ' ') path.remove_prefix(1);
    if (!IsSafeBagPath(path))
      return Bad(file, where + ": unsafe or unexpected path \"" + Printable(path) + "\"");
    if (seen.count(path)) return Bad(file, where + ": " + std::string(path) + " listed twice");
    if (out.size() >= kMaxFiles) return Bad(file, "too many entries");
    seen.emplace(std::string(path), true);
    out.push_back({std::string(path), *h});
  }
  return out;
}

std::string FormatIndex(const Index& x) {
  Json j;
  j["format"] = FormatName(x.format);
  j["ledger"] = {{"id", EncodeHex(x.ledger_id)},
                 {"name", x.ledger_name},
                 {"origin", CheckpointOrigin(x.ledger_id)}};
  j["selection"] = {{"scope", x.scope == fb::ExportScope::User ? "user" : "incident"},
                    {"user", x.user ? Json(EncodeNpub(*x.user)) : Json(nullptr)},
                    {"incident", x.incident ? Json(IncidentName(x.incident)) : Json(nullptr)},
                    {"include_shared_blobs", x.include_shared_blobs}};
  j["checkpoint"] = {{"size", x.checkpoint_size}, {"root", EncodeHex(x.checkpoint_root)}};
  j["exporter"] = EncodeNpub(x.exporter);
  j["events"] = x.events;
  j["membership"] = x.membership;
  j["users"] = Json::array();
  for (const auto& u : x.users)
    j["users"].push_back({{"npub", EncodeNpub(u.user)},
                          {"latest", u.about.empty() ? Json(nullptr) : Json(u.about.back())},
                          {"about", u.about}});
  j["blobs"] = Json::array();
  for (const auto& b : x.blobs)
    j["blobs"].push_back(
        {{"sha256", EncodeHex(b.sha256)}, {"size", b.size}, {"included", b.included}});
  return j.dump(2) + "\n";
}

Result<Index> ParseIndex(std::string_view text) {
  if (text.size() > kMaxIndexSize) return Bad(kIndexPath, "larger than 64 MiB");
  if (!IsWellFormedUtf8(text)) return Bad(kIndexPath, "not UTF-8");
  Json j;
  try {
    // The callback bounds nesting before the parser recurses into it.
    j = Json::parse(text, [](int depth, Json::parse_event_t, Json&) {
      if (depth > static_cast<int>(kMaxJsonDepth)) throw std::out_of_range("nested too deeply");
      return true;
    });
  } catch (const std::exception& e) {
    return Bad(kIndexPath, std::string("not valid JSON (") + e.what() + ")");
  }
  CUSTODY_RETURN_IF_ERROR(ExactKeys(j,
                                    {"format", "ledger", "selection", "checkpoint", "exporter",
                                     "events", "membership", "users", "blobs"},
                                    "index"));
  Index x;
  x.format = 0;
  for (uint32_t v = 1; v <= kFormatVersion; ++v)
    if (j["format"] == FormatName(v)) x.format = v;
  if (x.format == 0)
    return Bad(kIndexPath, "format is not one this release reads (" + FormatName(1) + " to " +
                               FormatName(kFormatVersion) +
                               "); a later release of Custody may read it");
  const Json& ledger = j["ledger"];
  CUSTODY_RETURN_IF_ERROR(ExactKeys(ledger, {"id", "name", "origin"}, "ledger"));
  auto id = HexField(ledger["id"], "ledger.id");
  if (!id.ok()) return id.status();
  x.ledger_id = *id;
  if (!ledger["name"].is_string() || !ledger["origin"].is_string() ||
      ledger["origin"].get<std::string>() != CheckpointOrigin(x.ledger_id))
    return Bad(kIndexPath, "ledger.name must be a string and ledger.origin the ledger id's origin");
  x.ledger_name = ledger["name"].get<std::string>();
  const Json& sel = j["selection"];
  CUSTODY_RETURN_IF_ERROR(
      ExactKeys(sel, {"scope", "user", "incident", "include_shared_blobs"}, "selection"));
  if (sel["scope"] == "user") {
    x.scope = fb::ExportScope::User;
    auto user = NpubField(sel["user"], "selection.user");
    if (!user.ok()) return user.status();
    x.user = *user;
  } else if (sel["scope"] == "incident") {
    x.scope = fb::ExportScope::Incident;
    if (!sel["user"].is_null()) return Bad(kIndexPath, "an incident selection names no user");
  } else {
    return Bad(kIndexPath, "selection.scope must be \"user\" or \"incident\"");
  }
  if (!sel["incident"].is_null()) {
    if (!sel["incident"].is_string())
      return Bad(kIndexPath, "selection.incident must be INC-<n> or null");
    auto inc = ParseIncidentName(sel["incident"].get<std::string>());
    if (!inc.ok() || IncidentName(*inc) != sel["incident"].get<std::string>())
      return Bad(kIndexPath, "selection.incident must be INC-<n> or null");
    x.incident = *inc;
  }
  if (x.scope == fb::ExportScope::Incident && x.incident == 0)
    return Bad(kIndexPath, "an incident selection names its incident");
  if (!sel["include_shared_blobs"].is_boolean())
    return Bad(kIndexPath, "selection.include_shared_blobs must be true or false");
  x.include_shared_blobs = sel["include_shared_blobs"].get<bool>();
  const Json& cp = j["checkpoint"];
  CUSTODY_RETURN_IF_ERROR(ExactKeys(cp, {"size", "root"}, "checkpoint"));
  if (!U64(cp["size"], &x.checkpoint_size) || x.checkpoint_size == 0)
    return Bad(kIndexPath, "checkpoint.size must be a positive integer");
  auto root = HexField(cp["root"], "checkpoint.root");
  if (!root.ok()) return root.status();
  x.checkpoint_root = *root;
  auto exporter = NpubField(j["exporter"], "exporter");
  if (!exporter.ok()) return exporter.status();
  x.exporter = *exporter;
  auto events = Ascending(j["events"], "events");
  if (!events.ok()) return events.status();
  x.events = std::move(*events);
  auto membership = Ascending(j["membership"], "membership");
  if (!membership.ok()) return membership.status();
  x.membership = std::move(*membership);
  for (const auto* list : {&x.events, &x.membership})
    if (!list->empty() && list->back() >= x.checkpoint_size)
      return Bad(kIndexPath, "sequence number " + std::to_string(list->back()) +
                                 " is not below the checkpoint size");
  if (!j["users"].is_array() || j["users"].size() > kMaxFiles)
    return Bad(kIndexPath, "users must be an array");
  for (const auto& u : j["users"]) {
    CUSTODY_RETURN_IF_ERROR(ExactKeys(u, {"npub", "latest", "about"}, "users[]"));
    UserEntry e;
    auto key = NpubField(u["npub"], "users[].npub");
    if (!key.ok()) return key.status();
    e.user = *key;
    auto about = Ascending(u["about"], "users[].about");
    if (!about.ok()) return about.status();
    e.about = std::move(*about);
    uint64_t latest = 0;
    if (e.about.empty() ? !u["latest"].is_null()
                        : (!U64(u["latest"], &latest) || latest != e.about.back()))
      return Bad(kIndexPath, "users[].latest must be the last of users[].about");
    if (!e.about.empty() && e.about.back() >= x.checkpoint_size)
      return Bad(kIndexPath, "users[].about goes past the checkpoint");
    if (!x.users.empty() && !(x.users.back().user < e.user))
      return Bad(kIndexPath, "users must be sorted by key, once each");
    x.users.push_back(std::move(e));
  }
  if (!j["blobs"].is_array() || j["blobs"].size() > kMaxFiles)
    return Bad(kIndexPath, "blobs must be an array");
  for (const auto& b : j["blobs"]) {
    CUSTODY_RETURN_IF_ERROR(ExactKeys(b, {"sha256", "size", "included"}, "blobs[]"));
    BlobEntry e;
    auto h = HexField(b["sha256"], "blobs[].sha256");
    if (!h.ok()) return h.status();
    e.sha256 = *h;
    if (!U64(b["size"], &e.size) || !b["included"].is_boolean())
      return Bad(kIndexPath, "blobs[] needs size and included");
    e.included = b["included"].get<bool>();
    if (!x.blobs.empty() && !(x.blobs.back().sha256 < e.sha256))
      return Bad(kIndexPath, "blobs must be sorted by hash, once each");
    x.blobs.push_back(e);
  }
  return x;
}

Result<std::string> SignBag(const SecretKey& exporter, const BagSignature& w) {
  const std::string text = std::string(kBagSignatureHeader) + "\norigin " + w.origin +
                           "\ncheckpoint " + std::to_string(w.checkpoint_size) +
                           "\ntagmanifest-sha256 " + EncodeHex(w.tagmanifest_sha256) +
                           "\nexporter " + EncodeNpub(w.exporter) + "\n";
  const Hash32 aux{};  // fixed: the same exporter and bag give the same bytes
  return SignNote(exporter, w.origin, text, kBagTag, &aux);
}

Result<BagSignature> VerifyBagSignature(std::string_view note_text) {
  const std::string file(kBagSignatureFile);
  if (note_text.size() > kMaxTagFileSize) return Bad(file, "larger than 64 KiB");
  auto note = ParseSignedNote(note_text);
  if (!note.ok()) return Bad(file, note.status().message());
  auto lines = Lines(note->text);
  if (lines.size() != 5 || lines[0] != kBagSignatureHeader)
    return Bad(file, "want the five lines of " + std::string(kBagSignatureHeader));
  auto field = [&](size_t i, std::string_view name) -> std::optional<std::string_view> {
    if (lines[i].substr(0, name.size() + 1) != std::string(name) + " ") return std::nullopt;
    return lines[i].substr(name.size() + 1);
  };
  BagSignature w;
  auto origin = field(1, "origin");
  auto size = field(2, "checkpoint");
  auto tm = field(3, "tagmanifest-sha256");
  auto who = field(4, "exporter");
  if (!origin || !size || !tm || !who)
    return Bad(file, "want origin, checkpoint, tagmanifest-sha256 and exporter lines");
  w.origin = std::string(*origin);
  if (!ParseU64(*size, &w.checkpoint_size)) return Bad(file, "bad checkpoint size");
  auto h = DecodeHex32(*tm);
  if (!h.ok()) return Bad(file, "bad tagmanifest hash");
  w.tagmanifest_sha256 = *h;
  auto key = DecodeNpub(*who);
  if (!key.ok()) return Bad(file, "bad exporter npub");
  w.exporter = *key;
  Status s = VerifyNote(*note, w.exporter, w.origin, kBagTag);
  if (!s.ok()) return Bad(file, "the exporter's signature: " + s.message());
  return w;
}

std::string BagInfo(const Index& x, uint64_t payload_bytes, uint64_t payload_files,
                    TimeNs checkpoint_time) {
  std::string date = FormatTime(checkpoint_time).substr(0, 10);
  return "Source-Organization: " + Printable(x.ledger_name) + "\n" +
         "External-Identifier: " + CheckpointOrigin(x.ledger_id) + "\n" +
         "External-Description: Custody evidence package: " + SelectionText(x) +
         ", at checkpoint " + std::to_string(x.checkpoint_size) + "\n" + "Bagging-Date: " + date +
         "\n" + "Payload-Oxum: " + std::to_string(payload_bytes) + "." +
         std::to_string(payload_files) + "\n" +
         "Bag-Software-Agent: custody " CUSTODY_VERSION "\n" +
         "Custody-Exporter: " + EncodeNpub(x.exporter) + "\n";
}

std::string SelectionText(const Index& x) {
  if (x.scope == fb::ExportScope::User)
    return "every event about " + EncodeNpub(*x.user) +
           (x.incident ? " in " + IncidentName(x.incident) : "");
  return "every event of " + IncidentName(x.incident);
}

}  // namespace custody::package
