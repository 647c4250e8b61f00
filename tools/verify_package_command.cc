#include "tools/verify_package_command.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "evidence/verify_package.h"
#include "ledger/base/encoding.h"

namespace custody::cli {

namespace {

// What --help says besides the options: what the tool checks, its exit codes
// and examples (docs/package.md "What verify-package checks").
constexpr const char* kVerifierDescription =
    "Checks everything a package holds against the one key you trust: the\n"
    "BagIt manifests, the exporter's signature and role, each event's id,\n"
    "signatures and author's role, each inclusion proof against the\n"
    "checkpoint, the checkpoint's signature by --trust, the per-user\n"
    "back-links, every snapshot's hash, and that README.txt describes the\n"
    "package. It needs no ledger, no database and no network. It prints one\n"
    "line per check and a last line \"result OK\" or \"result FAILED\"; on a\n"
    "failure, one line on standard error names the file and what is wrong.\n";

constexpr const char* kVerifierFooter =
    "Exit codes:\n"
    "  0  the package verified\n"
    "  1  verification failed: a file changed, missing or added, a bad\n"
    "     signature or proof, or a checkpoint not signed by --trust\n"
    "  2  usage error (a missing argument, --trust not an npub)\n"
    "\n"
    "Examples (in the directory tools/drill.sh leaves, where admin signed the\n"
    "checkpoint the package is pinned to):\n"
    "  custody-verify-package package --trust \"$(cat admin.npub)\"\n"
    "  custody-verify-package package --trust \"$(cat admin.npub)\" --json\n"
    "\n"
    "NPUB is the key that signs the ledger's checkpoints (an admin or notary),\n"
    "as you know it from a source other than the package. Each package's\n"
    "README.txt says what it holds and how to check it without Custody;\n"
    "docs/package.md (/usr/share/doc/custody-verify-package/package.md) gives\n"
    "the formats and every check.";

}  // namespace

void DefineVerifierCommandLine(CLI::App& app, VerifierArgs& args) {
  app.name(std::string(kVerifierName));
  app.description(std::string(kVerifierName) + ": " + std::string(kVerifierSummary) + ".\n\n" +
                  kVerifierDescription);
  app.footer(kVerifierFooter);
  app.get_formatter()->column_width(24);
  app.add_option("DIR", args.dir, "The package directory (the one holding bagit.txt)")
      ->type_name("")
      ->required();
  app.add_option("--trust", args.trust,
                 "The checkpoint signer's key (npub), as you know it from outside the package")
      ->type_name("NPUB")
      ->required();
  app.add_flag("--json", args.json,
               "Print one JSON document for programs: ok, each check, and the failure");
  app.set_version_flag("--version", std::string(kVerifierName) + " " CUSTODY_VERSION);
}

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
