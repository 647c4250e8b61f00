// custody: the command line of the Custody evidence ledger. See docs/cli.md.
#include <iostream>

#include "ledger/base/encoding.h"
#include "ledger/event.h"
#include "tools/cli.h"
#include "tools/help.h"
#include "tools/manual.h"

namespace {

// The command a parse stopped in: the deepest subcommand selected so far.
const CLI::App* Selected(const CLI::App& app) {
  const CLI::App* at = &app;
  for (auto subs = at->get_subcommands(); !subs.empty(); subs = at->get_subcommands())
    at = subs.back();
  return at;
}

// A failure as one line on standard error, and with --json also as one JSON
// document on standard output (unless the command printed its own).
int Fail(const custody::cli::Context& ctx, bool json, const std::string& message, int code) {
  std::cerr << "custody: " << custody::Printable(message) << "\n";
  if (json && !ctx.printed) {
    nlohmann::ordered_json j{{"ok", false}, {"error", message}, {"exit", code}};
    std::cout << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  }
  return code;
}

}  // namespace

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
  AddManualCommands(app, ctx);
  // Every command's footer: needs, inputs, --json, examples, global options.
  if (custody::Status documented = Document(app); !documented.ok())
    return Fail(ctx, false, documented.message(), 4);
  // --json anywhere on the line: usage errors come as JSON too.
  bool json = false;
  for (int i = 1; i < argc && std::string_view(argv[i]) != "--"; ++i)
    json = json || std::string_view(argv[i]) == "--json" ||
           std::string_view(argv[i]).rfind("--json=", 0) == 0;

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const CLI::App* at = Selected(app);
    const std::string path = CommandPath(*at);
    std::string message = e.what();
    // A word where a group wants one of its commands: name it, rather than
    // CLI11's "A subcommand is required" or "not expected".
    const bool group = !at->get_subcommands([](const CLI::App*) { return true; }).empty();
    const std::vector<std::string> extra = app.remaining(/*recurse=*/true);
    if (group && !extra.empty())
      message =
          std::string(extra.front().rfind('-', 0) == 0 ? "unknown option" : "unknown command") +
          " \"" + custody::Printable(extra.front()) + "\"" +
          (path.empty() ? "" : " for custody " + path);
    return Fail(ctx, json,
                message + " (see custody " + (path.empty() ? "" : path + " ") + "--help)", 2);
  }
  if (!ctx.run) {
    const std::string path = CommandPath(*Selected(app));
    return Fail(ctx, json,
                path.empty()
                    ? "no command given (see custody --help)"
                    : "custody " + path + " needs a command (see custody " + path + " --help)",
                2);
  }
  custody::Status s;
  try {
    s = ctx.run();
  } catch (const std::exception& e) {
    // Libraries do not throw across their boundaries; this is the last guard
    // for the standard library's own (a filesystem error, an allocation).
    s = custody::Status::IOError(std::string("unexpected error: ") + e.what());
  }
  if (s.ok()) return 0;
  std::string message = WithHint(s);
  // A usage error found while running names the command's help too.
  if (s.code() == custody::Status::Code::kUsage &&
      message.find("(see custody") == std::string::npos)
    message += " (see custody " + CommandPath(*Selected(app)) + " --help)";
  return Fail(ctx, json || ctx.json, message, ExitCodeOf(ctx, s));
}
