#include "projections/runbook.h"

#include <nlohmann/json.hpp>

#include "ledger/crypto.h"
#include "projections/runbook_data.h"

namespace custody {
namespace {

Status Bad(const std::string& why) { return Status::InvalidArgument("runbook: " + why); }

int IntOr(const nlohmann::json& j, const char* key, int fallback) {
  return j.contains(key) && j[key].is_number_integer() ? j[key].get<int>() : fallback;
}

}  // namespace

const RunbookStep* Runbook::FindStep(std::string_view id) const {
  for (const auto& s : sections)
    for (const auto& step : s.steps)
      if (step.id == id) return &step;
  return nullptr;
}

const RunbookSection* Runbook::FindSection(std::string_view id) const {
  for (const auto& s : sections)
    if (s.id == id) return &s;
  return nullptr;
}

Result<Runbook> ParseRunbook(std::string_view text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    return Bad(std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object() || j.value("format", "") != "custody-runbook/v1")
    return Bad("format is not custody-runbook/v1");
  Runbook r;
  r.version = Sha256(AsSpan(text));
  r.name = j.value("name", "");
  if (!j.contains("severities") || !j["severities"].is_array() || j["severities"].empty())
    return Bad("no severities");
  for (const auto& s : j["severities"]) r.severities.push_back(s.value("id", ""));
  if (!j.contains("sections") || !j["sections"].is_array()) return Bad("no sections");
  for (const auto& js : j["sections"]) {
    RunbookSection s;
    s.id = js.value("id", "");
    s.title = js.value("title", "");
    s.applies = js.value("applies", "");
    s.due_minutes = IntOr(js, "due_minutes", 0);
    s.due_business_days = IntOr(js, "due_business_days", 0);
    if (s.id.empty() || r.FindSection(s.id)) return Bad("section without an id, or listed twice");
    if (s.applies != "always" && s.applies != "playbook" && s.applies != "close" &&
        s.applies != "after_close")
      return Bad("section " + s.id + ": unknown \"applies\"");
    if (!js.contains("steps") || !js["steps"].is_array() || js["steps"].empty())
      return Bad("section " + s.id + " has no steps");
    for (const auto& jstep : js["steps"]) {
      RunbookStep step{jstep.value("id", ""), s.id, jstep.value("text", "")};
      const std::string want = s.id + "." + std::to_string(s.steps.size() + 1);
      if (step.id != want)
        return Bad("step " + step.id + " should be " + want + " (numbered as in RUNBOOK.md)");
      if (step.text.empty()) return Bad("step " + step.id + " has no text");
      s.steps.push_back(std::move(step));
    }
    r.sections.push_back(std::move(s));
  }
  for (const char* need : {"first15", "A", "B", "C", "funds", "comms", "exit", "pir"})
    if (!r.FindSection(need)) return Bad(std::string("section ") + need + " missing");
  const auto& comms = j.value("communications", nlohmann::json::object());
  r.sev1_internal_cadence_minutes = comms.contains("internal_cadence_minutes")
                                        ? IntOr(comms["internal_cadence_minutes"], "SEV-1", 0)
                                        : 0;
  if (comms.contains("external_required") && comms["external_required"].is_array())
    for (const auto& part : comms["external_required"])
      r.external_required.push_back(part.get<std::string>());
  r.observation_window_hours_default =
      IntOr(j.value("exit", nlohmann::json::object()), "observation_window_hours_default", 0);
  r.pir_due_business_days = IntOr(j.value("pir", nlohmann::json::object()), "due_business_days", 0);
  if (r.sev1_internal_cadence_minutes <= 0 || r.external_required.empty() ||
      r.observation_window_hours_default <= 0 || r.pir_due_business_days <= 0)
    return Bad("communications, exit or pir rules missing");
  return r;
}

std::string_view CurrentRunbookJson() { return kRunbookJson; }

const Runbook& CurrentRunbook() {
  // The compiled-in runbook is checked by a test; a binary with a bad one
  // cannot have passed its build's tests.
  static const Runbook runbook = ParseRunbook(kRunbookJson).value();
  return runbook;
}

}  // namespace custody
