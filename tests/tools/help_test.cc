// The manual the command line carries: every command's help is walked from
// `custody --help` down, its parts checked, and every example in it run in a
// copy of the directory tools/drill.sh leaves, checking the exit status the
// help states. Each example that is one plain command runs again with --json:
// standard output must then be one JSON document, and a failure
// {"ok": false, "error", "exit"}. The man pages render with man -l, and what
// the build installs is what the binary generates; the completion scripts
// complete in bash and zsh.
#include <signal.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "tests/tools/cli_run.h"

using namespace custody;
using custody::test::Has;
using custody::test::Json;
using custody::test::Run;

namespace {

namespace fs = std::filesystem;

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

struct Shelled {
  int code = -1;
  std::string out, err;
};

// Runs a shell line in dir, custody on the PATH, the ledger of the drill.
Shelled Sh(const std::string& dir, const std::string& line, const std::string& extra_env = "") {
  const std::string bin = fs::path(CUSTODY_BIN).parent_path();
  const std::string cmd = "cd " + Quote(dir) +
                          " && env -u CUSTODY_KEY -u CUSTODY_KEY_FD HOME=" + Quote(dir + "/home") +
                          " XDG_STATE_HOME= XDG_CACHE_HOME= PATH=" + Quote(bin) +
                          ":\"$PATH\" CUSTODY_LEDGER=" + Quote(dir + "/ledger") + " " + extra_env +
                          " timeout 120 sh -c " + Quote(line) + " > " + Quote(dir + "/.out") +
                          " 2> " + Quote(dir + "/.err") + " < /dev/null";
  const int rc = std::system(cmd.c_str());
  Shelled s;
  s.code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  s.out = test::ReadFile(dir + "/.out");
  s.err = test::ReadFile(dir + "/.err");
  return s;
}

// The drill's directory, made once per test process.
const std::string& DrillDir() {
  static test::TempDir tmp;
  static const std::string work = [] {
    const std::string w = tmp / "drill";
    const std::string cmd = "CUSTODY=" + Quote(CUSTODY_BIN) + " " +
                            Quote(std::string(CUSTODY_SOURCE_DIR) + "/tools/drill.sh") + " " +
                            Quote(w) + " > " + Quote(tmp / "drill.out") + " 2>&1";
    const int rc = std::system(cmd.c_str());
    INFO(test::ReadFile(tmp / "drill.out"));
    REQUIRE(rc == 0);
    return w;
  }();
  return work;
}

// A fresh copy of it, for one example.
std::string CopyOfDrill(const test::TempDir& into, const std::string& name) {
  const std::string dir = into / name;
  REQUIRE(std::system(("cp -a " + Quote(DrillDir()) + " " + Quote(dir)).c_str()) == 0);
  fs::create_directories(dir + "/home");
  return dir;
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The subcommands a help screen lists (CLI11: "Subcommands:" then
// "  name   description" lines).
std::vector<std::string> Subcommands(const std::string& help) {
  std::vector<std::string> out;
  bool in = false;
  for (const std::string& line : Lines(help)) {
    if (line == "Subcommands:") {
      in = true;
      continue;
    }
    if (!in) continue;
    if (line.size() < 3 || line[0] != ' ' || line[2] == ' ') {
      if (!line.empty() && line[0] != ' ') in = false;
      continue;
    }
    out.push_back(line.substr(2, line.find(' ', 2) - 2));
  }
  return out;
}

struct HelpExample {
  std::string line;
  int exit = -1;
};

// "Examples (…):" then "  LINE" and its description indented by six, the
// last line ending "[exit N]".
std::vector<HelpExample> Examples(const std::string& help) {
  std::vector<HelpExample> out;
  bool in = false;
  static const std::regex kExit(R"(\[exit (\d+)\]$)");
  for (const std::string& line : Lines(help)) {
    if (line.rfind("Examples", 0) == 0) {
      in = true;
      continue;
    }
    if (!in) continue;
    if (line.empty() || line[0] != ' ') break;
    if (line.rfind("      ", 0) == 0) {
      std::smatch m;
      if (std::regex_search(line, m, kExit) && !out.empty()) out.back().exit = std::stoi(m[1]);
    } else {
      out.push_back({line.substr(2), -1});
    }
  }
  return out;
}

// Every leaf command's path and help, walked from the top.
std::map<std::string, std::string> WalkHelp() {
  std::map<std::string, std::string> leaves;
  std::vector<std::vector<std::string>> todo{{}};
  while (!todo.empty()) {
    auto path = todo.back();
    todo.pop_back();
    auto args = path;
    args.push_back("--help");
    auto o = Run(args);
    INFO("custody " << Catch::StringMaker<std::vector<std::string>>::convert(args));
    REQUIRE(o.code == 0);
    const auto subs = Subcommands(o.out);
    std::string name;
    for (auto& p : path) name += (name.empty() ? "" : " ") + p;
    if (subs.empty()) leaves[name] = o.out;
    for (const auto& s : subs) {
      auto next = path;
      next.push_back(s);
      todo.push_back(next);
    }
  }
  return leaves;
}

// A plain command: one custody invocation, no pipes, lists or redirections.
bool Plain(const std::string& line) {
  if (line.rfind("custody ", 0) != 0) return false;
  std::string outside;  // the line without its $(…) substitutions
  int depth = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line.compare(i, 2, "$(") == 0) {
      ++depth;
      ++i;
      continue;
    }
    if (depth && line[i] == ')') {
      --depth;
      continue;
    }
    if (!depth) outside += line[i];
  }
  return outside.find_first_of("|;&<>") == std::string::npos;
}

// Starts custody serve on a copy of the drill's ledger for the examples that
// need a server ($SERVER, $NOTARY); stops it when done.
struct Server {
  test::TempDir tmp;
  pid_t pid = -1;
  std::string url, notary;
  explicit Server(const std::string& drill) {
    const std::string dir = CopyOfDrill(tmp, "served");
    const std::string out = tmp / "serve.out";
    pid = fork();
    if (pid == 0) {
      freopen(out.c_str(), "w", stdout);
      freopen((tmp / "serve.err").c_str(), "w", stderr);
      execl(CUSTODY_BIN, CUSTODY_BIN, "--ledger", (dir + "/ledger").c_str(), "serve", "--listen",
            "127.0.0.1:0", "--notary-key", (drill + "/notary.nsec").c_str(), "--quiet",
            static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 200 && notary.empty(); ++i) {
      usleep(50000);
      for (const std::string& line : Lines(test::ReadFile(out))) {
        if (line.rfind("serving ", 0) == 0) url = line.substr(8);
        if (line.rfind("notary ", 0) == 0) notary = line.substr(7);
      }
    }
    INFO(test::ReadFile(tmp / "serve.err"));
    REQUIRE(!notary.empty());
  }
  ~Server() {
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
  }
};

}  // namespace

TEST_CASE(
    "Help: every command's help has its parts, and every example runs with the exit status it "
    "states",
    "[help][examples]") {
  const auto leaves = WalkHelp();
  REQUIRE(leaves.size() >= 48);
  const std::string& drill = DrillDir();
  std::unique_ptr<Server> server;
  test::TempDir work;
  int n = 0, with_json = 0;
  std::set<std::string> json_checked;
  for (const auto& [command, help] : leaves) {
    INFO("custody " << command << " --help");
    for (const char* part : {"Needs:", "--json:", "Examples", "Global options", "--ledger", "--key",
                             "--trust", "Exit status:"})
      CHECK(Has(help, part));
    // An appending command names the roles that may run it.
    if (Has(help, "it appends")) CHECK(Has(help, " role"));
    const auto examples = Examples(help);
    CHECK(examples.size() >= 1);
    for (const HelpExample& e : examples) {
      INFO("example: " << e.line);
      REQUIRE(e.exit >= 0);
      // A benchmark takes most of a minute: once, with --json.
      const bool bench = e.line.rfind("custody bench --events 100000", 0) == 0;
      std::string env;
      if (Has(e.line, "$SERVER")) {
        if (!server) server = std::make_unique<Server>(drill);
        env = "SERVER=" + Quote(server->url) + " NOTARY=" + Quote(server->notary);
      }
      const std::string dir = CopyOfDrill(work, "ex" + std::to_string(n++));
      if (!bench) {
        const Shelled r = Sh(dir, e.line, env);
        INFO("stdout: " << r.out.substr(0, 400) << "\nstderr: " << r.err.substr(0, 400));
        CHECK(r.code == e.exit);
        if (e.exit != 0) CHECK(!r.err.empty());  // a refusal says why
      }
      if (!Plain(e.line)) continue;
      // The same with --json: one JSON document, the refusal too.
      const std::string jdir = CopyOfDrill(work, "ex" + std::to_string(n++));
      const Shelled j = Sh(jdir, e.line + " --json", env);
      INFO("with --json: stdout: " << j.out.substr(0, 400) << "\nstderr: " << j.err.substr(0, 400));
      // Refused: a command whose output is never JSON (its help says so), or
      // a form of one whose output is a file's bytes (its help says to give
      // --out).
      const bool refuses = Has(help, "Refused (exit 2)") || (j.code == 2 && Has(j.err, "--json: "));
      CHECK(j.code == (refuses ? 2 : e.exit));
      Json doc;
      REQUIRE_NOTHROW(doc = Json::parse(j.out));
      if (j.code != 0) {
        CHECK(doc["ok"] == false);
        CHECK(doc["exit"] == j.code);
        CHECK(doc["error"].is_string());
      }
      ++with_json;
      json_checked.insert(command);
    }
  }
  // Every command's --json output was parsed at least once.
  for (const auto& [command, help] : leaves) {
    INFO(command);
    CHECK(json_checked.count(command) == 1);
  }
  CHECK(with_json >= 48);
}

TEST_CASE("Help: usage errors point to the command's help, and come as JSON with --json",
          "[help]") {
  auto o = Run({"note"});
  CHECK(o.code == 2);
  CHECK(Has(o.err, "(see custody note --help)"));
  CHECK(o.out.empty());
  o = Run({"--json", "incident", "declare", "--sev", "SEV-1"});
  CHECK(o.code == 2);
  CHECK(Has(o.err, "(see custody incident declare --help)"));
  Json j = Json::parse(o.out);
  CHECK(j["ok"] == false);
  CHECK(j["exit"] == 2);
  CHECK(Has(j["error"].get<std::string>(), "--title"));
  o = Run({"incident", "--json"});
  CHECK(o.code == 2);
  CHECK(Has(o.err, "custody incident --help"));
  CHECK(Json::parse(o.out)["exit"] == 2);
  o = Run({"no-such-command", "--json"});
  CHECK(o.code == 2);
  CHECK(Json::parse(o.out)["ok"] == false);
  CHECK(Has(o.err, "unknown command \"no-such-command\" (see custody --help)"));
  // A word that is not one of a group's commands is named as such.
  o = Run({"incident", "bogus"});
  CHECK(o.code == 2);
  CHECK(Has(o.err, "unknown command \"bogus\" for custody incident (see custody incident --help)"));
  o = Run({"incident", "--bogus"});
  CHECK(o.code == 2);
  CHECK(Has(o.err, "unknown option \"--bogus\" for custody incident"));
  // A refusal of the ledger, as JSON: exit 3.
  test::TempDir t;
  o = Run({"--json", "--ledger", t / "none", "status", "INC-4"});
  CHECK(o.code != 0);
  j = Json::parse(o.out);
  CHECK(j["exit"] == o.code);
  // Commands whose output is not JSON refuse --json, or write their file.
  const std::string& drill = DrillDir();
  o = Run({"--json", "--ledger", drill + "/ledger", "timeline", "INC-4", "--format", "csv"});
  CHECK(o.code == 2);
  CHECK(Has(Json::parse(o.out)["error"].get<std::string>(), "--out"));
  o = Run({"--json", "--ledger", drill + "/ledger", "timeline", "INC-4", "--format", "html",
           "--out", t / "t.html"});
  CHECK(o.code == 0);
  j = Json::parse(o.out);
  CHECK(j["wrote"] == t / "t.html");
  CHECK(j["bytes"] == fs::file_size(t / "t.html"));
  o = Run({"--json", "--ledger", drill + "/ledger", "show", "4", "--raw"});
  CHECK(o.code == 2);
  o = Run({"completion", "bash", "--json"});
  CHECK(o.code == 2);
  CHECK(Json::parse(o.out)["exit"] == 2);
}
