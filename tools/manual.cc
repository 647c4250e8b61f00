#include "tools/manual.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "client/remote.h"
#include "ledger/base/encoding.h"
#include "ledger/base/files.h"
#include "ledger/membership.h"
#include "net/http_client.h"
#include "projections/actions.h"
#include "projections/listing.h"
#include "projections/runbook.h"
#include "tools/help.h"
#include "tools/verify_package_command.h"

namespace custody::cli {

namespace {

// --- roff -------------------------------------------------------------------

// Text for roff: backslashes escaped, hyphens of options as \-, and a line
// that would start with a control character protected.
std::string Roff(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    line_start = c == '\n';
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
  }
  return out;
}

std::string Upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

std::string OptionLabel(const CLI::Option& o) {
  std::string label;
  for (const std::string& n : o.get_lnames()) label += (label.empty() ? "--" : ", --") + n;
  if (label.empty()) return o.get_name();  // a positional: its name
  if (o.get_expected_max() > 0) label += " " + o.get_type_name();
  return label;
}

bool IsHelpOption(const CLI::Option& o) {
  const auto& l = o.get_lnames();
  return !l.empty() && (l.front() == "help" || l.front() == "version");
}

std::string Synopsis(const CLI::App& cmd, const std::string& name) {
  std::string s = name;
  bool has_options = false;
  for (const CLI::Option* o : cmd.get_options()) {
    if (IsHelpOption(*o)) continue;
    if (o->get_lnames().empty()) continue;
    if (o->get_required())
      s += " " + OptionLabel(*o);
    else
      has_options = true;
  }
  if (has_options) s += " [OPTIONS]";
  for (const CLI::Option* o : cmd.get_options())
    if (o->get_lnames().empty() && !IsHelpOption(*o))
      s += o->get_required() ? " " + o->get_name() : " [" + o->get_name() + "]";
  return s;
}

std::string OptionsSection(const CLI::App& cmd) {
  std::string out;
  for (const CLI::Option* o : cmd.get_options()) {
    if (IsHelpOption(*o)) continue;
    out += ".TP\n.B " + Roff(OptionLabel(*o)) + "\n" + Roff(o->get_description()) +
           (o->get_required() ? " (required)" : "") + "\n";
  }
  return out;
}

std::string Paragraphs(std::string_view text) {
  // A line that starts with a space is a format: kept as it is.
  std::string out;
  size_t start = 0;
  bool in_nf = false;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    const bool literal = !line.empty() && line[0] == ' ';
    if (literal && !in_nf) out += ".nf\n";
    if (!literal && in_nf) out += ".fi\n";
    if (!literal) out += ".PP\n";
    in_nf = literal;
    out += Roff(line) + "\n";
    start = end + 1;
  }
  if (in_nf) out += ".fi\n";
  return out;
}

// A text wrapped by hand (blank lines between paragraphs) as Paragraphs
// wants it: a line per paragraph.
std::string Unwrapped(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n') {
      out += text[i];
    } else if (i + 1 < text.size() && text[i + 1] == '\n') {
      out += '\n';
      while (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (i + 1 < text.size()) {
      out += ' ';
    }
  }
  return out;
}

std::string Header(const std::string& name, const std::string& summary) {
  return ".TH " + Upper(name) + " 1 \"\" \"custody " CUSTODY_VERSION "\" \"Custody manual\"\n" +
         ".SH NAME\n" + Roff(name) + " \\- " + Roff(summary) + "\n";
}

std::string Tail(const CLI::App& root) {
  std::string out = ".SH GLOBAL OPTIONS\nBefore or after the command.\n";
  for (const CLI::Option* o : root.get_options())
    if (!IsHelpOption(*o))
      out += ".TP\n.B " + Roff(OptionLabel(*o)) + "\n" + Roff(o->get_description()) + "\n";
  out += ".SH EXIT STATUS\n" + Roff(std::string(kExitCodes)) + ".\n";
  return out;
}

std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

// The examples are written as "custody PATH ..."; a standalone tool's page
// shows them as its own command lines (from, to).
std::string ExamplesSection(const CommandHelp& h, const std::string& from, const std::string& to) {
  std::string out =
      ".SH EXAMPLES\nIn the directory tools/drill.sh leaves; the exit status in brackets.\n";
  for (const Example& e : h.examples) {
    std::string line(e.line);
    if (line.rfind(from, 0) == 0) line = to + line.substr(from.size());
    out += ".PP\n.nf\n.RS\n" + Roff(line) + "\n.RE\n.fi\n" + Roff(std::string(e.what)) + " [exit " +
           std::to_string(e.exit) + "]\n";
  }
  return out;
}

std::string CommandPage(const CLI::App& root, const CLI::App& cmd, const CommandHelp& h,
                        const std::string& name) {
  const std::string invocation = "custody " + CommandPath(cmd);
  std::string page = Header(name, FirstLine(cmd.get_description()));
  page += ".SH SYNOPSIS\n.nf\n" + Roff(Synopsis(cmd, invocation)) + "\n.fi\n";
  page += ".SH DESCRIPTION\n" + Paragraphs(cmd.get_description());
  page += ".SH OPTIONS\n" + OptionsSection(cmd);
  page += ".SH NEEDS\n" + Paragraphs(NeedsText(h));
  if (const std::string inputs = InputsText(h); !inputs.empty())
    page += ".SH INPUTS\n" + Paragraphs(inputs);
  page += ".SH JSON\n" + Paragraphs("--json: " + JsonText(h));
  page += ExamplesSection(h, invocation, invocation);
  page += Tail(root);
  page += ".SH SEE ALSO\n.BR custody (1)\n";
  return page;
}

// custody-verify-package(1): from the standalone tool's own command line
// (tools/verify_package_command.h); what it needs, its JSON and its examples
// are custody verify-package's (h), which runs the same code and is
// described here too.
std::string VerifierPage(const CommandHelp& h) {
  CLI::App app;
  VerifierArgs unused;
  DefineVerifierCommandLine(app, unused);
  const std::string name(kVerifierName);
  std::string page = Header(name, std::string(kVerifierSummary));
  page += ".SH SYNOPSIS\n.nf\n" + Roff(Synopsis(app, name)) + "\n.fi\n";
  page += ".SH DESCRIPTION\n" + Paragraphs(Unwrapped(app.get_description()));
  page += ".PP\n" +
          Roff("custody " + std::string(h.path) +
               " DIR --trust NPUB runs the same checks, with custody's global "
               "options and exit codes (custody(1)).") +
          "\n";
  page += ".SH OPTIONS\n" + OptionsSection(app);
  page += ".SH NEEDS\n" + Paragraphs(NeedsText(h));
  page += ".SH JSON\n" + Paragraphs("--json: " + JsonText(h));
  page += ExamplesSection(h, "custody " + std::string(h.path), name);
  page += ".SH EXIT STATUS\n" + Roff(std::string(kVerifierExitCodes)) + ".\n";
  page += ".SH SEE ALSO\n.BR custody (1)\n";
  return page;
}

std::string OverviewPage(const CLI::App& root) {
  std::string page = Header("custody", "a signed, hash-chained evidence ledger");
  page +=
      ".SH SYNOPSIS\n.nf\ncustody [\\-\\-ledger DIR|URL] [\\-\\-key FILE] [\\-\\-json] COMMAND "
      "\\&...\n.fi\n";
  page += ".SH DESCRIPTION\n" + Paragraphs(Unwrapped(root.get_description()));
  page +=
      ".SH COMMANDS\nEach has a page of its own: custody\\-COMMAND(1), with what it needs, "
      "its inputs and examples.\n";
  for (const CLI::App* leaf : LeafCommands(root)) {
    const std::string path = CommandPath(*leaf);
    page +=
        ".TP\n.B custody " + Roff(path) + "\n" + Roff(FirstLine(leaf->get_description())) + "\n";
  }
  page += Tail(root);
  page +=
      ".SH FILES\n.TP\n$XDG_STATE_HOME/custody/servers/\nPinned notary keys and verified "
      "checkpoints of servers.\n.TP\n$XDG_CACHE_HOME/custody/replicas/\nVerified replicas of "
      "servers' ledgers.\n";
  page += ".SH SEE ALSO\n";
  std::string sep;
  for (const CLI::App* leaf : LeafCommands(root)) {
    std::string name = "custody-" + CommandPath(*leaf);
    for (char& c : name)
      if (c == ' ') c = '-';
    page += sep + ".BR " + Roff(name) + " (1)";  // custody-verify-package(1) among them
    sep = ",\n";
  }
  page += "\n";
  return page;
}

// --- completion ---------------------------------------------------------

// What a value of an option or a positional argument is, by its name.
std::string KindOf(const std::string& path, const std::string& name) {
  static const std::map<std::string, std::string> kKinds = {
      {"--incident", "incident"},
      {"INCIDENT", "incident"},
      {"--subject", "npub"},
      {"NPUB", "npub"},
      {"--new-key", "npub"},
      {"--trust", "npub"},
      {"--admin", "npub"},
      {"STEP", "step"},
      {"--role", "role"},
      {"--sev", "severity"},
      {"SEVERITY", "severity"},
      {"PLAYBOOK", "playbook"},
      {"--playbook", "playbook"},
      {"--audience", "audience"},
      {"--kind", "kind"},
      {"--type", "type"},
      {"SHELL", "shell"},
      {"--key", "@file"},
      {"--out", "@file"},
      {"--file", "@file"},
      {"FILE", "@file"},
      {"--new", "@file"},
      {"--checkpoint", "@file"},
      {"--from", "@file"},
      {"--ca", "@file"},
      {"--notary-key", "@file"},
      {"--tls-cert", "@file"},
      {"--tls-key", "@file"},
      {"--nostr", "@file"},
      {"--notary-passphrase-file", "@file"},
      {"DIR", "@dir"},
      {"--ledger", "@dir"},
      {"--dir", "@dir"},
      {"EVENT", "none"},
  };
  if (name == "ID" && path == "export incident") return "incident";
  if (name == "--format") return path == "timeline" ? "timeline-format" : "pir-format";
  auto it = kKinds.find(name);
  return it == kKinds.end() ? "none" : it->second;
}

std::string Words(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// The completion logic in shell that bash and zsh both run: tables made from
// the tree, then _custody_engine CUR WORD… prints one line, the candidates
// ("@file" or "@dir" for names on disk).
std::string Engine(const CLI::App& root) {
  std::string subs, options, takes, positionals;
  std::vector<const CLI::App*> all{&root};
  for (size_t i = 0; i < all.size(); ++i) {
    const CLI::App& app = *all[i];
    const std::string path = CommandPath(app);
    std::vector<std::string> names, opts, positional;
    for (const CLI::App* sub : app.get_subcommands({}))
      if (!sub->get_group().empty()) {
        names.push_back(sub->get_name());
        all.push_back(sub);
      }
    for (const CLI::Option* o : app.get_options()) {
      if (o->get_lnames().empty()) {
        if (!IsHelpOption(*o)) positional.push_back(KindOf(path, o->get_name()));
        continue;
      }
      for (const std::string& n : o->get_lnames()) {
        opts.push_back("--" + n);
        if (o->get_expected_max() > 0)
          takes += "    \"" + path + " --" + n + "\") echo " + KindOf(path, "--" + n) + ";;\n";
      }
    }
    if (!names.empty()) subs += "    \"" + path + "\") echo \"" + Words(names) + "\";;\n";
    options += "    \"" + path + "\") echo \"" + Words(opts) + "\";;\n";
    if (!positional.empty())
      positionals += "    \"" + path + "\") echo \"" + Words(positional) + "\";;\n";
  }
  std::vector<std::string> steps, roles, types;
  for (const RunbookSection& s : CurrentRunbook().sections)
    for (const RunbookStep& st : s.steps)
      if (StepFormOf(st.id).ok()) steps.push_back(st.id);  // those `custody step` records
  for (uint32_t bit = 1; bit <= kAllRoles; bit <<= 1) roles.emplace_back(RoleName(bit));
  for (int t = 1; t <= static_cast<int>(fb::Payload::MAX); ++t)
    types.emplace_back(PayloadTypeName(static_cast<fb::Payload>(t)));
  std::vector<std::string> playbooks;
  for (const RunbookSection& s : CurrentRunbook().sections)
    if (s.applies == "playbook") playbooks.push_back(s.id);

  std::string e;
  e += "_custody_subcommands() {\n  case \"$1\" in\n" + subs + "  esac\n}\n";
  e += "_custody_options() {\n  case \"$1\" in\n" + options + "  esac\n}\n";
  // An option of the command or of the root (global options go anywhere).
  e += "_custody_takes() {\n  case \"$1 $2\" in\n" + takes + "    *) case \" $2\" in\n" + [&] {
    std::string globals;
    for (const CLI::Option* o : root.get_options())
      for (const std::string& n : o->get_lnames())
        if (o->get_expected_max() > 0)
          globals += "      \" --" + n + "\") echo " + KindOf("", "--" + n) + ";;\n";
    return globals;
  }() + "      esac;;\n  esac\n}\n";
  e += "_custody_positionals() {\n  case \"$1\" in\n" + positionals + "  esac\n}\n";
  e += "_custody_values() {\n  case \"$1\" in\n";
  e += "    step) echo \"" + Words(steps) + "\";;\n";
  e += "    role) echo \"" + Words(roles) + "\";;\n";
  e += "    severity) echo \"" + Words(CurrentRunbook().severities) + "\";;\n";
  e += "    playbook) echo \"" + Words(playbooks) + "\";;\n";
  e += "    type) echo \"" + Words(types) + "\";;\n";
  e += "    audience) echo \"internal external\";;\n";
  e += "    kind) echo \"logs metrics config other\";;\n";
  e += "    shell) echo \"bash zsh\";;\n";
  e += "    timeline-format) echo \"md json jsonl csv html\";;\n";
  e += "    pir-format) echo \"md html\";;\n";
  // (Two forms: zsh does not split an unquoted ${2:+--ledger "$2"}.)
  e += "    incident|npub)\n";
  e += "      if [ -n \"$2\" ]; then custody --ledger \"$2\" complete-words \"$1\" 2>/dev/null\n";
  e += "      else custody complete-words \"$1\" 2>/dev/null; fi;;\n";
  e += "    @file|@dir) echo \"$1\";;\n";
  e += "  esac\n}\n";
  e += R"SH(# _custody_engine CUR WORD...: the words between "custody" and the cursor.
# (No variable is named path: zsh ties that one to PATH.)
_custody_engine() {
  local cur="$1" cmd="" expect="" ledger="" n=0 w kind list
  shift
  for w in "$@"; do
    if [ -n "$expect" ]; then
      [ "$expect" = "--ledger" ] && ledger="$w"
      expect=""
      continue
    fi
    case "$w" in
      --*=*) continue;;
      -*) if [ -n "$(_custody_takes "$cmd" "$w")" ]; then expect="$w"; fi; continue;;
    esac
    list=" $(_custody_subcommands "$cmd") "
    case "$list" in
      *" $w "*) cmd="${cmd:+$cmd }$w"; n=0;;
      *) n=$((n + 1));;
    esac
  done
  if [ -n "$expect" ]; then
    _custody_values "$(_custody_takes "$cmd" "$expect")" "$ledger"
    return
  fi
  case "$cur" in
    -*) echo "$(_custody_options "$cmd") $(_custody_options "")"; return;;
  esac
  list="$(_custody_subcommands "$cmd")"
  if [ -n "$list" ]; then echo "$list"; return; fi
  kind=$(echo "$(_custody_positionals "$cmd")" | awk -v i=$((n + 1)) '{print $i}')
  [ -n "$kind" ] && _custody_values "$kind" "$ledger"
}
)SH";
  return e;
}

}  // namespace

std::map<std::string, std::string> ManPages(const CLI::App& root) {
  std::map<std::string, std::string> pages;
  pages["custody.1"] = OverviewPage(root);
  for (const CLI::App* leaf : LeafCommands(root)) {
    const std::string path = CommandPath(*leaf);
    const CommandHelp* h = FindCommandHelp(path);
    if (!h) continue;  // Document() refuses such a tree before anything runs
    std::string name = "custody-" + path;
    for (char& c : name)
      if (c == ' ') c = '-';
    // "custody verify-package" and the standalone tool share a page name:
    // the page is the standalone tool's, and says so.
    pages[name + ".1"] =
        name == kVerifierName ? VerifierPage(*h) : CommandPage(root, *leaf, *h, name);
  }
  return pages;
}

std::string BashCompletion(const CLI::App& root) {
  return "# bash completion for custody " CUSTODY_VERSION " (made by: custody completion bash)\n" +
         Engine(root) + R"SH(_custody() {
  local cur="${COMP_WORDS[COMP_CWORD]}" line
  line=$(_custody_engine "$cur" "${COMP_WORDS[@]:1:COMP_CWORD-1}")
  case "$line" in
    @file) COMPREPLY=($(compgen -f -- "$cur")); compopt -o filenames 2>/dev/null;;
    @dir) COMPREPLY=($(compgen -d -- "$cur")); compopt -o filenames 2>/dev/null;;
    *) COMPREPLY=($(compgen -W "$line" -- "$cur"));;
  esac
}
complete -F _custody custody
)SH";
}

std::string ZshCompletion(const CLI::App& root) {
  return "#compdef custody\n# zsh completion for custody " CUSTODY_VERSION
         " (made by: custody completion zsh)\n" +
         Engine(root) + R"SH(_custody() {
  local line
  line=$(_custody_engine "${words[CURRENT]}" "${(@)words[2,CURRENT-1]}")
  case "$line" in
    @file) _files;;
    @dir) _files -/;;
    *) compadd -- ${=line};;
  esac
}
if [ "$funcstack[1]" = "_custody" ]; then _custody "$@"; else compdef _custody custody; fi
)SH";
}

namespace {

Status Man(const CLI::App& root, const Context& ctx, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("--out " + dir + ": " + ec.message());
  Json wrote = Json::array();
  std::string text;
  for (const auto& [name, page] : ManPages(root)) {
    const std::string path = dir + "/" + name;
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << page;
    f.close();
    if (!f) return Status::IOError("write " + path);
    wrote.push_back(path);
    text +=
        WroteLine(path, "the manual page " + name.substr(0, name.size() - 2) + "(1)", page.size()) +
        "\n";
  }
  ctx.Print({{"wrote", wrote}, {"dir", dir}}, text);
  return Status::OK();
}

// Incident ids or member npubs for completion, from a ledger directory or a
// server's cached replica: never the network, never a key.
Status CompleteWords(const Context& ctx, const std::string& what) {
  auto where = ctx.LedgerDir();
  if (!where.ok()) return Status::OK();  // nothing to offer
  std::string dir = *where;
  if (IsServerUrl(dir)) {
    RemoteOptions o;
    o.url = dir;
    auto replica = CachedReplicaDir(o);
    if (!replica.ok()) return Status::OK();
    dir = *replica;
  }
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(dir) / "CURRENT", ec)) return Status::OK();
  auto store = Store::OpenReader(dir);
  if (!store.ok()) return store.status();
  std::string out;
  if (what == "incident") {
    auto list = ListIncidents(**store, NowNs());
    if (!list.ok()) return list.status();
    for (const auto& i : *list) out += IncidentName(i.incident) + "\n";
  } else {
    auto members = (*store)->Members();
    if (!members.ok()) return members.status();
    for (const auto& [key, rec] : *members)
      if (rec.roles) out += EncodeNpub(key) + "\n";
  }
  std::cout << out << std::flush;
  return Status::OK();
}

}  // namespace

void AddManualCommands(CLI::App& app, Context& ctx) {
  auto dir = std::make_shared<std::string>();
  auto* man = app.add_subcommand(
      "man", "Write the manual pages (custody.1, one per command) to a directory");
  man->add_option("--out", *dir, "The directory (made if missing)")->required();
  man->callback([&app, &ctx, dir] { ctx.run = [&app, &ctx, dir] { return Man(app, ctx, *dir); }; });

  auto shell = std::make_shared<std::string>();
  auto* completion =
      app.add_subcommand("completion", "Print the shell completion script for bash or zsh");
  completion->add_option("SHELL", *shell, "bash or zsh")->required();
  completion->callback([&app, &ctx, shell] {
    ctx.run = [&app, &ctx, shell]() -> Status {
      if (*shell != "bash" && *shell != "zsh")
        return Status::Usage("completion \"" + Printable(*shell) + "\": want bash or zsh");
      if (ctx.json)
        return Status::Usage(
            "--json: completion prints a shell script (see custody completion "
            "--help)");
      std::cout << (*shell == "bash" ? BashCompletion(app) : ZshCompletion(app)) << std::flush;
      return Status::OK();
    };
  });

  auto what = std::make_shared<std::string>();
  auto* words = app.add_subcommand("complete-words", "Words for shell completion");
  words->group("");  // the completion scripts' own
  words->add_option("WHAT", *what, "incident (their ids) or npub (the members' keys)")
      ->required()
      ->check(CLI::IsMember({"incident", "npub"}));
  words->callback([&ctx, what] { ctx.run = [&ctx, what] { return CompleteWords(ctx, *what); }; });
}

}  // namespace custody::cli
