// custody-verify-package: the offline verifier on its own. It links the
// evidence package format, the event and checkpoint code and nothing else —
// no RocksDB, no ledger — so a court, a regulator or a user can build and run
// just this.
#include <CLI/CLI.hpp>
#include <iostream>

#include "ledger/base/encoding.h"
#include "tools/verify_package_command.h"

int main(int argc, char** argv) {
  CLI::App app{
      "custody-verify-package: verify a Custody evidence package offline.\n"
      "Exit codes: 0 ok, 1 verification failed, 2 usage error.",
      "custody-verify-package"};
  std::string dir, trust;
  bool json = false;
  app.add_option("DIR", dir, "The package directory")->required();
  app.add_option("--trust", trust,
                 "The checkpoint signer's key (npub), as you know it from outside the package")
      ->required();
  app.add_flag("--json", json, "Print one JSON document for programs");
  app.set_version_flag("--version", "custody-verify-package " CUSTODY_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "custody-verify-package: " << e.what() << " (see --help)\n";
    return 2;
  }
  const custody::Status s = custody::cli::VerifyPackageCommand(dir, trust, json);
  if (!s.ok()) std::cerr << "custody-verify-package: " << custody::Printable(s.message()) << "\n";
  return custody::ExitCode(s, custody::ExitContext::kReading);
}
