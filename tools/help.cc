#include "tools/help.h"

#include <algorithm>
#include <set>

#include "ledger/membership.h"
#include "projections/actions.h"
#include "projections/runbook.h"

namespace custody::cli {

std::string CommandPath(const CLI::App& app) {
  std::string path;
  for (const CLI::App* a = &app; a && a->get_parent(); a = a->get_parent())
    path = a->get_name() + (path.empty() ? "" : " " + path);
  return path;
}

namespace {

void CollectLeaves(const CLI::App& app, std::vector<const CLI::App*>* out) {
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_group().empty()) continue;  // hidden: not for people
    if (sub->get_subcommands({}).empty())
      out->push_back(sub);
    else
      CollectLeaves(*sub, out);
  }
}

std::string RolesSentence(uint32_t roles) {
  std::vector<std::string> names;
  for (uint32_t bit = 1; bit <= kAllRoles; bit <<= 1)
    if (roles & bit) names.emplace_back(RoleName(bit));
  std::string s;
  for (size_t i = 0; i < names.size(); ++i)
    s += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return s;
}

}  // namespace

std::string Wrap(std::string_view text, size_t indent, size_t width) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line[0] == ' ') {
      out += std::string(indent, ' ') + std::string(line) + "\n";
    } else {
      std::string current(indent, ' ');
      size_t pos = 0;
      while (pos < line.size()) {
        size_t space = line.find(' ', pos);
        if (space == std::string_view::npos) space = line.size();
        std::string_view word = line.substr(pos, space - pos);
        if (current.size() > indent && current.size() + 1 + word.size() > width) {
          out += current + "\n";
          current = std::string(indent, ' ');
        }
        if (current.size() > indent) current += ' ';
        current += word;
        pos = space + 1;
      }
      out += current + "\n";
    }
    start = end + 1;
  }
  return out;
}

namespace {

// The runbook's steps as `custody step` records them: each id, what it
// records, and the options it takes (projections/actions.h StepFormOf).
std::string StepTable() {
  std::string out =
      "STEP is a step of the runbook compiled in (RUNBOOK.md); those recorded with this "
      "command, and the options each one needs (--note and --subject go with any):\n";
  for (const RunbookSection& section : CurrentRunbook().sections)
    for (const RunbookStep& step : section.steps) {
      auto form = StepFormOf(step.id);
      if (!form.ok()) continue;
      std::string opts;
      auto add = [&](uint32_t bit, const char* name) {
        if (form->needs & bit)
          opts += std::string(opts.empty() ? "" : " ") + name;
        else if (form->needs_one & bit)
          opts += std::string(opts.empty() ? "" : " ") + "[" + name + "]";
      };
      add(kStepNewKey, "--new-key NPUB");
      add(kStepSecretLabel, "--secret-label LABEL");
      add(kStepChannel, "--channel TEXT");
      add(kStepStableSince, "--stable-since TIME");
      add(kStepSubject, "--subject NPUB");
      std::string id = "  " + step.id;
      id.resize(std::max<size_t>(id.size() + 1, 13), ' ');
      // Long texts end at a word, with an ellipsis (RUNBOOK.md has them whole).
      std::string what = step.text;
      if (what.size() > 70) {
        const size_t cut = what.rfind(' ', 69);
        what = what.substr(0, cut == std::string::npos ? 69 : cut) + " …";
      }
      out += id + what + (opts.empty() ? "" : "\n             needs " + opts) + "\n";
    }
  out +=
      "([...]: at least one of them.) Other steps are recorded by commands of their own "
      "(custody step names the command when given one), or hold by what the runbook judges "
      "(custody status).";
  return out;
}

}  // namespace

std::vector<const CLI::App*> LeafCommands(const CLI::App& root) {
  std::vector<const CLI::App*> out;
  CollectLeaves(root, &out);
  return out;
}

std::string InputsText(const CommandHelp& h) {
  std::string out = h.path == "step" ? StepTable() : "";
  if (!h.inputs.empty()) out += (out.empty() ? "" : "\n") + std::string(h.inputs);
  return out;
}

std::string JsonText(const CommandHelp& h) {
  switch (h.json_form) {
    case JsonForm::kRefused:
      return "Refused (exit 2): " + std::string(h.json) + ".";
    case JsonForm::kWithOut:
    case JsonForm::kDocument:
      break;
  }
  return std::string(h.json);
}

std::string NeedsText(const CommandHelp& h) {
  switch (h.needs) {
    case Needs::kNothing:
      return "Nothing: no ledger and no key.";
    case Needs::kKeyOnly:
      return "A key (--key), and no ledger.";
    case Needs::kRead:
      return "Read access to the ledger directory (no key); against a server, any member's "
             "key.";
    case Needs::kLocal:
      return "The ledger directory itself, on its machine: this command does not run against "
             "a server.";
    case Needs::kServer:
      return "A server (--ledger https://HOST:PORT) and any member's key.";
    case Needs::kCopy:
      return "The ledger directory (no key); against a server, an admin's key: the server makes "
             "the copy on its own machine.";
    case Needs::kAppend:
      break;
  }
  uint32_t roles = 0;
  std::string types;
  for (fb::Payload t : h.appends) {
    roles |= RolesAllowedToAppend(t);
    types += (types.empty() ? "" : ", ") + std::string(PayloadTypeName(t));
  }
  return "A key (--key) of a member with the " + RolesSentence(roles) +
         " role: it appends events of type " + (h.appends.size() == 1 ? types : "one of " + types) +
         " (the permission table: docs/cli.md, \"Permissions\").";
}

std::string GlobalOptionsText(const CLI::App& root) {
  std::string out;
  for (const CLI::Option* o : root.get_options()) {
    const std::string name = o->get_name(false, true);
    if (name == "--help" || name == "--version" || name == "-h,--help" || name.empty()) continue;
    if (o->get_lnames().empty()) continue;
    std::string left = "  --" + o->get_lnames().front();
    if (o->get_expected_max() > 0) left += " " + o->get_type_name();
    left.resize(std::max<size_t>(left.size() + 2, 22), ' ');
    out += left + o->get_description() + "\n";
  }
  return out;
}

const CommandHelp* FindCommandHelp(std::string_view path) {
  for (const CommandHelp& h : CommandHelps())
    if (h.path == path) return &h;
  return nullptr;
}

Status Document(CLI::App& root) {
  const std::string globals = GlobalOptionsText(root);
  std::set<std::string_view> used;
  for (const CLI::App* leaf : LeafCommands(root)) {
    const std::string path = CommandPath(*leaf);
    const CommandHelp* h = FindCommandHelp(path);
    if (!h) return Status::IOError("internal: custody " + path + " has no help entry");
    used.insert(h->path);
    std::string f = "\nNeeds:\n" + Wrap(NeedsText(*h), 2);
    if (const std::string inputs = InputsText(*h); !inputs.empty())
      f += "\nInputs:\n" + Wrap(inputs, 2);
    f += "\n--json:\n" + Wrap(JsonText(*h), 2);
    f += "\nExamples (in the directory tools/drill.sh leaves; exit status in brackets):\n";
    for (const Example& e : h->examples)
      f += "  " + std::string(e.line) + "\n" +
           Wrap(std::string(e.what) + " [exit " + std::to_string(e.exit) + "]", 6);
    f += "\nGlobal options (before or after the command):\n" + globals;
    f += "\nExit status: " + std::string(kExitCodes) + ".\n";
    const_cast<CLI::App*>(leaf)->footer(f);
  }
  for (const CommandHelp& h : CommandHelps())
    if (!used.count(h.path))
      return Status::IOError("internal: help entry \"" + std::string(h.path) +
                             "\" names no command");
  // Groups: where their commands' help is, and the global options.
  std::vector<CLI::App*> groups{&root};
  while (!groups.empty()) {
    CLI::App* g = groups.back();
    groups.pop_back();
    for (CLI::App* sub : g->get_subcommands({}))
      if (!sub->get_subcommands({}).empty()) groups.push_back(sub);
    if (g == &root) {
      g->footer(
          "\nEach command's help (custody COMMAND --help) says what it needs, its inputs, "
          "what --json prints, and examples to run in the directory tools/drill.sh "
          "leaves. Manual pages: man custody, man custody-COMMAND.\n");
      continue;
    }
    g->footer("\nRun custody " + CommandPath(*g) +
              " COMMAND --help for what each command needs, its inputs and examples.\n" +
              "\nGlobal options (before or after the command):\n" + globals +
              "\nExit status: " + std::string(kExitCodes) + ".\n");
  }
  return Status::OK();
}

}  // namespace custody::cli
