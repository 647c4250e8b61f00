// The runbook as data (projections/runbook/runbook-v1.json, encoded from
// RUNBOOK.md beside it): severities, the first-15-minutes actions, playbooks
// A, B and C, funds-integrity containment, communications rules, the exit
// criteria and the PIR. The JSON is compiled into the binary; its version is
// the SHA-256 of its bytes, which an incident records when it is declared.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ledger/base/bytes.h"
#include "ledger/base/status.h"

namespace custody {

struct RunbookStep {
  std::string id;       // "first15.1", "A.3", "exit.4" (DESIGN.md "The runbook model")
  std::string section;  // "first15", "A", …
  std::string text;
};

struct RunbookSection {
  std::string id, title;
  // "always" (every incident), "playbook" (once activated), "close" (exit
  // criteria), "after_close" (the PIR).
  std::string applies;
  int due_minutes = 0;        // first15: due this long after declaration
  int due_business_days = 0;  // pir: due this many business days after close
  std::vector<RunbookStep> steps;
};

struct Runbook {
  Hash32 version{};  // SHA-256 of the JSON bytes
  std::string name;
  std::vector<std::string> severities;  // "SEV-1", …
  std::vector<RunbookSection> sections;
  int sev1_internal_cadence_minutes = 0;
  std::vector<std::string>
      external_required;  // "facts", "impact_scope", "user_action", "next_update"
  int observation_window_hours_default = 0;
  int pir_due_business_days = 0;

  const RunbookStep* FindStep(std::string_view id) const;
  const RunbookSection* FindSection(std::string_view id) const;
};

// Parses and checks a runbook JSON document (step ids numbered section.1…N in
// order, known "applies" values, the communication and exit rules present).
Result<Runbook> ParseRunbook(std::string_view json);

// The runbook compiled into this binary.
const Runbook& CurrentRunbook();
std::string_view CurrentRunbookJson();

}  // namespace custody
