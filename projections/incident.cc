#include "projections/incident.h"

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <utility>

namespace custody {

// JSON forms of the payloads the projection keeps. Field names are the
// structs' own; keys come out sorted (nlohmann::json objects are ordered maps),
// so an encoding is a function of the state alone.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(IncidentDeclaredPayload, severity, title, summary, playbooks,
                                   runbook, observation_window_minutes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(EvidencePayload, sha256, size, media_type, name, kind,
                                   acquired_ns, source)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DeployPayload, service, commit, deployed_ns, repo)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ExportPayload, scope, user, checkpoint_size, checkpoint_root,
                                   tagmanifest_sha256, events, shared_blobs)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PlaybookPayload, playbooks)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CommanderPayload, commander)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SeverityPayload, severity, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FreezePayload, operation, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(UnfreezePayload, operation, reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SecretRotatedPayload, step, new_key, label, note)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(InvalidatedPayload, step, note)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(UserNotifiedPayload, step, channel, note)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BlockedPayload, step, note)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(StepPayload, step, note, stable_since_ns)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ReconciliationPayload, unit, sender_wallet, receiver_wallet,
                                   sender_balance, sender_proofs, receiver_balance, receiver_proofs,
                                   tx_entries, tx_sent, tx_received, note)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CommunicationPayload, audience, message, facts, impact_scope,
                                   user_action, next_update_ns)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RootCausePayload, text, bounded)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ClosePayload, root_cause, override_reason)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PirPayload, sha256, size, media_type, name)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CorrectionPayload, reason)

namespace {

using nlohmann::json;

// The payload types an Act may hold (the rest never reach the projection).
template <typename T>
constexpr bool kKept =
    std::is_same_v<T, IncidentDeclaredPayload> || std::is_same_v<T, EvidencePayload> ||
    std::is_same_v<T, DeployPayload> || std::is_same_v<T, ExportPayload> ||
    std::is_same_v<T, PlaybookPayload> || std::is_same_v<T, CommanderPayload> ||
    std::is_same_v<T, SeverityPayload> || std::is_same_v<T, FreezePayload> ||
    std::is_same_v<T, UnfreezePayload> || std::is_same_v<T, SecretRotatedPayload> ||
    std::is_same_v<T, InvalidatedPayload> || std::is_same_v<T, UserNotifiedPayload> ||
    std::is_same_v<T, BlockedPayload> || std::is_same_v<T, StepPayload> ||
    std::is_same_v<T, ReconciliationPayload> || std::is_same_v<T, CommunicationPayload> ||
    std::is_same_v<T, RootCausePayload> || std::is_same_v<T, ClosePayload> ||
    std::is_same_v<T, PirPayload> || std::is_same_v<T, CorrectionPayload>;

json PayloadJson(const Payload& p) {
  json out;
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (kKept<T>) out = v;
      },
      p);
  return out;
}

// Builds alternative `index` of the variant from its JSON form.
template <size_t I = 0>
Status PayloadFromJson(size_t index, const json& j, Payload* out) {
  if constexpr (I < std::variant_size_v<Payload>) {
    using T = std::variant_alternative_t<I, Payload>;
    if (index == I) {
      if constexpr (kKept<T>) {
        *out = j.get<T>();
        return Status::OK();
      } else {
        return Status::Corruption("projection holds a payload type it never keeps");
      }
    }
    return PayloadFromJson<I + 1>(index, j, out);
  } else {
    return Status::Corruption("projection holds an unknown payload type");
  }
}

}  // namespace

bool KeptInProjection(fb::Payload type) {
  switch (type) {
    case fb::Payload::IncidentDeclared:
    case fb::Payload::EvidenceAttached:
    case fb::Payload::DeployRecorded:
    case fb::Payload::ExportPerformed:
      return true;
    default:
      return IsIncidentActionType(type);
  }
}

uint64_t IncidentOf(const fb::Event& e) {
  if (e.payload_type() == fb::Payload::IncidentDeclared) return e.seq();
  return e.incident();
}

void ApplyEvent(const fb::Event& e, IncidentState* s) {
  s->events++;
  s->last_seq = e.seq();
  if (!KeptInProjection(e.payload_type())) return;
  EventFields f = DecodeFields(e);
  Act a;
  a.seq = f.seq;
  a.occurred_ns = f.occurred_ns;
  a.recorded_ns = f.recorded_ns;
  a.author = f.author;
  for (auto& link : f.subjects) a.subjects.push_back(link.key);
  if (auto* r = CorrectsOf(e)) a.corrects = r->seq();
  a.payload = std::move(f.payload);
  s->acts.push_back(std::move(a));
}

std::string EncodeState(const IncidentState& s) {
  json acts = json::array();
  for (const Act& a : s.acts) {
    acts.push_back({{"seq", a.seq},
                    {"occurred_ns", a.occurred_ns},
                    {"recorded_ns", a.recorded_ns},
                    {"author", a.author},
                    {"subjects", a.subjects},
                    {"corrects", a.corrects},
                    {"type", a.payload.index()},
                    {"payload", PayloadJson(a.payload)}});
  }
  json j = {{"format", 1},
            {"incident", s.incident},
            {"events", s.events},
            {"last_seq", s.last_seq},
            {"acts", acts}};
  return j.dump();
}

Result<IncidentState> DecodeState(std::string_view bytes) {
  try {
    // Stored bytes are hostile until checked: the encoding nests four deep and
    // holds no floating-point number (converting one to an integer field would
    // be undefined behaviour), so anything else is refused while parsing.
    json j = json::parse(bytes, [](int depth, json::parse_event_t event, json& value) {
      if (depth > 6) throw std::runtime_error("nested too deep");
      if (event == json::parse_event_t::value && value.is_number_float())
        throw std::runtime_error("a non-integer number");
      return true;
    });
    if (j.at("format").get<int>() != 1)
      return Status::Corruption("projection of an unknown format");
    IncidentState s;
    s.incident = j.at("incident").get<uint64_t>();
    s.events = j.at("events").get<uint64_t>();
    s.last_seq = j.at("last_seq").get<uint64_t>();
    for (const json& a : j.at("acts")) {
      Act act;
      act.seq = a.at("seq").get<uint64_t>();
      act.occurred_ns = a.at("occurred_ns").get<TimeNs>();
      act.recorded_ns = a.at("recorded_ns").get<TimeNs>();
      act.author = a.at("author").get<Hash32>();
      act.subjects = a.at("subjects").get<std::vector<Hash32>>();
      act.corrects = a.at("corrects").get<uint64_t>();
      CUSTODY_RETURN_IF_ERROR(
          PayloadFromJson(a.at("type").get<size_t>(), a.at("payload"), &act.payload));
      s.acts.push_back(std::move(act));
    }
    // Only the canonical encoding is accepted: a value that wrapped on its way
    // into a narrower field, or anything EncodeState would not write, differs.
    if (EncodeState(s) != bytes)
      return Status::Corruption("projection: not in its canonical encoding");
    return s;
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("projection: ") + e.what());
  }
}

IncidentState StateAt(const IncidentState& s, uint64_t size) {
  if (s.last_seq < size) return s;
  IncidentState out;
  out.incident = s.incident;
  for (const Act& a : s.acts)
    if (a.seq < size) out.acts.push_back(a);
  // Events are not all acts: the count before `size` is not recoverable from
  // the acts alone, so the caller recounts when it needs it.
  out.events = 0;
  out.last_seq = out.acts.empty() ? 0 : out.acts.back().seq;
  return out;
}

}  // namespace custody
