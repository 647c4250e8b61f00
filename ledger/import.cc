#include "ledger/import.h"

#include <nlohmann/json.hpp>
#include <set>

#include "ledger/base/encoding.h"

namespace custody {
namespace {

using json = nlohmann::json;

Result<std::string> GetString(const json& j, const char* name, bool required) {
  auto it = j.find(name);
  if (it == j.end()) {
    if (required) return Status::InvalidArgument(std::string("missing \"") + name + "\"");
    return std::string();
  }
  if (!it->is_string())
    return Status::InvalidArgument(std::string("\"") + name + "\" must be a string");
  return it->get<std::string>();
}

}  // namespace

Result<Draft> ParseImportLine(std::string_view line) {
  if (line.size() > kMaxImportLine) return Status::InvalidArgument("line longer than 256 KiB");
  // A key given twice in one object is refused, not "the last one wins": the
  // line would say two things and record one of them.
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  auto no_duplicates = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      if (!open_objects.empty()) open_objects.pop_back();
    } else if (event == json::parse_event_t::key && !open_objects.empty() &&
               !open_objects.back().insert(parsed.get<std::string>()).second && duplicate.empty()) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  json j = json::parse(line.begin(), line.end(), no_duplicates, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument("not valid JSON");
  if (!duplicate.empty())
    return Status::InvalidArgument("member \"" + Printable(duplicate) + "\" given twice");
  if (!j.is_object()) return Status::InvalidArgument("not a JSON object");
  auto type = GetString(j, "type", true);
  if (!type.ok()) return type.status();

  Draft d;
  static const std::set<std::string> kCommon = {"type", "incident", "subjects", "occurred"};
  std::set<std::string> allowed = kCommon;
  if (*type == "note") {
    auto text = GetString(j, "text", true);
    if (!text.ok()) return text.status();
    if (text->empty()) return Status::InvalidArgument("\"text\" is empty");
    d.payload = NotePayload{std::move(*text)};
    allowed.insert("text");
  } else if (*type == "deploy") {
    DeployPayload p;
    auto service = GetString(j, "service", true);
    if (!service.ok()) return service.status();
    if (service->empty()) return Status::InvalidArgument("\"service\" is empty");
    p.service = std::move(*service);
    auto hash = GetString(j, "hash", true);
    if (!hash.ok()) return hash.status();
    auto commit = DecodeGitCommit(*hash);
    if (!commit.ok()) return commit.status().Prefixed("\"hash\"");
    p.commit = std::move(*commit);
    auto deployed = GetString(j, "deployed_at", false);
    if (!deployed.ok()) return deployed.status();
    if (!deployed->empty()) {
      auto t = ParseTime(*deployed);
      if (!t.ok()) return t.status().Prefixed("\"deployed_at\"");
      p.deployed_ns = *t;
    }
    auto repo = GetString(j, "repo", false);
    if (!repo.ok()) return repo.status();
    p.repo = std::move(*repo);
    d.payload = std::move(p);
    allowed.insert({"service", "hash", "deployed_at", "repo"});
  } else {
    // Runbook actions are checked against the incident's state by their own
    // commands (a close against the exit criteria, a step against the active
    // playbooks); evidence carries content; membership and checkpoints are the
    // ledger's own. None of them is imported.
    return Status::InvalidArgument(
        "type \"" + Printable(*type) +
        "\" cannot be imported (importable: note, deploy; other events have their own commands)");
  }
  for (auto& [key, value] : j.items())
    if (!allowed.count(key))
      return Status::InvalidArgument("unknown member \"" + Printable(key) + "\"");

  auto incident = GetString(j, "incident", false);
  if (!incident.ok()) return incident.status();
  if (!incident->empty()) {
    auto seq = ParseIncidentName(*incident);
    if (!seq.ok()) return seq.status();
    d.incident = *seq;
  }
  auto occurred = GetString(j, "occurred", false);
  if (!occurred.ok()) return occurred.status();
  if (!occurred->empty()) {
    auto t = ParseTime(*occurred);
    if (!t.ok()) return t.status();
    d.occurred_ns = *t;
  }
  if (auto it = j.find("subjects"); it != j.end()) {
    if (!it->is_array()) return Status::InvalidArgument("\"subjects\" must be an array of npubs");
    for (const auto& s : *it) {
      if (!s.is_string()) return Status::InvalidArgument("\"subjects\" must be an array of npubs");
      auto key = DecodeNpub(s.get<std::string>());
      if (!key.ok()) return key.status().Prefixed("subject");
      d.subjects.push_back(*key);
    }
  }
  return d;
}

}  // namespace custody
