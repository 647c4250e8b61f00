// custody-verify-package: the offline verifier on its own. It links the
// evidence package format, the event and checkpoint code and nothing else —
// no RocksDB, no ledger — so a court, a regulator or a user can build and run
// just this.
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "ledger/base/encoding.h"
#include "tools/verify_package_command.h"

int main(int argc, char** argv) {
  CLI::App app;
  custody::cli::VerifierArgs args;
  custody::cli::DefineVerifierCommandLine(app, args);
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
  const custody::Status s = custody::cli::VerifyPackageCommand(args.dir, args.trust, args.json);
  // A usage error comes before anything is printed; any other failure after
  // the report (or its JSON document).
  if (s.code() == custody::Status::Code::kUsage)
    return usage(s.message() + " (see custody-verify-package --help)");
  if (!s.ok()) std::cerr << "custody-verify-package: " << custody::Printable(s.message()) << "\n";
  return custody::ExitCode(s, custody::ExitContext::kReading);
}
