#include "ledger/nostr.h"

#include <nlohmann/json.hpp>

#include "ledger/base/encoding.h"

namespace custody {
namespace {

Status Malformed(const std::string& what, const std::string& why) {
  return Status::InvalidArgument(what + ": " + why);
}

// SPEC: NIP-01 serialization: JSON with no whitespace, these escapes only.
std::string NostrString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out.push_back(c);
    }
  }
  return out + "\"";
}

std::string NostrSerialize(const std::string& pubkey_hex, int64_t created_at, int kind,
                           const std::vector<std::vector<std::string>>& tags,
                           const std::string& content) {
  std::string tags_json = "[";
  for (size_t i = 0; i < tags.size(); ++i) {
    if (i) tags_json += ",";
    tags_json += "[";
    for (size_t k = 0; k < tags[i].size(); ++k) {
      if (k) tags_json += ",";
      tags_json += NostrString(tags[i][k]);
    }
    tags_json += "]";
  }
  tags_json += "]";
  return "[0," + NostrString(pubkey_hex) + "," + std::to_string(created_at) + "," +
         std::to_string(kind) + "," + tags_json + "," + NostrString(content) + "]";
}

}  // namespace

Hash32 NostrEventId(const Hash32& pubkey, int64_t created_at, int kind, const NostrTags& tags,
                    const std::string& content) {
  return Sha256(AsSpan(NostrSerialize(EncodeHex(pubkey), created_at, kind, tags, content)));
}

Result<std::string> SignNostrEvent(const SecretKey& key, int64_t created_at, int kind,
                                   const NostrTags& tags, const std::string& content) {
  const Hash32 id = NostrEventId(key.public_key(), created_at, kind, tags, content);
  auto sig = key.Sign(id);
  if (!sig.ok()) return sig.status();
  nlohmann::ordered_json j;
  j["id"] = EncodeHex(id);
  j["pubkey"] = EncodeHex(key.public_key());
  j["created_at"] = created_at;
  j["kind"] = kind;
  j["tags"] = tags;
  j["content"] = content;
  j["sig"] = EncodeHex(*sig);
  return j.dump();
}

Result<NostrEvent> VerifyNostrEvent(std::string_view text, size_t max_size) {
  const std::string what = "nostr event";
  if (text.size() > max_size)
    return Malformed(what, "larger than " + std::to_string(max_size) + " bytes");
  auto j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Malformed(what, "not a JSON object");
  try {
    const std::string pubkey = j.at("pubkey"), id_hex = j.at("id"), sig_hex = j.at("sig"),
                      content = j.at("content");
    // Numbers must be integers in range before they are converted (a float or
    // a huge number would not fit).
    const auto& created = j.at("created_at");
    const auto& kind_json = j.at("kind");
    if (!created.is_number_integer() ||
        (created.is_number_unsigned() && created.get<uint64_t>() > INT64_MAX) ||
        !kind_json.is_number_unsigned() || kind_json.get<uint64_t>() > 65535)
      return Malformed(what, "created_at or kind out of range");
    const int64_t created_at = created.get<int64_t>();
    const int kind = static_cast<int>(kind_json.get<uint64_t>());
    NostrTags tags = j.at("tags");
    auto key = DecodeHex32(pubkey);
    auto id = DecodeHex32(id_hex);
    auto sig_bytes = DecodeHex(sig_hex);
    if (!key.ok() || !id.ok() || !sig_bytes.ok() || sig_bytes->size() != 64)
      return Malformed(what, "bad id, pubkey or sig");
    if (Sha256(AsSpan(NostrSerialize(pubkey, created_at, kind, tags, content))) != *id)
      return Status::VerificationFailed("nostr event: id does not match its content");
    Sig64 sig;
    std::copy(sig_bytes->begin(), sig_bytes->end(), sig.begin());
    if (!VerifySchnorr(*key, *id, sig))
      return Status::VerificationFailed("nostr event: signature does not verify");
    return NostrEvent{*id, *key, created_at, kind, std::move(tags), content};
  } catch (const nlohmann::json::exception&) {
    return Malformed(what, "missing or mistyped fields");
  }
}

}  // namespace custody
