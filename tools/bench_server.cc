// custody bench --server: the server under load (docs/performance.md "Server").
//
// A served ledger in a temporary directory; 20 writer processes (custody
// bench-writer), each with its own key, connection, state and a fresh NIP-98
// event per request, append notes through the CLI's client code for 30 s and
// prove every acknowledgement in a signed tree head. Then the same through a
// loopback proxy that delays each direction by 20 ms; then a remote custody
// note against a local one, and a remote import against a local one.
#include "tools/bench_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "client/remote.h"
#include "ledger/base/encoding.h"
#include "ledger/base/files.h"
#include "ledger/base/time.h"
#include "ledger/keyfile.h"
#include "net/nip98.h"
#include "net/protocol.h"
#include "tools/cli.h"

extern char** environ;

namespace custody::cli {
namespace {

namespace fs = std::filesystem;

double Seconds(int64_t from) { return (NowNs() - from) / 1e9; }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

std::string SelfExe() {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return "custody";
  exe[n] = '\0';
  return exe;
}

// A child custody: args, extra environment, standard output to out_path
// ("" : /dev/null). Returns its pid.
Result<pid_t> Spawn(const std::vector<std::string>& args, const std::vector<std::string>& env_extra,
                    const std::string& out_path, int out_fd = -1) {
  const std::string exe = SelfExe();
  std::vector<std::string> full = {exe};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_store = env_extra;
  std::vector<char*> env;
  for (char** e = environ; *e; ++e) {
    std::string_view v(*e);
    bool overridden = false;
    for (auto& x : env_extra)
      if (v.substr(0, v.find('=') + 1) == x.substr(0, x.find('=') + 1)) overridden = true;
    if (!overridden) env.push_back(*e);
  }
  for (auto& x : env_store) env.push_back(x.data());
  env.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (out_fd >= 0)
    posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  else
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO,
                                     out_path.empty() ? "/dev/null" : out_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid;
  int rc = posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    return Status::IOError("bench: cannot start custody: " + std::string(std::strerror(rc)));
  return pid;
}

Result<double> RunWait(const std::vector<std::string>& args, const std::vector<std::string>& env,
                       const std::string& out_path = "") {
  const int64_t start = NowNs();
  auto pid = Spawn(args, env, out_path);
  if (!pid.ok()) return pid.status();
  int status = 0;
  waitpid(*pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string cmd;
    for (auto& a : args) cmd += " " + a;
    return Status::IOError("bench: custody" + cmd + " failed (exit " +
                           std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
  }
  return Seconds(start);
}

// `custody serve` as a child, its URL and notary read from its output.
struct ServerChild {
  pid_t pid = -1;
  std::string url, notary;
  ~ServerChild() { Stop(); }
  void Stop() {
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    int status;
    waitpid(pid, &status, 0);
    pid = -1;
  }
  // Peak resident memory so far (VmHWM), MiB.
  double PeakMiB() const {
    auto text = ReadSmallFile("/proc/" + std::to_string(pid) + "/status", 1 << 16);
    if (!text.ok()) return 0;
    const size_t at = text->find("VmHWM:");
    return at == std::string::npos ? 0 : std::stod(text->substr(at + 6)) / 1024.0;
  }
};

Status StartServer(const std::vector<std::string>& args, ServerChild* s) {
  int fds[2];
  if (pipe(fds) != 0) return Status::IOError("bench: pipe");
  auto pid = Spawn(args, {}, "", fds[1]);
  close(fds[1]);
  if (!pid.ok()) return pid.status();
  s->pid = *pid;
  std::string text;
  char buf[512];
  while (text.find("notary ") == std::string::npos ||
         text.find('\n', text.find("notary ")) == std::string::npos) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  const size_t u = text.find("serving "), n = text.find("notary ");
  if (u == std::string::npos || n == std::string::npos)
    return Status::IOError("bench: the server did not start");
  s->url = text.substr(u + 8, text.find('\n', u) - u - 8);
  s->notary = text.substr(n + 7, text.find('\n', n) - n - 7);
  return Status::OK();
}

// A TCP proxy on 127.0.0.1 that holds every chunk for delay_ms in each
// direction (a 2 × delay_ms round trip), as a WAN would.
class DelayProxy {
 public:
  DelayProxy(uint16_t target, int delay_ms) : target_(target), delay_ms_(delay_ms) {}
  ~DelayProxy() { Stop(); }
  Result<uint16_t> Start() {
    listen_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listen_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(listen_, 256) != 0)
      return Status::IOError("bench: proxy cannot listen");
    socklen_t len = sizeof a;
    getsockname(listen_, reinterpret_cast<sockaddr*>(&a), &len);
    accept_ = std::thread([this] { AcceptLoop(); });
    return ntohs(a.sin_port);
  }
  void Stop() {
    stop_ = true;
    if (listen_ >= 0) shutdown(listen_, SHUT_RDWR), close(listen_);
    listen_ = -1;
    if (accept_.joinable()) accept_.join();
    std::lock_guard lock(mu_);
    for (int fd : fds_) shutdown(fd, SHUT_RDWR);
    for (auto& t : threads_) t.join();
    for (int fd : fds_) close(fd);
    threads_.clear();
    fds_.clear();
  }

 private:
  struct Chunk {
    int64_t due_ns;
    std::string data;
  };
  void AcceptLoop() {
    while (!stop_) {
      int c = accept(listen_, nullptr, nullptr);
      if (c < 0) return;
      int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(target_);
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        close(c);
        close(s);
        continue;
      }
      int one = 1;
      setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::lock_guard lock(mu_);
      fds_.insert(fds_.end(), {c, s});
      threads_.emplace_back([this, c, s] { Pipe(c, s); });
      threads_.emplace_back([this, c, s] { Pipe(s, c); });
    }
  }
  // Reads from `from`, and writes each chunk to `to` delay_ms after it came.
  void Pipe(int from, int to) {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Chunk> queue;
    bool done = false;
    std::thread writer([&] {
      for (;;) {
        Chunk c;
        {
          std::unique_lock lock(mu);
          cv.wait(lock, [&] { return done || !queue.empty(); });
          if (queue.empty()) return;
          c = std::move(queue.front());
          queue.pop_front();
        }
        const int64_t wait = c.due_ns - NowNs();
        if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
        size_t at = 0;
        while (at < c.data.size()) {
          ssize_t n = send(to, c.data.data() + at, c.data.size() - at, MSG_NOSIGNAL);
          if (n <= 0) return;
          at += static_cast<size_t>(n);
        }
      }
    });
    char buf[65536];
    for (;;) {
      ssize_t n = recv(from, buf, sizeof buf, 0);
      if (n <= 0) break;
      std::lock_guard lock(mu);
      queue.push_back(
          {NowNs() + int64_t{delay_ms_} * 1000000, std::string(buf, static_cast<size_t>(n))});
      cv.notify_one();
    }
    {
      std::lock_guard lock(mu);
      done = true;
      cv.notify_one();
    }
    writer.join();
    shutdown(to, SHUT_WR);
  }

  uint16_t target_;
  int delay_ms_;
  int listen_ = -1;
  std::atomic<bool> stop_{false};
  std::thread accept_;
  std::mutex mu_;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
};

struct LoadResult {
  double seconds = 0;
  uint64_t appends = 0;
  double rate = 0;
  double p50_ms = 0, p99_ms = 0;
  uint64_t retries = 0, errors = 0;
  std::vector<uint64_t> per_writer;
  double server_peak_mib = 0;
  bool all_present = false;
  bool verified = false;
};

struct Team {
  std::string base, ledger, admin_key, notary_key;
  std::vector<std::string> keys;
  std::string admin;
  std::vector<std::string> Env(const std::string& who) const {
    return {"XDG_STATE_HOME=" + base + "/home-" + who + "/state",
            "XDG_CACHE_HOME=" + base + "/home-" + who + "/cache"};
  }
};

Status Bootstrap(Team* t, int writers, ServerChild* server) {
  auto admin = SecretKey::Generate();
  if (!admin.ok()) return admin.status();
  t->admin = EncodeNpub(admin->public_key());
  CUSTODY_RETURN_IF_ERROR(WriteNewKeyFile(t->admin_key, *admin));
  auto notary = SecretKey::Generate();
  if (!notary.ok()) return notary.status();
  CUSTODY_RETURN_IF_ERROR(WriteNewKeyFile(t->notary_key, *notary));
  CUSTODY_RETURN_IF_ERROR(
      StartServer({"--ledger", t->ledger, "serve", "--listen", "127.0.0.1:0", "--notary-key",
                   t->notary_key, "--init", "--admin", t->admin, "--name", "bench", "--quiet"},
                  server));
  auto as_admin = [&](std::vector<std::string> args) {
    args.insert(args.begin(),
                {"--ledger", server->url, "--trust", server->notary, "--key", t->admin_key});
    return RunWait(args, t->Env("admin")).status();
  };
  CUSTODY_RETURN_IF_ERROR(as_admin({"init", "--name", "bench"}));
  CUSTODY_RETURN_IF_ERROR(as_admin({"member", "add", server->notary, "--role", "notary"}));
  for (int i = 0; i < writers; ++i) {
    auto key = SecretKey::Generate();
    if (!key.ok()) return key.status();
    t->keys.push_back(t->base + "/w" + std::to_string(i) + ".nsec");
    CUSTODY_RETURN_IF_ERROR(WriteNewKeyFile(t->keys.back(), *key));
    CUSTODY_RETURN_IF_ERROR(
        as_admin({"member", "add", EncodeNpub(key->public_key()), "--role", "responder"}));
  }
  return Status::OK();
}

// 20 writers for `seconds` against url; every acknowledgement proved.
Result<LoadResult> Load(const Team& t, const std::string& url, const std::string& notary,
                        int seconds, const std::string& tag, ServerChild* server) {
  std::vector<pid_t> pids;
  std::vector<std::string> outs;
  const int64_t start = NowNs();
  for (size_t i = 0; i < t.keys.size(); ++i) {
    outs.push_back(t.base + "/" + tag + "-w" + std::to_string(i) + ".json");
    auto pid = Spawn({"--ledger", url, "--trust", notary, "--key", t.keys[i], "bench-writer",
                      "--seconds", std::to_string(seconds)},
                     t.Env(tag + std::to_string(i)), outs.back());
    if (!pid.ok()) return pid.status();
    pids.push_back(*pid);
  }
  LoadResult r;
  // The server's peak is sampled while it runs.
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) r.errors++;
  }
  r.seconds = Seconds(start);
  r.server_peak_mib = server->PeakMiB();
  std::vector<double> latencies;
  std::vector<std::pair<uint64_t, std::string>> acked;
  for (const std::string& path : outs) {
    auto text = ReadSmallFile(path, 64 << 20);
    if (!text.ok()) return text.status();
    auto j = Json::parse(*text, nullptr, false);
    if (!j.is_object()) return Status::IOError("bench: a writer's report is malformed: " + path);
    r.per_writer.push_back(j["appended"].get<uint64_t>());
    r.appends += r.per_writer.back();
    r.retries += j["retries"].get<uint64_t>();
    r.errors += j["errors"].get<uint64_t>();
    for (auto& l : j["latency_ms"]) latencies.push_back(l.get<double>());
    for (auto& a : j["acked"]) acked.emplace_back(a[0].get<uint64_t>(), a[1].get<std::string>());
  }
  r.rate = r.appends / static_cast<double>(seconds);
  r.p50_ms = Percentile(latencies, 0.50);
  r.p99_ms = Percentile(latencies, 0.99);
  // Every acknowledged event is in the ledger, at its position, with its id.
  server->Stop();
  auto store = Store::OpenReader(t.ledger);
  if (!store.ok()) return store.status();
  r.all_present = true;
  for (auto& [seq, id] : acked) {
    auto ev = (*store)->Get(seq);
    if (!ev.ok() || EncodeHex(ev->id()) != id) r.all_present = false;
  }
  store->reset();
  r.verified = RunWait({"--ledger", t.ledger, "verify"}, {}).ok();
  return r;
}

Json LoadJson(const LoadResult& r) {
  uint64_t lowest =
      r.per_writer.empty() ? 0 : *std::min_element(r.per_writer.begin(), r.per_writer.end());
  const double mean =
      r.per_writer.empty() ? 0 : r.appends / static_cast<double>(r.per_writer.size());
  return {{"seconds", r.seconds},
          {"appends", r.appends},
          {"appends_per_s", r.rate},
          {"p50_ms", r.p50_ms},
          {"p99_ms", r.p99_ms},
          {"retries", r.retries},
          {"errors", r.errors},
          {"per_writer", r.per_writer},
          {"lowest_writer_to_mean", mean > 0 ? lowest / mean : 0},
          {"server_peak_mib", r.server_peak_mib},
          {"every_acknowledged_event_present", r.all_present},
          {"verify_ok", r.verified}};
}

std::string LoadText(const std::string& what, const LoadResult& r) {
  const Json j = LoadJson(r);
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%s: %.0f appends/s (%llu in %.0f s), p50 %.1f ms, p99 %.1f ms, retries %llu, "
                "errors %llu, lowest writer %.2f of the mean, server peak %.1f MiB, acknowledged "
                "all present: %s, verify: %s\n",
                what.c_str(), r.rate, static_cast<unsigned long long>(r.appends), r.seconds,
                r.p50_ms, r.p99_ms, static_cast<unsigned long long>(r.retries),
                static_cast<unsigned long long>(r.errors), j["lowest_writer_to_mean"].get<double>(),
                r.server_peak_mib, r.all_present ? "yes" : "NO", r.verified ? "OK" : "FAILED");
  return buf;
}

}  // namespace

Status BenchWriter(const Context& ctx, int seconds) {
  auto key = ctx.LoadKey();
  if (!key.ok()) return key.status();
  auto server = ctx.Server();
  if (!server.ok()) return server.status();
  CUSTODY_RETURN_IF_ERROR((*server)->Settle(false));
  Json latencies = Json::array(), acked = Json::array();
  uint64_t errors = 0;
  const int64_t end = NowNs() + int64_t{seconds} * 1000000000;
  for (uint64_t i = 0; NowNs() < end; ++i) {
    Draft d;
    d.payload = NotePayload{"load " + std::to_string(i)};
    const int64_t t0 = NowNs();
    auto out = (*server)->Append(*key, {d}, {});
    if (!out.ok()) {
      errors++;
      std::cerr << "bench-writer: " << out.status().message() << "\n";
      continue;
    }
    latencies.push_back((NowNs() - t0) / 1e6);
    acked.push_back({out->back().seq, EncodeHex(out->back().id)});
  }
  // Every acknowledgement proved in a signed tree head.
  CUSTODY_RETURN_IF_ERROR((*server)->Settle(true));
  std::cout << Json{{"appended", acked.size()},
                    {"retries", (*server)->retries()},
                    {"errors", errors},
                    {"latency_ms", latencies},
                    {"acked", acked}}
                   .dump()
            << "\n";
  return Status::OK();
}

// A loopback connection to port, the request sent; -1 on failure.
int SendRequest(const std::string& port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::stoi(port)));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    if (fd >= 0) close(fd);
    return -1;
  }
  return fd;
}

// The live board's latency: how long after `custody note` returns (the event
// acknowledged, durable) an open board's event stream carries it. ms, one per run.
Result<std::vector<double>> BoardLatency(const Team& t, const ServerChild& server, int runs) {
  const std::vector<std::string> as = {"--ledger",    server.url, "--trust",
                                       server.notary, "--key",    t.keys[0]};
  // The admin declares the incident and watches the board; a responder appends.
  const std::string out = t.base + "/declared";
  CUSTODY_RETURN_IF_ERROR(
      RunWait({"--ledger", server.url, "--trust", server.notary, "--key", t.admin_key, "incident",
               "declare", "--sev", "SEV-2", "--title", "board latency"},
              t.Env("admin"), out)
          .status());
  auto declared = ReadSmallFile(out, 256);
  if (!declared.ok()) return declared.status();
  const std::string incident = declared->substr(0, declared->find('\n'));
  auto key = LoadKeyFile(t.admin_key);
  if (!key.ok()) return key.status();
  const std::string board = proto::BoardPagePath(ParseIncidentName(incident).value());
  auto token = MakeSigninToken(*key, server.url + board, NowNs() / 1000000000);
  if (!token.ok()) return token.status();
  const std::string port = server.url.substr(server.url.rfind(':') + 1);
  // Sign in: the cookie from the 303.
  int fd = SendRequest(port, "GET /v1/signin?token=" + *token +
                                 " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  if (fd < 0) return Status::IOError("bench: cannot reach the server");
  std::string answer;
  char buf[65536];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) answer.append(buf, static_cast<size_t>(n));
  close(fd);
  const size_t at = answer.find("custody_session=");
  if (at == std::string::npos)
    return Status::IOError("bench: sign-in refused: " + answer.substr(0, 200));
  const std::string cookie = answer.substr(at, answer.find(';', at) - at);
  // The stream, read by a thread that notes when each marker arrives.
  fd = SendRequest(port, "GET " + board + "/events HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " +
                             cookie + "\r\n\r\n");
  if (fd < 0) return Status::IOError("bench: cannot open the board's stream");
  std::mutex mu;
  std::condition_variable cv;
  std::string seen;
  std::thread reader([&] {
    char b[65536];
    for (ssize_t n; (n = read(fd, b, sizeof b)) > 0;) {
      std::lock_guard lock(mu);
      seen.append(b, static_cast<size_t>(n));
      cv.notify_all();
    }
    std::lock_guard lock(mu);
    seen += "\n(closed)";
    cv.notify_all();
  });
  std::vector<double> ms;
  Status status;
  for (int i = 0; i < runs && status.ok(); ++i) {
    const std::string marker = "board latency marker #" + std::to_string(i) + "#";
    auto note = as;
    note.insert(note.end(), {"note", "--incident", incident, marker});
    auto r = RunWait(note, t.Env("board"));
    if (!r.ok()) {
      status = r.status();
      break;
    }
    const int64_t acked = NowNs();
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(10),
                     [&] {
                       return seen.find(marker) != std::string::npos ||
                              seen.find("(closed)") != std::string::npos;
                     }) ||
        seen.find(marker) == std::string::npos)
      status = Status::IOError("bench: the board never showed event " + std::to_string(i));
    else
      ms.push_back((NowNs() - acked) / 1e6);
  }
  shutdown(fd, SHUT_RDWR);
  reader.join();
  close(fd);
  if (!status.ok()) return status;
  return ms;
}

Status BenchServer(const Context& ctx, const BenchServerArgs& a) {
  char tmpl[] = "/tmp/custody-bench-server-XXXXXX";
  if (!mkdtemp(tmpl)) return Status::IOError("bench: cannot create a temporary directory");
  Team t;
  t.base = tmpl;
  t.ledger = t.base + "/ledger";
  t.admin_key = t.base + "/admin.nsec";
  t.notary_key = t.base + "/notary.nsec";
  ServerChild server;
  std::cerr << "bench --server: bootstrapping a served ledger with " << a.writers << " writers\n";
  CUSTODY_RETURN_IF_ERROR(Bootstrap(&t, a.writers, &server));
  const std::string port = server.url.substr(server.url.rfind(':') + 1);

  std::cerr << "bench --server: " << a.writers << " writers for " << a.seconds
            << " s on loopback\n";
  auto direct = Load(t, server.url, server.notary, a.seconds, "direct", &server);
  if (!direct.ok()) return direct.status();

  // The same through a proxy adding delay_ms each way: the server names the
  // proxy's URL (NIP-98 u tags).
  DelayProxy proxy(static_cast<uint16_t>(std::stoi(port)), a.delay_ms);
  auto proxy_port = proxy.Start();
  if (!proxy_port.ok()) return proxy_port.status();
  const std::string proxy_url = "http://127.0.0.1:" + std::to_string(*proxy_port);
  CUSTODY_RETURN_IF_ERROR(
      StartServer({"--ledger", t.ledger, "serve", "--listen", "127.0.0.1:" + port, "--notary-key",
                   t.notary_key, "--public-url", proxy_url, "--quiet"},
                  &server));
  std::cerr << "bench --server: the same through a proxy adding " << a.delay_ms << " ms each way\n";
  auto delayed = Load(t, proxy_url, server.notary, a.seconds, "delayed", &server);
  proxy.Stop();
  if (!delayed.ok()) return delayed.status();

  // custody note, remote against local, interleaved; then import.
  CUSTODY_RETURN_IF_ERROR(
      StartServer({"--ledger", t.ledger, "serve", "--listen", "127.0.0.1:" + port, "--notary-key",
                   t.notary_key, "--quiet"},
                  &server));
  const std::string local = t.base + "/local";
  std::error_code ec;
  fs::create_directories(local, ec);
  const std::string local_key = t.base + "/local.nsec";
  {
    auto key = SecretKey::Generate();
    if (!key.ok()) return key.status();
    CUSTODY_RETURN_IF_ERROR(WriteNewKeyFile(local_key, *key));
  }
  CUSTODY_RETURN_IF_ERROR(
      RunWait({"--ledger", local + "/ledger", "--key", local_key, "init", "--name", "local"}, {})
          .status());
  // The local ledger as large as the served one: the served events imported.
  const uint64_t served_size = direct->appends + delayed->appends;
  {
    std::ofstream f(t.base + "/fill.jsonl");
    for (uint64_t i = 0; i < served_size; ++i)
      f << "{\"type\":\"note\",\"text\":\"fill " << i << "\"}\n";
  }
  CUSTODY_RETURN_IF_ERROR(
      RunWait({"--ledger", local + "/ledger", "--key", local_key, "import", t.base + "/fill.jsonl"},
              {})
          .status());
  std::vector<double> remote_note, local_note;
  const std::vector<std::string> renv = t.Env("note");
  for (int i = 0; i < a.note_runs; ++i) {
    auto r = RunWait({"--ledger", server.url, "--trust", server.notary, "--key", t.keys[0], "note",
                      "remote " + std::to_string(i)},
                     renv);
    if (!r.ok()) return r.status();
    remote_note.push_back(*r * 1000);
    auto l = RunWait(
        {"--ledger", local + "/ledger", "--key", local_key, "note", "local " + std::to_string(i)},
        {});
    if (!l.ok()) return l.status();
    local_note.push_back(*l * 1000);
  }
  // Import: 100,000 notes, remote against local (each a fresh ledger's worth).
  {
    std::ofstream f(t.base + "/import.jsonl");
    for (uint64_t i = 0; i < a.import_events; ++i)
      f << "{\"type\":\"note\",\"text\":\"imported " << i << "\"}\n";
  }
  auto remote_import = RunWait({"--ledger", server.url, "--trust", server.notary, "--key",
                                t.keys[0], "import", t.base + "/import.jsonl"},
                               renv);
  if (!remote_import.ok()) return remote_import.status();
  auto local_import = RunWait(
      {"--ledger", local + "/ledger", "--key", local_key, "import", t.base + "/import.jsonl"}, {});
  if (!local_import.ok()) return local_import.status();
  std::cerr << "bench --server: the live board's latency\n";
  auto board = BoardLatency(t, server, 20);
  if (!board.ok()) return board.status();
  const double server_peak = server.PeakMiB();
  server.Stop();
  const bool final_verify = RunWait({"--ledger", t.ledger, "verify"}, {}).ok();
  fs::remove_all(t.base, ec);

  const double rn = Percentile(remote_note, 0.5), ln = Percentile(local_note, 0.5);
  const double ri = a.import_events / *remote_import, li = a.import_events / *local_import;
  Json j = {{"writers", a.writers},
            {"loopback", LoadJson(*direct)},
            {"delayed", LoadJson(*delayed)},
            {"delay_ms_each_way", a.delay_ms},
            {"note_remote_median_ms", rn},
            {"note_local_median_ms", ln},
            {"note_remote_to_local", rn / ln},
            {"import_events", a.import_events},
            {"import_remote_per_s", ri},
            {"import_local_per_s", li},
            {"import_remote_to_local", ri / li},
            {"board_latency_median_ms", Percentile(*board, 0.5)},
            {"board_latency_max_ms", Percentile(*board, 1.0)},
            {"server_peak_mib_after_import", server_peak},
            {"final_verify_ok", final_verify},
            {"targets",
             {{"loopback_appends_per_s_ratio_to_500", direct->rate / 500},
              {"loopback_p99_ratio_to_250ms", direct->p99_ms / 250},
              {"note_remote_no_slower", rn <= ln},
              {"import_ratio_to_0_5", (ri / li) / 0.5}}}};
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "custody note: remote median %.1f ms, local median %.1f ms (remote/local %.2f; "
                "target <= 1)\nimport of %llu: remote %.0f/s, local %.0f/s (remote/local %.2f; "
                "target >= 0.5)\ntargets: loopback %.0f appends/s = %.2f x 500; p99 %.1f ms = "
                "%.2f x 250 ms\nlive board: an acknowledged event on an open board after %.0f ms "
                "(median of %zu; max %.0f ms)\nfinal verify: %s\n",
                rn, ln, rn / ln, static_cast<unsigned long long>(a.import_events), ri, li, ri / li,
                direct->rate, direct->rate / 500, direct->p99_ms, direct->p99_ms / 250,
                Percentile(*board, 0.5), board->size(), Percentile(*board, 1.0),
                final_verify ? "OK" : "FAILED");
  ctx.Print(j, LoadText("loopback", *direct) +
                   LoadText("through +" + std::to_string(a.delay_ms) + " ms each way", *delayed) +
                   buf);
  if (!direct->all_present || !delayed->all_present || !direct->verified || !delayed->verified ||
      !final_verify)
    return Status::VerificationFailed(
        "bench --server: an acknowledged event is missing, or verify failed");
  return Status::OK();
}

}  // namespace custody::cli
