// Running the real `custody` binary in tests: a temporary ledger with an
// admin and a responder, driven through the command line.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/testutil.h"

namespace custody::test {

using Json = nlohmann::json;

struct Out {
  int code = -1;
  std::string out, err;
};

// Runs custody with args; env entries "NAME=value" are added; stdin_data is fed to it.
inline Out Run(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
               const std::string& stdin_data = "", int extra_fd = -1) {
  TempDir io;
  const std::string out_path = io / "out", err_path = io / "err", in_path = io / "in";
  std::ofstream(in_path, std::ios::binary) << stdin_data;
  pid_t pid = fork();
  if (pid == 0) {
    int in = open(in_path.c_str(), O_RDONLY),
        out = open(out_path.c_str(), O_WRONLY | O_CREAT, 0600),
        err = open(err_path.c_str(), O_WRONLY | O_CREAT, 0600);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    for (auto& e : env) putenv(const_cast<char*>(e.c_str()));
    unsetenv("CUSTODY_KEY");
    unsetenv("CUSTODY_LEDGER");
    for (auto& e : env) putenv(const_cast<char*>(e.c_str()));
    (void)extra_fd;
    std::vector<char*> argv = {const_cast<char*>(CUSTODY_BIN)};
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(CUSTODY_BIN, argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  Out o;
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.out = ReadFile(out_path);
  o.err = ReadFile(err_path);
  return o;
}

inline bool Has(const std::string& s, const std::string& what) {
  return s.find(what) != std::string::npos;
}
inline std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}
inline int Lines(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

// A ledger with an admin and a responder, driven through the CLI.
struct Fixture {
  TempDir tmp;
  std::string ledger = tmp / "ledger", admin_key = tmp / "admin.nsec", resp_key = tmp / "resp.nsec";
  std::string admin, resp;

  Fixture() {
    admin = Trim(Run({"key", "new", "--out", admin_key}).out);
    resp = Trim(Run({"key", "new", "--out", resp_key}).out);
    REQUIRE(Run({"--ledger", ledger, "--key", admin_key, "init", "--name", "drill"}).code == 0);
    REQUIRE(
        Run({"--ledger", ledger, "--key", admin_key, "member", "add", resp, "--role", "responder"})
            .code == 0);
  }
  Out As(const std::string& key, std::vector<std::string> args) {
    args.insert(args.begin(), {"--ledger", ledger, "--key", key});
    return Run(args);
  }
  Out Admin(std::vector<std::string> args) { return As(admin_key, std::move(args)); }
  Out Resp(std::vector<std::string> args) { return As(resp_key, std::move(args)); }
  Out Read(std::vector<std::string> args) {
    args.insert(args.begin(), {"--ledger", ledger});
    return Run(args);
  }
  size_t Count() { return Json::parse(Read({"--json", "log"}).out).size(); }
};

}  // namespace custody::test
