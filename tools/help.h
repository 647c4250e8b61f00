// The command line's own manual: for every command, what it needs (the role,
// from the permission table the rule set runs), its inputs and their
// formats, what --json prints, and real examples with the exit status each
// ends with. `custody COMMAND --help`, the man pages and the shell
// completions are all made from the command tree and this table
// (tools/manual.h), so they cannot disagree.
//
// The examples run in the directory `tools/drill.sh DIR` leaves (its people's
// key files, its ledger as CUSTODY_LEDGER); a test runs every one of them and
// checks the exit status stated (tests/tools/help_test.cc).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/base/status.h"
#include "ledger/event.h"

namespace custody::cli {

struct Example {
  std::string_view line;  // a shell command line, run by sh in the drill's directory
  int exit = 0;           // the exit status it ends with
  std::string_view what;  // what it does, or why it is refused
};

// What a command needs to run.
enum class Needs {
  kNothing,  // neither a ledger nor a key
  kKeyOnly,  // a key file, no ledger
  kRead,     // reads: the ledger directory, or any member's key against a server
  kAppend,   // appends events of `appends`: a member holding a role that may
  kLocal,    // runs on the ledger directory itself (not against a server)
  kServer,   // talks to a server (--ledger https://…) with a member's key
  kCopy,     // the ledger directory, or against a server an admin's key (backup)
};

// --json: what the command prints with it.
enum class JsonForm {
  kDocument,  // one JSON document (json: what it holds)
  kWithOut,   // a file's bytes otherwise; --json needs --out and prints JSON about the file
  kRefused,   // never JSON (json: why); --json is a usage error (exit 2)
};

struct CommandHelp {
  std::string_view path;  // "incident declare"
  Needs needs;
  std::vector<fb::Payload> appends;  // with kAppend: the event types it may append
  std::string_view inputs;           // its inputs and their formats ("" when the options say it)
  JsonForm json_form;
  std::string_view json;  // what --json prints, or why it refuses
  std::vector<Example> examples;
};

// Every command's entry, in the order of `custody --help`.
const std::vector<CommandHelp>& CommandHelps();
// The entry of one command ("incident declare"), or null.
const CommandHelp* FindCommandHelp(std::string_view path);

// "incident declare" for that subcommand of root ("" for root).
std::string CommandPath(const CLI::App& app);
// The commands people run (leaves of the tree, hidden ones left out).
std::vector<const CLI::App*> LeafCommands(const CLI::App& root);

// The sentence saying who may run a command ("a member with the commander or
// admin role …"), from the permission table (RolesAllowedToAppend).
std::string NeedsText(const CommandHelp& h);
// Its inputs and their formats (for step, the runbook's steps and the options
// each needs, from the runbook compiled in); "" for none.
std::string InputsText(const CommandHelp& h);
// What --json prints, or why it is refused.
std::string JsonText(const CommandHelp& h);
// Wraps text at width columns, every line indented (a line that starts with a
// space is kept as it is: a format, a table).
std::string Wrap(std::string_view text, size_t indent, size_t width = 92);
// The global options as the help and the man pages list them.
std::string GlobalOptionsText(const CLI::App& root);
inline constexpr std::string_view kExitCodes =
    "0 ok, 1 verification failed, 2 usage error, 3 input rejected (nothing written), "
    "4 storage or I/O error, 5 ledger busy";

// Gives every command its footer: needs, inputs, --json, examples, global
// options, exit codes; groups a pointer to their commands' help. A leaf
// without an entry, or an entry without a command, is an internal error
// (an IOError naming it): the table and the tree must match.
Status Document(CLI::App& root);

}  // namespace custody::cli
