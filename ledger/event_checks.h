// Inside ledger/ only: the small checks every field of an event goes through,
// shared by the envelope's checks (event.cc) and each payload type's
// (payload_types.cc).
#pragma once

#include <cctype>
#include <cstring>
#include <string>

#include "ledger/base/encoding.h"
#include "ledger/crypto.h"
#include "ledger/event.h"

namespace custody::event_checks {

// The largest vtable a table may carry: one entry per field this binary knows.
// A longer vtable means fields from a schema we do not know; refusing them
// keeps a body from carrying content that no check reads.
// SPEC: FlatBuffers binary format — vtable[0] is the vtable's size in bytes.
template <typename T>
inline bool HasOnlyKnownFields(const T* t, flatbuffers::voffset_t last_field) {
  // Generated tables derive privately from flatbuffers::Table, their only base.
  const uint8_t* vtable = reinterpret_cast<const flatbuffers::Table*>(t)->GetVTable();
  auto vsize = flatbuffers::ReadScalar<flatbuffers::voffset_t>(vtable);
  return vsize <= last_field + sizeof(flatbuffers::voffset_t);
}

inline std::string Str(const flatbuffers::String* s) { return s ? s->str() : ""; }

inline Status Bad(uint64_t seq, const std::string& why) {
  return Status::Rejected("event " + std::to_string(seq) + ": " + why);
}

// Text fields: present (when required), not empty, at most kMaxTextSize bytes,
// well-formed UTF-8 (every rendering, JSON included, can then carry it), and
// no NUL (which C strings, and some readers, would silently cut at).
inline bool TextOk(const flatbuffers::String* s, bool required) {
  if (s == nullptr) return !required;
  const std::string_view v = s->string_view();
  return !v.empty() && v.size() <= kMaxTextSize && v.find('\0') == std::string_view::npos &&
         IsWellFormedUtf8(v);
}

// A key the event names must be a valid x-only secp256k1 key: an invalid one
// could be granted a role no one can ever sign with.
inline bool KeyOk(const fb::Bytes32* key) {
  return key != nullptr && PublicKey::Parse(ToHash(key)).ok();
}

inline bool StepOk(const flatbuffers::String* s) {
  return s != nullptr && IsStepId(s->string_view());
}

// "type/subtype", RFC 6838 restricted-name characters, at most 255 bytes.
inline bool IsMediaType(std::string_view v) {
  if (v.size() > 255) return false;
  auto ok = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("!#$&-^_.+", c) != nullptr;
  };
  const size_t slash = v.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == v.size()) return false;
  for (size_t i = 0; i < v.size(); ++i)
    if (i != slash && !ok(v[i])) return false;
  return true;
}

}  // namespace custody::event_checks
