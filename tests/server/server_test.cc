// `custody serve` end to end: a server on 127.0.0.1 and a free port, and
// clients — the real binary, and raw HTTP for what a client would never send.
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "ledger/base/encoding.h"
#include "ledger/base/time.h"
#include "ledger/keyfile.h"
#include "net/http_client.h"
#include "net/nip98.h"
#include "net/protocol.h"
#include "tests/server/serve_run.h"

using namespace custody;
using namespace custody::test;
namespace fs = std::filesystem;

namespace {

SecretKey KeyOf(const std::string& path) { return LoadKeyFile(path).value(); }

// One request signed with key by NIP-98 (created_at shifted by skew seconds).
HttpResponse Signed(HttpClient& http, const SecretKey& key, const std::string& method,
                    const std::string& target, const std::string& body = "", int64_t skew = 0) {
  std::optional<Hash32> payload;
  if (!body.empty()) payload = Sha256(AsSpan(body));
  auto auth =
      Nip98Header(key, http.url().base + target, method, payload, NowNs() / 1000000000 + skew);
  auto res = http.Request(method, target, {{"Authorization", auth.value()}}, body);
  REQUIRE(res.ok());
  return *res;
}

Url UrlOf(const Served& s) { return ParseUrl(s.url()).value(); }

// Raw bytes to the server, and what it answers before closing (or timeout).
std::string RawExchange(const Served& s, const std::string& bytes, int wait_ms = 3000) {
  const Url u = UrlOf(s);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(std::stoi(u.port)));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  timeval tv{wait_ms / 1000, (wait_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)!write(fd, bytes.data(), bytes.size());
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

std::vector<std::string> Seqs(const std::string& out) {
  std::vector<std::string> seqs;
  size_t at = 0;
  while ((at = out.find("appended #", at)) != std::string::npos) {
    at += 10;
    seqs.push_back(out.substr(at, out.find(' ', at) - at));
  }
  return seqs;
}

}  // namespace

TEST_CASE(
    "serve: a team bootstraps a ledger remotely, and the admin's key never reaches the server",
    "[server]") {
  Team team(1);
  // The server's directory holds the ledger, no secret: the genesis was
  // signed on the admin's machine.
  Out log = team.Local({"--json", "log"});
  REQUIRE(log.code == 0);
  auto events = Json::parse(log.out);
  REQUIRE(events.size() == 3);
  CHECK(events[0]["type"] == "genesis");
  CHECK(events[0]["author"] == team.admin);
  CHECK(events[1]["type"] == "membership");
  for (auto& entry : fs::recursive_directory_iterator(team.ledger))
    if (entry.is_regular_file()) CHECK_FALSE(Has(ReadFile(entry.path()), "nsec1"));
  // A local writer on a served directory fails at once, naming the server.
  const auto start = std::chrono::steady_clock::now();
  Out local = Run({"--ledger", team.ledger, "--key", team.admin_key, "note", "local"});
  CHECK(local.code == 5);
  CHECK(Has(local.err, team.server->url()));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  // Reading locally still works.
  CHECK(team.Local({"verify"}).code == 0);
}

TEST_CASE("serve: before the notary holds its role, nothing but that grant is acknowledged",
          "[server]") {
  TempDir tmp;
  const std::string admin_key = tmp / "a.nsec", notary_key = tmp / "n.nsec";
  const std::string admin = Trim(Run({"key", "new", "--out", admin_key}).out);
  Run({"key", "new", "--out", notary_key});
  Served s(tmp / "ledger", notary_key, {"--init", "--admin", admin, "--name", "x"}, tmp.path());
  const std::vector<std::string> env = {"XDG_STATE_HOME=" + (tmp / "st"),
                                        "XDG_CACHE_HOME=" + (tmp / "ca")};
  auto as = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--ledger", s.url(), "--trust", s.notary(), "--key", admin_key});
    return Run(args, env);
  };
  // Another name than the server awaits: refused, nothing created.
  CHECK(as({"init", "--name", "y"}).code == 2);
  REQUIRE(as({"init", "--name", "x"}).code == 0);
  Out note = as({"note", "too early"});
  CHECK(note.code == 3);
  CHECK(Has(note.err, "notary role"));
  CHECK(as({"member", "add", s.notary(), "--role", "notary"}).code == 0);
  CHECK(as({"note", "now"}).code == 0);
}

TEST_CASE("serve: three clients with three keys append concurrently, and every event is there once",
          "[server]") {
  Team team(3);
  constexpr int kEach = 15;
  std::vector<std::thread> writers;
  std::vector<std::vector<std::string>> acked(3);
  for (int w = 0; w < 3; ++w)
    writers.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        Out o = team.As(team.keys[w],
                        {"note", "writer " + std::to_string(w) + " #" + std::to_string(i)});
        if (o.code == 0) acked[w].push_back(Seqs(o.out).at(0));
      }
    });
  for (auto& t : writers) t.join();
  std::set<std::string> all;
  for (int w = 0; w < 3; ++w) {
    CHECK(acked[w].size() == kEach);
    all.insert(acked[w].begin(), acked[w].end());
  }
  CHECK(all.size() == 3 * kEach);  // no position given twice
  Out log = team.As(team.keys[0], {"--json", "log"});
  REQUIRE(log.code == 0);
  auto events = Json::parse(log.out);
  std::map<std::string, int> texts;
  for (auto& e : events)
    if (e["type"] == "note") texts[e["summary"].get<std::string>()]++;
  CHECK(texts.size() == 3 * kEach);
  for (auto& [text, n] : texts) CHECK(n == 1);
  CHECK(team.As(team.keys[1], {"verify"}).code == 0);
}

TEST_CASE("serve: every reading command prints the same bytes remotely as locally", "[server]") {
  Team team(1);
  const std::string& r = team.keys[0];
  const std::string admin = team.admin_key;
  REQUIRE(team.As(admin, {"incident", "declare", "--sev", "SEV-2", "--title", "Card keys",
                          "--playbook", "A"})
              .code == 0);
  const std::string inc =
      "INC-" + std::to_string(Json::parse(team.Local({"--json", "log"}).out).size() - 1);
  std::ofstream(team.tmp / "app.log") << "line one\nline two\n";
  REQUIRE(team.As(r, {"evidence", "add", inc, team.tmp / "app.log", "--kind", "logs"}).code == 0);
  CHECK_FALSE(fs::exists("http:"));  // staged in the replica, not in a directory named by the URL
  REQUIRE(team.As(r, {"note", "--incident", inc, "looking at the logs"}).code == 0);
  REQUIRE(team.As(admin, {"checkpoint"}).code == 0);
  // The server's notary stores one on request too (admin or notary only).
  CHECK(team.As(r, {"checkpoint", "--by-notary"}).code == 3);
  {
    const auto by_notary = team.As(admin, {"checkpoint", "--by-notary"});
    REQUIRE(by_notary.code == 0);
    // Said as every append is: "appended #SEQ TYPE ID: ...".
    CHECK(by_notary.out.rfind("appended #", 0) == 0);
    CHECK(Has(by_notary.out, " checkpoint "));
    CHECK(Has(by_notary.out, ": the server's notary's checkpoint of the first "));
  }
  REQUIRE(team.As(r, {"step", inc, "A.2", "--note", "scoped"}).code == 0);
  const std::vector<std::vector<std::string>> reads = {
      {"log"},
      {"--json", "log"},
      {"show", "4"},
      {"show", "4", "--raw"},
      {"show", "6"},
      {"verify"},  // (--json verify reports its own duration)
      {"member", "list"},
      {"checkpoint", "--list"},
      {"prove", "3"},
      {"status", inc},
      {"--json", "status", inc},
      {"timeline", inc, "--format", "md"},
      {"timeline", inc, "--format", "json"},
      {"timeline", inc, "--format", "csv"},
      {"timeline", inc, "--format", "jsonl"},
      {"timeline", inc, "--format", "html"},
      {"pir", "report", inc},
      {"incident", "list"},
      {"--json", "incident", "list"},
  };
  // status judges the incident at the moment it runs, and says when.
  auto unclocked = [](const std::string& out) {
    std::string kept;
    size_t at = 0;
    while (at < out.size()) {
      const size_t nl = std::min(out.find('\n', at), out.size());
      const std::string line = out.substr(at, nl + 1 - at);
      if (!Has(line, "\"judged_at\"")) kept += line;
      at = nl + 1;
    }
    return kept;
  };
  for (const auto& args : reads) {
    INFO(args.back());
    Out local = team.Local(args);
    Out remote = team.As(r, args);
    CHECK(local.code == 0);
    CHECK(remote.code == local.code);
    CHECK(unclocked(remote.out) == unclocked(local.out));
    CHECK(Has(remote.err, "verified against " + team.server->url()));
  }
  // Evidence content comes back as it went in.
  auto ev = Json::parse(team.Local({"--json", "show", "4"}).out);
  const std::string hash = ev["payload"]["sha256"];
  CHECK(team.As(r, {"evidence", "get", hash, "--out", team.tmp / "back.log"}).code == 0);
  CHECK(ReadFile(team.tmp / "back.log") == "line one\nline two\n");
  // stats: the same but the disk figure, which is the server's business.
  Out local_stats = team.Local({"stats"});
  Out remote_stats = team.As(r, {"stats"});
  CHECK(remote_stats.code == 0);
  CHECK(Has(local_stats.out, "disk bytes"));
  CHECK_FALSE(Has(remote_stats.out, "disk bytes"));
  CHECK(remote_stats.out == local_stats.out.substr(0, local_stats.out.find("disk bytes")));
  // Commands a server does not run are refused as usage errors.
  CHECK(team.As(admin, {"projections", "rebuild"}).code == 2);
  CHECK(team.As(admin, {"bench"}).code == 2);
}

TEST_CASE("serve: NIP-98 — non-member, expired, replayed and tampered events are refused",
          "[server][auth]") {
  Team team(1);
  HttpClient http(UrlOf(*team.server), {});
  SecretKey member = KeyOf(team.keys[0]);
  auto outsider = SecretKey::Generate().value();
  const std::string target = std::string(proto::kInfo);
  CHECK(Signed(http, member, "GET", target).status == 200);
  CHECK(Signed(http, outsider, "GET", target).status == 401);
  HttpResponse old = Signed(http, member, "GET", target, "", -120);
  CHECK(old.status == 401);
  CHECK(Has(old.body, "server's time"));
  CHECK(Signed(http, member, "GET", target, "", +120).status == 401);
  // The same event twice.
  auto auth =
      Nip98Header(member, http.url().base + target, "GET", std::nullopt, NowNs() / 1000000000)
          .value();
  CHECK(http.Request("GET", target, {{"Authorization", auth}}, "")->status == 200);
  auto replay = http.Request("GET", target, {{"Authorization", auth}}, "");
  CHECK(replay->status == 401);
  CHECK(Has(replay->body, "replay"));
  // Another URL, another method, a body that is not the one signed.
  auto wrong_u =
      Nip98Header(member, http.url().base + "/v1/head", "GET", std::nullopt, NowNs() / 1000000000);
  CHECK(http.Request("GET", target, {{"Authorization", *wrong_u}}, "")->status == 401);
  auto wrong_m =
      Nip98Header(member, http.url().base + target, "POST", std::nullopt, NowNs() / 1000000000);
  CHECK(http.Request("GET", target, {{"Authorization", *wrong_m}}, "")->status == 401);
  const std::string body = proto::EncodeLeaseRequest({1, {}});
  auto signed_other = Nip98Header(member, http.url().base + std::string(proto::kLease), "POST",
                                  Sha256(AsSpan(std::string("{}"))), NowNs() / 1000000000);
  CHECK(http.Request("POST", std::string(proto::kLease), {{"Authorization", *signed_other}}, body)
            ->status == 401);
  // A tampered event: one character of its base64 changed.
  auto good =
      Nip98Header(member, http.url().base + target, "GET", std::nullopt, NowNs() / 1000000000)
          .value();
  std::string bad = good;
  bad[bad.size() / 2] = bad[bad.size() / 2] == 'A' ? 'B' : 'A';
  CHECK(http.Request("GET", target, {{"Authorization", bad}}, "")->status == 401);
  CHECK(http.Request("GET", target, {}, "")->status == 401);
  // A member without the role: 403; a removed member reads nothing.
  CHECK(team.As(team.keys[0], {"member", "add", team.admin, "--role", "auditor"}).code == 3);
  REQUIRE(team.As(team.admin_key, {"member", "remove", team.members[0]}).code == 0);
  CHECK(Signed(http, member, "GET", target).status == 401);
  Out removed = team.As(team.keys[0], {"log"});
  CHECK(removed.code == 3);
  CHECK(Has(removed.err, "not a member"));
  CHECK(Lines(removed.err) == 1);
  // The ledger holds nothing of any of it.
  CHECK(Json::parse(team.Local({"--json", "log"}).out).size() == 4);
}

TEST_CASE("serve: a client whose saved checkpoint the server does not extend exits 1", "[server]") {
  Team team(1);
  const std::string& r = team.keys[0];
  REQUIRE(team.As(r, {"note", "one"}).code == 0);
  // The same URL throughout: what a client remembers is per server.
  const std::string port = team.server->port();
  auto restart = [&] {
    team.server = std::make_unique<Served>(team.ledger, team.notary_key, std::vector<std::string>{},
                                           team.tmp.path(), port);
  };
  REQUIRE(team.server->Stop() == 0);
  fs::copy(team.ledger, team.tmp / "older", fs::copy_options::recursive);
  restart();
  REQUIRE(team.As(r, {"note", "two"}).code == 0);
  REQUIRE(team.As(r, {"log"}).code == 0);  // the client verified the longer log
  REQUIRE(team.server->Stop() == 0);
  // The operator restores the older copy: the log rolls back.
  fs::remove_all(team.ledger);
  fs::rename(team.tmp / "older", team.ledger);
  restart();
  Out rolled = team.As(r, {"log"});
  CHECK(rolled.code == 1);
  CHECK(Has(rolled.err, "does not extend"));
  CHECK(Lines(rolled.err) == 1);
  Out append = team.As(r, {"note", "three"});
  CHECK(append.code == 1);
  // After a legitimate restore the user re-pins deliberately.
  auto env = team.Env(r);
  CHECK(Run({"trust", "reset", team.server->url()}, env).code == 0);
  CHECK(team.As(r, {"log"}).code == 0);
}

TEST_CASE("serve: a client that stalls holding a lease delays the others about a second",
          "[server]") {
  Team team(2);
  HttpClient http(UrlOf(*team.server), {});
  SecretKey staller = KeyOf(team.keys[0]);
  HttpResponse lease =
      Signed(http, staller, "POST", std::string(proto::kLease), proto::EncodeLeaseRequest({1, {}}));
  REQUIRE(lease.status == 200);
  // The lease is never used. Another member appends meanwhile.
  const auto start = std::chrono::steady_clock::now();
  Out o = team.As(team.keys[1], {"note", "not blocked for long"});
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(o.code == 0);
  CHECK(took < std::chrono::seconds(5));
  // The stalled lease has lapsed: its token is refused (503, retry).
  auto token = proto::ParseLease(lease.body).value().token;
  auto auth = Nip98Header(staller, http.url().base + std::string(proto::kAppend), "POST",
                          Sha256(AsSpan(std::string("x"))), NowNs() / 1000000000);
  auto late =
      http.Request("POST", std::string(proto::kAppend),
                   {{"Authorization", *auth}, {std::string(proto::kLeaseHeader), token}}, "x");
  CHECK(late->status != 200);
}

TEST_CASE("serve: SIGTERM during appends loses nothing acknowledged", "[server]") {
  Team team(3);
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  std::mutex mu;
  std::vector<std::pair<std::string, std::string>> acked;  // seq, id
  for (int w = 0; w < 3; ++w)
    writers.emplace_back([&, w] {
      for (int i = 0; !stop && i < 200; ++i) {
        Out o = team.As(team.keys[w],
                        {"--json", "note", "w" + std::to_string(w) + "-" + std::to_string(i)});
        if (o.code != 0) continue;
        auto j = Json::parse(o.out);
        std::lock_guard lock(mu);
        acked.emplace_back(std::to_string(j["seq"].get<uint64_t>()), j["id"]);
      }
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(team.server->Stop() == 0);
  stop = true;
  for (auto& t : writers) t.join();
  REQUIRE_FALSE(acked.empty());
  for (auto& [seq, id] : acked) {
    Out o = team.Local({"--json", "show", seq});
    REQUIRE(o.code == 0);
    CHECK(Json::parse(o.out)["id"] == id);
  }
  CHECK(team.Local({"verify"}).code == 0);
  // And the server comes back on the same directory.
  Served again(team.ledger, team.notary_key, {}, team.tmp.path());
  CHECK(again.Stop() == 0);
}

TEST_CASE("serve: TLS with a certificate for its name, and another name is refused",
          "[server][tls]") {
  TempDir tmp;
  auto cert = [&](const std::string& name, const std::string& san) {
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
        "-nodes -days 2 -subj /CN=" +
        name + " -addext subjectAltName=" + san + " -keyout " + (tmp / (name + ".key")) + " -out " +
        (tmp / (name + ".pem")) + " 2>/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
  };
  cert("localhost", "DNS:localhost,IP:127.0.0.1");
  cert("elsewhere", "DNS:elsewhere.example");
  const std::string admin_key = tmp / "a.nsec", notary_key = tmp / "n.nsec";
  const std::string admin = Trim(Run({"key", "new", "--out", admin_key}).out);
  Run({"key", "new", "--out", notary_key});
  const std::vector<std::string> env = {"XDG_STATE_HOME=" + (tmp / "st"),
                                        "XDG_CACHE_HOME=" + (tmp / "ca")};
  {
    Served s(tmp / "ledger", notary_key,
             {"--init", "--admin", admin, "--name", "tls", "--tls-cert", tmp / "localhost.pem",
              "--tls-key", tmp / "localhost.key"},
             tmp.path());
    CHECK(s.url().rfind("https://127.0.0.1:", 0) == 0);
    Out init = Run({"--ledger", s.url(), "--trust", s.notary(), "--ca", tmp / "localhost.pem",
                    "--key", admin_key, "init", "--name", "tls"},
                   env);
    CHECK(init.code == 0);
    // Without the CA: the chain does not verify.
    Out unknown = Run({"--ledger", s.url(), "--trust", s.notary(), "--key", admin_key, "log"}, env);
    CHECK(unknown.code == 4);
    CHECK(Has(unknown.err, "TLS"));
  }
  {
    fs::remove_all(tmp / "ledger2");
    Served s(tmp / "ledger2", notary_key,
             {"--init", "--admin", admin, "--name", "tls", "--tls-cert", tmp / "elsewhere.pem",
              "--tls-key", tmp / "elsewhere.key"},
             tmp.path());
    Out other = Run({"--ledger", s.url(), "--trust", s.notary(), "--ca", tmp / "elsewhere.pem",
                     "--key", admin_key, "init", "--name", "tls"},
                    env);
    CHECK(other.code == 4);
    CHECK(Lines(other.err) == 1);
  }
  // Plain HTTP is for loopback only.
  Out plain =
      Run({"--ledger", "http://example.com:80", "--trust", admin, "--key", admin_key, "log"});
  CHECK(plain.code == 2);
}

TEST_CASE("serve: hostile HTTP — the server stays up, answers within its limits, writes nothing",
          "[server][hostile]") {
  Team team(1, {"--header-timeout-ms", "1500"});
  const size_t before = Json::parse(team.Local({"--json", "log"}).out).size();
  Served& s = *team.server;
  CHECK(Has(RawExchange(s, "GARBAGE\r\n\r\n"), " 400 "));
  CHECK(Has(RawExchange(s, "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"),
            " 431 "));
  CHECK(Has(RawExchange(s, "GET /healthz HTTP/1.1\r\nHost: x\r\nX: " + std::string(10000, 'b') +
                               "\r\n\r\n"),
            " 431 "));
  CHECK(Has(RawExchange(s, "GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"), " 401 "));
  CHECK(Has(RawExchange(s, "GET /v1/blobs/../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"),
            " 401 "));
  CHECK(
      Has(RawExchange(s, "POST /v1/lease HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n"),
          " 401 "));
  // A member's oversized body is refused before it is read.
  HttpClient http(UrlOf(s), {});
  SecretKey member = KeyOf(team.keys[0]);
  // (Its header only: the server answers and closes without reading it.)
  const std::string big(2 << 20, 'x');
  auto big_auth = Nip98Header(member, s.url() + std::string(proto::kLease), "POST",
                              Sha256(AsSpan(big)), NowNs() / 1000000000);
  CHECK(Has(RawExchange(s, "POST /v1/lease HTTP/1.1\r\nHost: x\r\nAuthorization: " + *big_auth +
                               "\r\nContent-Length: " + std::to_string(big.size()) + "\r\n\r\n"),
            " 413 "));
  CHECK(Signed(http, member, "POST", std::string(proto::kLease), "{not json").status == 400);
  CHECK(Signed(http, member, "GET", "/v1/events/99999").status == 404);
  CHECK(Signed(http, member, "GET", "/v1/events/..%2f..%2fetc").status == 404);
  CHECK(Signed(http, member, "GET", "/v1/blobs/../../etc/passwd").status == 404);
  // A slow client: sends half a header and nothing more; it is dropped.
  std::string slow = RawExchange(s, "GET /healthz HTTP/1.1\r\nHo", 8000);
  CHECK(slow.empty());
  // Hundreds of idle connections, and the server still answers.
  std::vector<int> idle;
  for (int i = 0; i < 500; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(std::stoi(UrlOf(s).port)));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) idle.push_back(fd);
  }
  CHECK(Has(RawExchange(s, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"), " 200 "));
  for (int fd : idle) close(fd);
  CHECK(team.As(team.keys[0], {"note", "still here"}).code == 0);
  CHECK(Json::parse(team.Local({"--json", "log"}).out).size() == before + 1);
}

TEST_CASE("serve: metrics on their own listener, one log line per request, no secrets",
          "[server]") {
  Team team(1, {"--metrics-listen", "127.0.0.1:0"});
  REQUIRE(team.As(team.keys[0], {"note", "counted"}).code == 0);
  REQUIRE_FALSE(team.server->metrics().empty());
  HttpClient metrics(ParseUrl(team.server->metrics()).value(), {});
  auto m = metrics.Request("GET", "/metrics", {}, "");
  REQUIRE(m.ok());
  CHECK(m->status == 200);
  CHECK(Has(m->body, "custody_appends_total "));
  CHECK(Has(m->body, "custody_conflicts_total "));
  CHECK(Has(m->body, "custody_append_seconds_bucket{le=\"+Inf\"}"));
  CHECK(Has(m->body, "custody_connections "));
  // Metrics are not on the API's listener.
  HttpClient api(UrlOf(*team.server), {});
  CHECK(api.Request("GET", "/metrics", {}, "")->status == 401);
  std::string log = team.server->log();
  CHECK(Has(log, "POST /v1/append 200"));
  CHECK_FALSE(Has(log, "?from="));  // never a query string
  CHECK_FALSE(Has(log, "Nostr "));  // never a token
}

TEST_CASE("serve: backup on a served ledger, and the restore procedure of docs/server.md",
          "[server]") {
  Team team(1);
  const std::string& r = team.keys[0];
  REQUIRE(team.As(team.admin_key, {"incident", "declare", "--sev", "SEV-3", "--title", "b"}).code ==
          0);
  std::ofstream(team.tmp / "snap.log") << "evidence kept by the backup\n";
  REQUIRE(team.As(r, {"evidence", "add", "INC-3", team.tmp / "snap.log"}).code == 0);
  // A local backup of a served directory names the server; a responder may not.
  Out local = Run({"--ledger", team.ledger, "backup", "--out", team.tmp / "nope"});
  CHECK(local.code == 5);
  CHECK(Has(local.err, team.server->url()));
  CHECK(team.As(r, {"backup", "--out", team.tmp / "nope"}).code == 3);
  CHECK(team.As(team.admin_key, {"backup", "--out", "relative"}).code == 2);
  const std::string backup = team.tmp / "backup";
  REQUIRE(team.As(team.admin_key, {"backup", "--out", backup}).code == 0);
  REQUIRE(team.As(r, {"note", "after the backup"}).code == 0);
  REQUIRE(team.As(r, {"log"}).code == 0);
  // The backup is a ledger: it verifies, evidence content included.
  CHECK(Run({"--ledger", backup, "verify"}).code == 0);
  // Restore: stop, put the backup in place, start on the same URL.
  const std::string port = team.server->port();
  REQUIRE(team.server->Stop() == 0);
  fs::rename(team.ledger, team.tmp / "damaged");
  fs::rename(backup, team.ledger);
  team.server = std::make_unique<Served>(team.ledger, team.notary_key, std::vector<std::string>{},
                                         team.tmp.path(), port);
  // A client that saw the later event refuses the restored server until its
  // user re-pins, deliberately.
  CHECK(team.As(r, {"log"}).code == 1);
  CHECK(Run({"trust", "reset", team.server->url()}, team.Env(r)).code == 0);
  Out after = team.As(r, {"verify"});
  CHECK(after.code == 0);
  CHECK(team.As(r, {"note", "after the restore"}).code == 0);
}
