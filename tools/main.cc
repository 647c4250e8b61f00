// custody: the command line of the Custody evidence ledger. See docs/cli.md.
#include <iostream>

#include "ledger/base/encoding.h"
#include "ledger/event.h"
#include "tools/cli.h"

int main(int argc, char** argv) {
  using namespace custody::cli;
  Context ctx;
  ctx.argv0 = argv[0];
  CLI::App app{
      "custody: a signed, hash-chained evidence ledger for security incident response.\n"
      "Every action is an event signed by its author's key and chained to the one before it.\n"
      "Exit codes: 0 ok, 1 verification failed, 2 usage error, 3 input rejected,\n"
      "4 storage or I/O error, 5 ledger busy.",
      "custody"};
  app.set_version_flag("--version", "custody " CUSTODY_VERSION " (storage formats " +
                                        std::to_string(custody::kOldestStorageFormat) + " to " +
                                        std::to_string(custody::kStorageFormat) + ")");
  app.add_option("--ledger", ctx.ledger,
                 "Ledger directory, or a server's https://HOST:PORT (or CUSTODY_LEDGER)");
  app.add_option("--key", ctx.key_path,
                 "Your secret key file, nsec1…, mode 0600 (or CUSTODY_KEY=FILE, CUSTODY_KEY_FD=N)");
  app.add_flag("--json", ctx.json, "Print one JSON document for programs");
  app.add_option("--trust", ctx.trust,
                 "A server's notary npub, pinned at first contact (or CUSTODY_TRUST)");
  app.add_option("--ca", ctx.ca, "CA certificate file for a server's TLS (or CUSTODY_CA)");
  app.add_flag("--wait", ctx.wait,
               "Against a server: prove each append in a signed tree head before exiting");
  app.fallthrough();
  AddKeyCommands(app, ctx);
  AddLedgerCommands(app, ctx);
  AddImportCommand(app, ctx);
  AddMerkleCommands(app, ctx);
  AddEvidenceCommands(app, ctx);
  AddProjectionCommands(app, ctx);
  AddIncidentCommands(app, ctx);
  AddExportCommands(app, ctx);
  AddBenchCommand(app, ctx);
  AddServerCommands(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "custody: " << e.what() << " (see custody --help)\n";
    return 2;
  }
  if (!ctx.run) {
    std::cerr << "custody: no command given (see custody --help)\n";
    return 2;
  }
  custody::Status s;
  try {
    s = ctx.run();
  } catch (const std::exception& e) {
    // Libraries do not throw across their boundaries; this is the last guard
    // for the standard library's own (a filesystem error, an allocation).
    s = custody::Status::IOError(std::string("unexpected error: ") + e.what());
  }
  if (!s.ok()) std::cerr << "custody: " << custody::Printable(WithHint(s)) << "\n";
  return ExitCodeOf(ctx, s);
}
