// custody-verify-package: the offline verifier on its own. It links the
// evidence package format, the event and checkpoint code and nothing else —
// no RocksDB, no ledger — so a court, a regulator or a user can build and run
// just this.
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "ledger/base/encoding.h"
#include "tools/verify_package_command.h"

namespace {

// What --help says besides the options: what the tool checks, its exit codes
// and examples (docs/package.md "What verify-package checks").
constexpr const char* kDescription =
    "custody-verify-package: check a Custody evidence package offline.\n"
    "\n"
    "Checks everything a package holds against the one key you trust: the\n"
    "BagIt manifests, the exporter's signature and role, each event's id,\n"
    "signatures and author's role, each inclusion proof against the\n"
    "checkpoint, the checkpoint's signature by --trust, the per-user\n"
    "back-links, every snapshot's hash, and that README.txt describes the\n"
    "package. It needs no ledger, no database and no network. It prints one\n"
    "line per check and a last line \"result OK\" or \"result FAILED\"; on a\n"
    "failure, one line on standard error names the file and what is wrong.\n";

constexpr const char* kFooter =
    "Exit codes:\n"
    "  0  the package verified\n"
    "  1  verification failed: a file changed, missing or added, a bad\n"
    "     signature or proof, or a checkpoint not signed by --trust\n"
    "  2  usage error (a missing argument, --trust not an npub)\n"
    "\n"
    "Examples:\n"
    "  custody-verify-package pkg-u1 --trust "
    "npub1h3ynqszatxwkteaxken3fvcf4lddak5auqm4zvyv49ldr5peg28qnvgrd4\n"
    "  custody-verify-package pkg-u1 --trust \"$(cat notary.npub)\" --json\n"
    "\n"
    "NPUB is the key that signs the ledger's checkpoints (an admin or notary),\n"
    "as you know it from a source other than the package. Each package's\n"
    "README.txt says what it holds and how to check it without Custody;\n"
    "docs/package.md (/usr/share/doc/custody-verify-package/package.md) gives\n"
    "the formats and every check.";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{kDescription, "custody-verify-package"};
  app.footer(kFooter);
  app.get_formatter()->column_width(24);
  std::string dir, trust;
  bool json = false;
  app.add_option("DIR", dir, "The package directory (the one holding bagit.txt)")
      ->type_name("")
      ->required();
  app.add_option("--trust", trust,
                 "The checkpoint signer's key (npub), as you know it from outside the package")
      ->type_name("NPUB")
      ->required();
  app.add_flag("--json", json,
               "Print one JSON document for programs: ok, each check, and the failure");
  app.set_version_flag("--version", "custody-verify-package " CUSTODY_VERSION);
  // With --json anywhere, a usage error is a JSON document too.
  bool json_asked = false;
  for (int i = 1; i < argc; ++i) json_asked = json_asked || std::string_view(argv[i]) == "--json";
  auto usage = [&](const std::string& message) {
    std::cerr << "custody-verify-package: " << custody::Printable(message) << "\n";
    if (json_asked)
      std::cout << nlohmann::ordered_json{{"ok", false}, {"error", message}, {"exit", 2}}.dump(
                       2, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
                << "\n";
    return 2;
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    return usage(std::string(e.what()) + " (see custody-verify-package --help)");
  }
  const custody::Status s = custody::cli::VerifyPackageCommand(dir, trust, json);
  // A usage error comes before anything is printed; any other failure after
  // the report (or its JSON document).
  if (s.code() == custody::Status::Code::kUsage)
    return usage(s.message() + " (see custody-verify-package --help)");
  if (!s.ok()) std::cerr << "custody-verify-package: " << custody::Printable(s.message()) << "\n";
  return custody::ExitCode(s, custody::ExitContext::kReading);
}
