// The runbook data against RUNBOOK.md: every numbered step of the document is
// a step of the data, in order, with its text; and the data's rules hold.
#include "projections/runbook.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <sstream>

#include "ledger/base/encoding.h"
#include "ledger/crypto.h"
#include "tests/testutil.h"

using namespace custody;

namespace {
const std::string kDir = std::string(CUSTODY_SOURCE_DIR) + "/projections/runbook/";
}

TEST_CASE(
    "Runbook: the compiled-in data is the file in the project, and its version is its SHA-256",
    "[runbook]") {
  const std::string json = test::ReadFile(kDir + "runbook-v1.json");
  CHECK(CurrentRunbookJson() == json);
  CHECK(CurrentRunbook().version == Sha256(AsSpan(json)));
}

TEST_CASE("Runbook: every numbered step of RUNBOOK.md is in the data, in order, with its text",
          "[runbook]") {
  const Runbook& r = CurrentRunbook();
  // Heading in RUNBOOK.md -> section id in the data.
  const std::map<std::string, std::string> sections = {
      {"## Immediate Actions (First 15 Minutes)", "first15"},
      {"### A. `SERVICE_NSEC` Suspected Compromise", "A"},
      {"### B. Wallet Private Key Compromise (User Scope)", "B"},
      {"### C. NWC Secret Mapping Compromise", "C"},
      {"## Funds Integrity Containment", "funds"},
      {"## Recovery and Exit Criteria", "exit"},
      {"## Post-Incident Review", "pir"},
  };
  std::istringstream in(test::ReadFile(kDir + "RUNBOOK.md"));
  std::string line, current;
  std::map<std::string, std::vector<std::string>> found;
  while (std::getline(in, line)) {
    if (line.rfind("#", 0) == 0) {
      auto it = sections.find(line);
      current = it == sections.end() ? "" : it->second;
      continue;
    }
    if (!current.empty() && line.size() > 3 && std::isdigit(static_cast<unsigned char>(line[0])) &&
        line[1] == '.')
      found[current].push_back(line.substr(3));
  }
  REQUIRE(found.size() == sections.size());
  for (auto& [id, items] : found) {
    const RunbookSection* s = r.FindSection(id);
    REQUIRE(s != nullptr);
    INFO("section " << id);
    REQUIRE(s->steps.size() == items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      // The data carries the step's sub-bullets too; its text begins as the document's line does.
      std::string doc = items[i];
      doc.erase(std::remove(doc.begin(), doc.end(), '`'), doc.end());
      if (!doc.empty() && doc.back() == ':') doc.pop_back();
      CHECK(s->steps[i].text.rfind(doc, 0) == 0);
      CHECK(s->steps[i].id == id + "." + std::to_string(i + 1));
    }
  }
  // Communications (bullets in the document) and the fixed rules.
  REQUIRE(r.FindSection("comms") != nullptr);
  CHECK(r.FindSection("comms")->steps.size() == 2);
  CHECK(r.sev1_internal_cadence_minutes == 30);
  CHECK(r.external_required ==
        std::vector<std::string>{"facts", "impact_scope", "user_action", "next_update"});
  CHECK(r.FindSection("first15")->due_minutes == 15);
  CHECK(r.pir_due_business_days == 5);
  CHECK(r.observation_window_hours_default == 24);
  CHECK(r.severities == std::vector<std::string>{"SEV-1", "SEV-2", "SEV-3"});
  CHECK(r.FindStep("A.1")->text == "Rotate SERVICE_NSEC immediately.");
  CHECK(r.FindStep("D.1") == nullptr);
}

TEST_CASE("Runbook: malformed data is refused", "[runbook]") {
  const std::string json = test::ReadFile(kDir + "runbook-v1.json");
  auto refused = [&](const std::string& from, const std::string& to) {
    std::string t = json;
    auto at = t.find(from);
    REQUIRE(at != std::string::npos);
    t.replace(at, from.size(), to);
    INFO(from << " -> " << to);
    CHECK(ParseRunbook(t).status().IsInvalidArgument());
  };
  CHECK(ParseRunbook(json).ok());
  refused("\"id\": \"A.2\"", "\"id\": \"A.3\"");  // numbering
  refused("\"applies\": \"playbook\"", "\"applies\": \"x\"");
  refused("\"SEV-1\": 30", "\"SEV-2\": 30");  // SEV-1 cadence missing
  refused("custody-runbook/v1", "custody-runbook/v2");
  CHECK(ParseRunbook("{").status().IsInvalidArgument());
}
