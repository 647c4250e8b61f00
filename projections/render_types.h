// What projections/render_*.cc share, and nothing else includes: each payload
// type's two renderings (declared here, listed in render.cc's table in the
// union's order) and the small helpers they use.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "ledger/base/encoding.h"
#include "ledger/event.h"
#include "ledger/membership.h"

namespace custody::render {

// Every payload type, in the union's order.
#define CUSTODY_RENDERED_TYPES(X) \
  X(Genesis)                      \
  X(Membership)                   \
  X(KeyRotated)                   \
  X(KeyCompromised)               \
  X(Note)                         \
  X(Checkpoint)                   \
  X(IncidentDeclared)             \
  X(EvidenceAttached)             \
  X(DeployRecorded)               \
  X(ExportPerformed)              \
  X(PlaybookActivated)            \
  X(CommanderAssigned)            \
  X(SeverityChanged)              \
  X(OperationFrozen)              \
  X(OperationUnfrozen)            \
  X(SecretRotated)                \
  X(PathsInvalidated)             \
  X(UserNotified)                 \
  X(ActionsBlocked)               \
  X(StepDone)                     \
  X(ReconciliationRecorded)       \
  X(CommunicationSent)            \
  X(RootCauseRecorded)            \
  X(IncidentClosed)               \
  X(PirPublished)                 \
  X(Correction)

// JsonT: the payload's --json fields (render_json.cc). DescribeT: a human
// sentence (render_text.cc).
#define CUSTODY_DECLARE_RENDERERS(T)                  \
  nlohmann::ordered_json Json##T(const fb::Event& e); \
  std::string Describe##T(const fb::Event& e);
CUSTODY_RENDERED_TYPES(CUSTODY_DECLARE_RENDERERS)
#undef CUSTODY_DECLARE_RENDERERS

// The payload's fields by its type's row; {} for an unknown type.
nlohmann::ordered_json PayloadToJson(const fb::Event& e);

inline std::string_view RelationName(fb::Relation r) {
  switch (r) {
    case fb::Relation::Cites:
      return "cites";
    case fb::Relation::Answers:
      return "answers";
    case fb::Relation::Corrects:
      return "corrects";
  }
  return "unknown";
}

inline std::string Str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }
// Text written by people, for a terminal: see Printable.
inline std::string Text(const flatbuffers::String* s) { return Printable(Str(s)); }
inline nlohmann::ordered_json OptJson(const flatbuffers::String* s) {
  return s ? nlohmann::ordered_json(Str(s)) : nlohmann::ordered_json(nullptr);
}
// ": note" when there is one.
inline std::string Suffix(const flatbuffers::String* s) { return s ? ": " + Text(s) : ""; }

// "1,250 sat".
inline std::string Amount(uint64_t v, const std::string& unit) {
  std::string digits = std::to_string(v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out + " " + unit;
}

// " npub1…, npub1…" (with a lead-in) for the event's subjects; "" if none.
inline std::string Subjects(const fb::Event& e, const std::string& lead) {
  if (!e.subjects() || e.subjects()->size() == 0) return "";
  std::string out = lead;
  for (size_t i = 0; i < e.subjects()->size(); ++i)
    out += (i ? ", " : "") + EncodeNpub(ToHash(&e.subjects()->Get(i)->key()));
  return out;
}

}  // namespace custody::render
