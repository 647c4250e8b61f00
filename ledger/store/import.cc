#include "ledger/store/import.h"

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
  if (!it->is_string()) return Status::InvalidArgument(std::string("\"") + name + "\" must be a string");
  return it->get<std::string>();
}

}  // namespace

Result<Draft> ParseImportLine(std::string_view line) {
  if (line.size() > kMaxImportLine) return Status::InvalidArgument("line longer than 256 KiB");
  json j = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument("not valid JSON");
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
  } else {
    return Status::InvalidArgument("type \"" + Printable(*type) + "\" cannot be imported (importable: note)");
  }
  for (auto& [key, value] : j.items())
    if (!allowed.count(key)) return Status::InvalidArgument("unknown member \"" + Printable(key) + "\"");

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
