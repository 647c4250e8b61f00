// Manual pages and shell completions, made from the command tree and the
// help table (tools/help.h) by walking CLI11's App tree: `custody man`,
// `custody completion bash|zsh`. The build generates them with the built
// binary and installs what it generated (tools/CMakeLists.txt); a test checks
// that the installed files are what the binary generates.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <string>

#include "tools/cli.h"

namespace custody::cli {

// File name ("custody-incident-declare.1") to roff source: custody.1, one
// page per command, and custody-verify-package.1. No dates: the same binary
// makes the same bytes.
std::map<std::string, std::string> ManPages(const CLI::App& root);

// The completion scripts. Candidates: commands, options, step ids, roles,
// severities, formats; incident ids and member npubs from
// `custody complete-words` (a ledger directory, or a server's cached replica;
// no network, no key, no passphrase); files where a file goes.
std::string BashCompletion(const CLI::App& root);
std::string ZshCompletion(const CLI::App& root);

// man, completion, and the hidden complete-words the scripts call.
void AddManualCommands(CLI::App& app, Context& ctx);

}  // namespace custody::cli
