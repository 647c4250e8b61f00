// The renderer table: one row per payload type, in the union's order, with
// its JSON fields and its sentence (ledger/payload_types.cc has the rest of
// what each type is). The renderings themselves: render_json.cc (for
// programs), render_text.cc (for people); escaping: escape.cc.
#include "projections/render.h"

#include <algorithm>

#include "projections/render_types.h"

namespace custody {
namespace render {
namespace {

struct Renderer {
  fb::Payload type;
  nlohmann::ordered_json (*json)(const fb::Event& e);  // the payload's --json fields
  std::string (*describe)(const fb::Event& e);         // a human sentence
};

// In the union's order: row i is union value i + 1.
constexpr Renderer kRenderers[] = {
    {fb::Payload::Genesis, JsonGenesis, DescribeGenesis},
    {fb::Payload::Membership, JsonMembership, DescribeMembership},
    {fb::Payload::KeyRotated, JsonKeyRotated, DescribeKeyRotated},
    {fb::Payload::KeyCompromised, JsonKeyCompromised, DescribeKeyCompromised},
    {fb::Payload::Note, JsonNote, DescribeNote},
    {fb::Payload::Checkpoint, JsonCheckpoint, DescribeCheckpoint},
    {fb::Payload::IncidentDeclared, JsonIncidentDeclared, DescribeIncidentDeclared},
    {fb::Payload::EvidenceAttached, JsonEvidenceAttached, DescribeEvidenceAttached},
    {fb::Payload::DeployRecorded, JsonDeployRecorded, DescribeDeployRecorded},
    {fb::Payload::ExportPerformed, JsonExportPerformed, DescribeExportPerformed},
    {fb::Payload::PlaybookActivated, JsonPlaybookActivated, DescribePlaybookActivated},
    {fb::Payload::CommanderAssigned, JsonCommanderAssigned, DescribeCommanderAssigned},
    {fb::Payload::SeverityChanged, JsonSeverityChanged, DescribeSeverityChanged},
    {fb::Payload::OperationFrozen, JsonOperationFrozen, DescribeOperationFrozen},
    {fb::Payload::OperationUnfrozen, JsonOperationUnfrozen, DescribeOperationUnfrozen},
    {fb::Payload::SecretRotated, JsonSecretRotated, DescribeSecretRotated},
    {fb::Payload::PathsInvalidated, JsonPathsInvalidated, DescribePathsInvalidated},
    {fb::Payload::UserNotified, JsonUserNotified, DescribeUserNotified},
    {fb::Payload::ActionsBlocked, JsonActionsBlocked, DescribeActionsBlocked},
    {fb::Payload::StepDone, JsonStepDone, DescribeStepDone},
    {fb::Payload::ReconciliationRecorded, JsonReconciliationRecorded,
     DescribeReconciliationRecorded},
    {fb::Payload::CommunicationSent, JsonCommunicationSent, DescribeCommunicationSent},
    {fb::Payload::RootCauseRecorded, JsonRootCauseRecorded, DescribeRootCauseRecorded},
    {fb::Payload::IncidentClosed, JsonIncidentClosed, DescribeIncidentClosed},
    {fb::Payload::PirPublished, JsonPirPublished, DescribePirPublished},
    {fb::Payload::Correction, JsonCorrection, DescribeCorrection},
};
static_assert(std::size(kRenderers) == static_cast<size_t>(fb::Payload::MAX));
constexpr bool InUnionOrder() {
  for (size_t i = 0; i < std::size(kRenderers); ++i)
    if (static_cast<size_t>(kRenderers[i].type) != i + 1) return false;
  return true;
}
static_assert(InUnionOrder(), "kRenderers rows must follow the union's numbering");

const Renderer* RendererOf(fb::Payload type) {
  const size_t i = static_cast<size_t>(type);
  return i >= 1 && i <= std::size(kRenderers) ? &kRenderers[i - 1] : nullptr;
}

// Every string in `j` that is an npub or 64 hex digits, added to *out once.
void AddValues(const nlohmann::ordered_json& j, std::vector<std::string>* out) {
  if (j.is_structured()) {
    for (const auto& v : j) AddValues(v, out);
    return;
  }
  if (!j.is_string()) return;
  const std::string& s = j.get_ref<const std::string&>();
  const bool npub = s.size() == 63 && s.rfind("npub1", 0) == 0;
  const bool hex = s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
  if ((npub || hex) && std::find(out->begin(), out->end(), s) == out->end()) out->push_back(s);
}

}  // namespace

nlohmann::ordered_json PayloadToJson(const fb::Event& e) {
  const Renderer* r = RendererOf(e.payload_type());
  return r ? r->json(e) : nlohmann::ordered_json::object();
}

}  // namespace render

std::vector<std::string> EventValues(const fb::Event& e) {
  std::vector<std::string> out{EncodeNpub(ToHash(e.author()))};
  if (e.subjects())
    for (auto* s : *e.subjects()) render::AddValues(EncodeNpub(ToHash(&s->key())), &out);
  render::AddValues(render::PayloadToJson(e), &out);
  return out;
}

std::string DescribeEvent(const fb::Event& e) {
  const render::Renderer* r = render::RendererOf(e.payload_type());
  return r ? r->describe(e) : "unknown event";
}

}  // namespace custody
