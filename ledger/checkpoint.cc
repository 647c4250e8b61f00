#include "ledger/checkpoint.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "ledger/base/encoding.h"

namespace custody {
namespace {

constexpr std::string_view kEmDash = "\xe2\x80\x94";  // U+2014

Status Malformed(const std::string& what, const std::string& why) {
  return Status::InvalidArgument(what + ": " + why);
}

// A decimal with no sign and no leading zeros ("0" itself allowed).
bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

// Every byte printable ASCII or UTF-8 beyond it; no control characters but "\n".
bool NoteTextOk(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n') || u == 0x7f) return false;
  }
  return true;
}

Hash32 NoteMessage(std::string_view text) { return TaggedHash(kCheckpointTag, AsSpan(text)); }

Result<std::vector<Hash32>> ParseHashLines(const std::vector<std::string_view>& lines, size_t begin,
                                           size_t end, const std::string& what) {
  std::vector<Hash32> out;
  if (end - begin > 64) return Malformed(what, "more than 64 hashes");
  for (size_t i = begin; i < end; ++i) {
    auto h = DecodeBase64Hash(lines[i]);
    if (!h.ok())
      return Malformed(what, "hash " + std::to_string(i - begin) + ": " + h.status().message());
    out.push_back(*h);
  }
  return out;
}

// Both proof texts are "<lines>\n\n<signed note>": splits them, checks the
// size and the note, and returns the lines before the blank one.
Result<std::vector<std::string_view>> SplitProofText(std::string_view text, const std::string& what,
                                                     std::string* checkpoint) {
  if (text.size() > kMaxProofText) return Malformed(what, "larger than 64 KiB");
  const size_t blank = text.find("\n\n");
  if (blank == std::string_view::npos)
    return Malformed(what, "no blank line before the checkpoint");
  *checkpoint = std::string(text.substr(blank + 2));
  auto note = ParseSignedNote(*checkpoint);
  if (!note.ok()) return note.status().Prefixed(what);
  return SplitLines(text.substr(0, blank + 1));
}

}  // namespace

std::string CheckpointOrigin(const Hash32& ledger_id) { return "custody/" + EncodeHex(ledger_id); }

std::string EncodeCheckpointBody(const Checkpoint& cp) {
  return cp.origin + "\n" + std::to_string(cp.size) + "\n" + EncodeBase64(cp.root) + "\n";
}

Result<Checkpoint> ParseCheckpointBody(std::string_view text) {
  const std::string what = "checkpoint";
  if (text.empty() || text.back() != '\n') return Malformed(what, "must end with a newline");
  auto lines = SplitLines(text);
  if (lines.size() != 3)
    return Malformed(what,
                     "want 3 lines (origin, size, root), got " + std::to_string(lines.size()));
  Checkpoint cp;
  cp.origin = std::string(lines[0]);
  if (cp.origin.empty() || !NoteTextOk(cp.origin)) return Malformed(what, "bad origin line");
  if (!ParseDecimal(lines[1], &cp.size)) return Malformed(what, "bad tree size line");
  auto root = DecodeBase64Hash(lines[2]);
  if (!root.ok()) return Malformed(what, "bad root line: " + root.status().message());
  cp.root = *root;
  return cp;
}

NoteKeyId ComputeNoteKeyId(std::string_view name, const Hash32& xonly) {
  const uint8_t sep[2] = {0x0a, kNoteSignatureType};
  Hash32 h = Sha256({AsSpan(name), ByteSpan(sep, 2), AsSpan(kNoteKeyType), xonly});
  NoteKeyId id;
  std::copy(h.begin(), h.begin() + 4, id.begin());
  return id;
}

Result<SignedNote> ParseSignedNote(std::string_view note) {
  const std::string what = "signed note";
  if (note.size() > kMaxNoteSize) return Malformed(what, "larger than 16 KiB");
  if (note.empty() || note.back() != '\n') return Malformed(what, "must end with a newline");
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos)
    return Malformed(what, "no blank line before the signatures");
  SignedNote out;
  out.text = std::string(note.substr(0, split + 1));
  if (!IsWellFormedUtf8(out.text) || !NoteTextOk(out.text))
    return Malformed(what, "text is not clean UTF-8");
  auto lines = SplitLines(note.substr(split + 2));
  if (lines.empty()) return Malformed(what, "no signatures");
  if (lines.size() > kMaxNoteSignatures) return Malformed(what, "too many signatures");
  for (auto line : lines) {
    if (line.substr(0, kEmDash.size()) != kEmDash || line.size() < kEmDash.size() + 1 ||
        line[kEmDash.size()] != ' ')
      return Malformed(what, "signature line does not start with \"— \"");
    line.remove_prefix(kEmDash.size() + 1);
    const size_t space = line.find(' ');
    if (space == std::string_view::npos || space == 0)
      return Malformed(what, "signature line without a key name");
    NoteSignature sig;
    sig.name = std::string(line.substr(0, space));
    if (sig.name.find('+') != std::string::npos || !NoteTextOk(sig.name) ||
        !IsWellFormedUtf8(sig.name))
      return Malformed(what, "bad key name");
    auto blob = DecodeBase64(line.substr(space + 1));
    if (!blob.ok()) return Malformed(what, "signature is not base64");
    if (blob->size() < 5) return Malformed(what, "signature too short");
    std::copy(blob->begin(), blob->begin() + 4, sig.key_id.begin());
    sig.signature.assign(blob->begin() + 4, blob->end());
    out.signatures.push_back(std::move(sig));
  }
  return out;
}

Result<std::string> SignNote(const SecretKey& key, std::string_view name, std::string_view text,
                             std::string_view tag, const Hash32* aux) {
  if (text.empty() || text.back() != '\n' || !NoteTextOk(text) || !IsWellFormedUtf8(text))
    return Status::InvalidArgument("note text must be clean UTF-8 ending with a newline");
  const Hash32 msg = TaggedHash(tag, AsSpan(text));
  auto sig = aux ? key.SignWithAux(msg, *aux) : key.Sign(msg);
  if (!sig.ok()) return sig.status();
  const NoteKeyId id = ComputeNoteKeyId(name, key.public_key());
  Bytes blob(id.begin(), id.end());
  blob.insert(blob.end(), sig->begin(), sig->end());
  return std::string(text) + "\n" + std::string(kEmDash) + " " + std::string(name) + " " +
         EncodeBase64(blob) + "\n";
}

Status VerifyNote(const SignedNote& note, const Hash32& key, std::string_view name,
                  std::string_view tag) {
  const NoteKeyId want = ComputeNoteKeyId(name, key);
  auto pub = PublicKey::Parse(key);
  if (!pub.ok()) return pub.status();
  for (const NoteSignature& s : note.signatures) {
    if (s.name != name || s.key_id != want) continue;
    if (s.signature.size() != 64) return Status::VerificationFailed("signature is not 64 bytes");
    Sig64 sig;
    std::copy(s.signature.begin(), s.signature.end(), sig.begin());
    if (!pub->Verify(TaggedHash(tag, AsSpan(note.text)), sig))
      return Status::VerificationFailed("signature by " + EncodeNpub(key) + " does not verify");
    return Status::OK();
  }
  return Status::VerificationFailed("not signed by " + EncodeNpub(key));
}

Result<std::string> SignCheckpoint(const SecretKey& key, const Checkpoint& cp) {
  const std::string text = EncodeCheckpointBody(cp);
  auto sig = key.Sign(NoteMessage(text));
  if (!sig.ok()) return sig.status();
  const NoteKeyId id = ComputeNoteKeyId(cp.origin, key.public_key());
  Bytes blob(id.begin(), id.end());
  blob.insert(blob.end(), sig->begin(), sig->end());
  return text + "\n" + std::string(kEmDash) + " " + cp.origin + " " + EncodeBase64(blob) + "\n";
}

Result<Checkpoint> VerifyCheckpointNote(std::string_view note, const Hash32& key,
                                        std::string_view origin) {
  auto parsed = ParseSignedNote(note);
  if (!parsed.ok()) return parsed.status();
  auto cp = ParseCheckpointBody(parsed->text);
  if (!cp.ok()) return cp.status();
  if (!origin.empty() && cp->origin != origin)
    return Status::VerificationFailed("checkpoint is for " + Printable(cp->origin) + ", not " +
                                      std::string(origin));
  const NoteKeyId want = ComputeNoteKeyId(cp->origin, key);
  auto pub = PublicKey::Parse(key);
  if (!pub.ok()) return pub.status();
  for (const NoteSignature& s : parsed->signatures) {
    if (s.name != cp->origin || s.key_id != want) continue;
    if (s.signature.size() != 64)
      return Status::VerificationFailed("checkpoint signature is not 64 bytes");
    Sig64 sig;
    std::copy(s.signature.begin(), s.signature.end(), sig.begin());
    if (!pub->Verify(NoteMessage(parsed->text), sig))
      return Status::VerificationFailed("checkpoint signature by " + EncodeNpub(key) +
                                        " does not verify");
    return cp;
  }
  return Status::VerificationFailed("checkpoint is not signed by " + EncodeNpub(key));
}

std::string FormatTlogProof(const TlogProof& p) {
  std::string out = std::string(kTlogProofHeader) + "\n";
  if (p.extra) out += "extra " + EncodeBase64(*p.extra) + "\n";
  out += "index " + std::to_string(p.index) + "\n";
  for (const Hash32& h : p.hashes) out += EncodeBase64(h) + "\n";
  return out + "\n" + p.checkpoint;
}

Result<TlogProof> ParseTlogProof(std::string_view text) {
  const std::string what = "tlog-proof";
  TlogProof p;
  auto split = SplitProofText(text, what, &p.checkpoint);
  if (!split.ok()) return split.status();
  const auto& lines = *split;
  size_t i = 0;
  if (lines.empty() || lines[i++] != kTlogProofHeader)
    return Malformed(what, "first line is not c2sp.org/tlog-proof@v1");
  if (i < lines.size() && lines[i].substr(0, 6) == "extra ") {
    auto extra = DecodeBase64(lines[i].substr(6));
    if (!extra.ok()) return Malformed(what, "extra is not base64");
    p.extra = std::move(*extra);
    ++i;
  }
  if (i >= lines.size() || lines[i].substr(0, 6) != "index " ||
      !ParseDecimal(lines[i].substr(6), &p.index))
    return Malformed(what, "missing or bad index line");
  auto hashes = ParseHashLines(lines, i + 1, lines.size(), what);
  if (!hashes.ok()) return hashes.status();
  p.hashes = std::move(*hashes);
  return p;
}

std::string FormatConsistencyProof(const ConsistencyProofText& p) {
  std::string out = std::string(kConsistencyHeader) + "\nold " + std::to_string(p.old_size) + "\n";
  for (const Hash32& h : p.hashes) out += EncodeBase64(h) + "\n";
  return out + "\n" + p.checkpoint;
}

Result<ConsistencyProofText> ParseConsistencyProof(std::string_view text) {
  const std::string what = "consistency proof";
  ConsistencyProofText p;
  auto split = SplitProofText(text, what, &p.checkpoint);
  if (!split.ok()) return split.status();
  const auto& lines = *split;
  if (lines.size() < 2 || lines[0] != kConsistencyHeader)
    return Malformed(what, "first line is not " + std::string(kConsistencyHeader));
  if (lines[1].substr(0, 4) != "old " || !ParseDecimal(lines[1].substr(4), &p.old_size))
    return Malformed(what, "missing or bad old line");
  auto hashes = ParseHashLines(lines, 2, lines.size(), what);
  if (!hashes.ok()) return hashes.status();
  p.hashes = std::move(*hashes);
  return p;
}

Result<std::string> NostrCheckpointEvent(const SecretKey& key, const Checkpoint& cp,
                                         int64_t created_at) {
  auto ev = SignNostrEvent(key, created_at, kNostrCheckpointKind,
                           {{"origin", cp.origin}, {"size", std::to_string(cp.size)}},
                           EncodeCheckpointBody(cp));
  if (!ev.ok()) return ev.status();
  return *ev + "\n";
}

}  // namespace custody
