// Running `custody serve` in tests: started on 127.0.0.1 and a free port,
// its URL and notary read from its standard output, stopped (SIGTERM) by the
// test. And a ledger served from scratch the way a team bootstraps one.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/tools/cli_run.h"

namespace custody::test {

class Served {
 public:
  // custody --ledger dir serve --listen 127.0.0.1:0 --notary-key key args…
  // port "0": a free one.
  Served(const std::string& dir, const std::string& notary_key,
         const std::vector<std::string>& args = {}, const std::string& log_dir = "",
         const std::string& port = "0") {
    int out[2];
    REQUIRE(pipe(out) == 0);
    err_path_ = (log_dir.empty() ? std::string("/tmp") : log_dir) + "/serve-" +
                std::to_string(getpid()) + "-" + std::to_string(counter_++) + ".err";
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(err, 2);
      close(out[0]);
      std::vector<std::string> all = {CUSTODY_BIN,    "--ledger", dir,
                                      "serve",        "--listen", "127.0.0.1:" + port,
                                      "--notary-key", notary_key};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (auto& a : all) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(CUSTODY_BIN, argv.data());
      _exit(127);
    }
    close(out[1]);
    // "serving URL" and "notary NPUB" (then more lines, not waited for).
    std::string text;
    char buf[512];
    while (text.find("\nnotary ") == std::string::npos ||
           text.rfind('\n') <= text.find("\nnotary ")) {
      ssize_t n = read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
    }
    // The lines after (metrics, --init's hint) come in the same write.
    pollfd pfd{out[0], POLLIN, 0};
    while (poll(&pfd, 1, 200) > 0) {
      ssize_t n = read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
    }
    out_fd_ = out[0];
    if (size_t m = text.find("metrics "); m != std::string::npos) {
      metrics_ = text.substr(m + 8, text.find('\n', m) - m - 8);
      metrics_ = metrics_.substr(0, metrics_.rfind("/metrics"));
    }
    const size_t s = text.find("serving "), n = text.find("notary ");
    REQUIRE(s != std::string::npos);
    REQUIRE(n != std::string::npos);
    url_ = text.substr(s + 8, text.find('\n', s) - s - 8);
    notary_ = text.substr(n + 7, text.find('\n', n) - n - 7);
  }
  ~Served() {
    if (pid_ > 0) Stop();
    if (out_fd_ >= 0) close(out_fd_);
  }
  const std::string& url() const { return url_; }
  std::string port() const { return url_.substr(url_.rfind(':') + 1); }
  const std::string& notary() const { return notary_; }
  // http://HOST:PORT of the metrics listener ("" if none).
  const std::string& metrics() const { return metrics_; }
  std::string log() const { return ReadFile(err_path_); }
  // SIGTERM, then the exit code.
  int Stop() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  pid_t pid() const { return pid_; }

 private:
  static inline int counter_ = 0;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string url_, notary_, err_path_, metrics_;
};

// A team's ledger: the server started with --init, the genesis signed by the
// admin's own machine, the notary granted its role, three responders.
struct Team {
  TempDir tmp;
  std::string ledger = tmp / "ledger";
  std::string admin_key = tmp / "admin.nsec", notary_key = tmp / "notary.nsec";
  std::vector<std::string> keys;  // responders' key files
  std::string admin;
  std::vector<std::string> members;  // responders' npubs
  std::unique_ptr<Served> server;

  explicit Team(int responders = 3, const std::vector<std::string>& serve_args = {}) {
    admin = Trim(Run({"key", "new", "--out", admin_key}).out);
    Run({"key", "new", "--out", notary_key});
    server = std::make_unique<Served>(
        ledger, notary_key,
        [&] {
          std::vector<std::string> a = {"--init", "--admin", admin, "--name", "team"};
          a.insert(a.end(), serve_args.begin(), serve_args.end());
          return a;
        }(),
        tmp.path());
    REQUIRE(As(admin_key, {"init", "--name", "team"}).code == 0);
    REQUIRE(As(admin_key, {"member", "add", server->notary(), "--role", "notary"}).code == 0);
    for (int i = 0; i < responders; ++i) {
      keys.push_back(tmp / ("r" + std::to_string(i) + ".nsec"));
      members.push_back(Trim(Run({"key", "new", "--out", keys.back()}).out));
      REQUIRE(As(admin_key, {"member", "add", members.back(), "--role", "responder"}).code == 0);
    }
  }
  // This machine's state and cache for a key: each member has their own
  // laptop.
  std::vector<std::string> Env(const std::string& key) const {
    const std::string home = tmp.path() + "/home-" + std::to_string(std::hash<std::string>()(key));
    return {"XDG_STATE_HOME=" + home + "/state", "XDG_CACHE_HOME=" + home + "/cache"};
  }
  Out As(const std::string& key, std::vector<std::string> args) {
    args.insert(args.begin(),
                {"--ledger", server->url(), "--trust", server->notary(), "--key", key});
    return Run(args, Env(key));
  }
  Out Local(std::vector<std::string> args) {
    args.insert(args.begin(), {"--ledger", ledger});
    return Run(args);
  }
};

}  // namespace custody::test
