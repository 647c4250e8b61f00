// What every `custody` command shares: the global options, loading the
// author's key, opening the ledger, printing for people or --json, progress on
// a terminal, and the one mapping from Status to exit code (DESIGN.md).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "client/remote.h"
#include "ledger/base/status.h"
#include "ledger/crypto.h"
#include "ledger/store/store.h"

namespace custody::cli {

using Json = nlohmann::ordered_json;

struct Context {
  std::string ledger;           // --ledger, else CUSTODY_LEDGER: a directory or a server URL
  std::string key_path;         // --key
  bool json = false;            // --json
  std::string trust;            // --trust NPUB, else CUSTODY_TRUST: a server's notary key
  std::string ca;               // --ca FILE, else CUSTODY_CA: a server's certificate authority
  bool wait = false;            // --wait: prove each append against a signed tree head now
  std::string argv0;            // for commands that run custody itself (bench)
  std::function<Status()> run;  // the selected command
  // Set by LoadKey and OpenWriter: the command offers events to append, so a
  // broken rule is input rejected (exit 3), not a ledger that fails (exit 1).
  mutable bool writing = false;
  // Set once the command printed its JSON document (or its text): a failure
  // after that adds no second document.
  mutable bool printed = false;

 private:
  Result<SecretKey> ReadKey() const;
  mutable std::optional<SecretKey> auth_key_;
  mutable std::unique_ptr<Remote> remote_;

 public:
  // --key FILE, else CUSTODY_KEY_FD=N, else CUSTODY_KEY=FILE.
  Result<SecretKey> LoadKey() const;
  Result<std::string> LedgerDir() const;
  // A writer keeps the projections at append; with catch_up, it first
  // rebuilds them if they are behind (a ledger appended without them).
  // Against a server: the verified replica, up to date (appends go to the
  // server through CommitDrafts).
  Result<std::unique_ptr<Store>> OpenWriter(bool catch_up = true) const;
  // Against a server: the verified replica, up to date.
  Result<std::unique_ptr<Store>> OpenReader() const;

  // Whether --ledger names a server.
  bool remote() const;
  // The server, connected with the context's key (every request is signed
  // by a member). REQUIRES: remote().
  Result<Remote*> Server() const;
  // Where content to append is staged: the ledger directory, or against a
  // server a directory beside the replica (uploaded from there).
  Result<std::string> StagingDir() const;
  // Evidence content at store.BlobFile(sha256): against a server, fetched
  // into the replica (and checked) if it is not there yet.
  Status EnsureContent(Store& store, const Hash32& sha256, uint64_t size) const;
  // Commands a server does not run: Usage error naming the command.
  Status LocalOnly(const std::string& command) const;
  // Prints j with --json, else text (a trailing newline is added if missing).
  void Print(const Json& j, const std::string& text) const;
};

// A failed command's message, with what to type next where the library's
// message calls for it ("no ledger at DIR (create one with: custody init …)").
std::string WithHint(const Status& s);
// The exit code of a command's status (ledger/base/status.h, DESIGN.md).
int ExitCodeOf(const Context& ctx, const Status& s);

// Progress for long work, on standard error, only when it is a terminal.
class Progress {
 public:
  explicit Progress(std::string label);
  ~Progress();
  void Update(uint64_t done, uint64_t total);
  ProgressFn Fn() {
    return [this](uint64_t d, uint64_t t) { Update(d, t); };
  }

 private:
  std::string label_;
  bool tty_;
  bool shown_ = false;
  int64_t last_ns_ = 0;
};

// Parses an npub argument, naming it in the error.
Result<Hash32> ParseNpubArg(const std::string& what, const std::string& text);

// Command groups, each in its own file.
void AddKeyCommands(CLI::App& app, Context& ctx);
void AddLedgerCommands(CLI::App& app,
                       Context& ctx);  // init, member, note, log, show, verify, stats
void AddImportCommand(CLI::App& app, Context& ctx);
void AddIncidentCommands(CLI::App& app, Context& ctx);
void AddProjectionCommands(CLI::App& app, Context& ctx);
void AddBenchCommand(CLI::App& app, Context& ctx);
void AddServerCommands(CLI::App& app, Context& ctx);    // serve, trust reset
void AddMerkleCommands(CLI::App& app, Context& ctx);    // checkpoint, prove, consistency
void AddEvidenceCommands(CLI::App& app, Context& ctx);  // incident declare, evidence, deploy
void AddExportCommands(CLI::App& app, Context& ctx);    // export, verify-package
// One voice for confirmations. A file written:  "wrote PATH: WHAT (N bytes)".
std::string WroteLine(const std::string& path, const std::string& what, uint64_t bytes);
// An event appended: "appended #SEQ TYPE ID" and, for an incident's, " to INC-n".
std::string AppendedLine(uint64_t seq, std::string_view type, const Hash32& id,
                         uint64_t incident = 0);
// The size of a file just written (0 if it cannot be read); of a directory,
// the bytes of every file under it.
uint64_t FileBytes(const std::string& path);
// The refusal of --json by a command whose output is not JSON (a file's
// bytes, a script): a usage error naming what to do instead.
Status RefuseJson(const Context& ctx, const std::string& command, const std::string& why);

}  // namespace custody::cli
