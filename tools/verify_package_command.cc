#include "tools/verify_package_command.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "evidence/verify_package.h"
#include "ledger/base/encoding.h"

namespace custody::cli {

Status VerifyPackageCommand(const std::string& dir, const std::string& trust_npub, bool json) {
  auto trust = DecodeNpub(trust_npub);
  if (!trust.ok()) return Status::Usage("--trust: " + trust.status().message());
  PackageReport report;
  Status s;
  try {
    s = VerifyPackage(dir, *trust, &report);
  } catch (const std::exception& e) {
    // The verifier does not throw; this is the last guard (an allocation
    // failure), the same for `custody verify-package` and the standalone
    // binary: what could not be checked did not verify.
    s = Status::VerificationFailed(std::string("unexpected error: ") + e.what());
  }
  if (json) {
    nlohmann::ordered_json j;
    j["package"] = dir;
    j["trust"] = trust_npub;
    j["ok"] = s.ok();
    j["checks"] = nlohmann::ordered_json::array();
    for (auto& [topic, found] : report.checks)
      j["checks"].push_back({{"check", topic}, {"result", found}});
    j["failure"] = s.ok() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(s.message());
    if (!s.ok()) {
      j["error"] = s.message();
      j["exit"] = ExitCode(s, ExitContext::kReading);
    }
    std::cout << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  } else {
    std::cout << "package        " << Printable(dir) << "\n";
    if (report.index.user || report.index.incident) {
      const auto& x = report.index;
      std::cout << "selection      "
                << (x.user ? "events about " + EncodeNpub(*x.user) +
                                 (x.incident ? " in " + IncidentName(x.incident) : "")
                           : "events of " + IncidentName(x.incident))
                << "\n";
    }
    for (auto& [topic, found] : report.checks) {
      std::string label = topic;
      label.resize(std::max<size_t>(label.size() + 1, 15), ' ');
      std::cout << label << Printable(found) << "\n";
    }
    std::cout << "result         " << (s.ok() ? "OK" : "FAILED") << std::endl;
  }
  return s;
}

}  // namespace custody::cli
