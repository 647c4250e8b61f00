// The server in use (docs/server.md): the public tree a monitor follows
// (C2SP tlog-tiles), browser sign-in, and the incident board's event stream,
// over raw HTTP on 127.0.0.1 — what a browser or a monitor would send.
// tests/interop/board.mjs drives the page itself in headless Chromium.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <map>

#include "ledger/base/encoding.h"
#include "ledger/base/time.h"
#include "ledger/checkpoint.h"
#include "ledger/keyfile.h"
#include "ledger/merkle.h"
#include "ledger/nostr.h"
#include "ledger/tiles.h"
#include "net/http_client.h"
#include "net/nip98.h"
#include "net/protocol.h"
#include "tests/ledger/reference_merkle.h"
#include "tests/server/serve_run.h"

using namespace custody;
using namespace custody::test;

namespace {

struct Answer {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case; repeated ones joined by "\n"
  std::string body;
};

int Connect(const Served& s) {
  const std::string port = s.port();
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(std::stoi(port)));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

Answer Parse(const std::string& raw) {
  Answer a;
  const size_t end = raw.find("\r\n\r\n");
  REQUIRE(end != std::string::npos);
  a.status = std::stoi(raw.substr(9, 3));
  size_t at = raw.find("\r\n") + 2;
  while (at < end) {
    const size_t eol = raw.find("\r\n", at);
    const std::string line = raw.substr(at, eol - at);
    const size_t colon = line.find(':');
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string& v = a.headers[name];
    v += (v.empty() ? "" : "\n") + line.substr(line.find_first_not_of(' ', colon + 1));
    at = eol + 2;
  }
  a.body = raw.substr(end + 4);
  return a;
}

// One request on its own connection (Connection: close), the whole answer.
Answer Http(const Served& s, const std::string& method, const std::string& target,
            const std::vector<std::string>& headers = {}, const std::string& body = "") {
  int fd = Connect(s);
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& h : headers) req += h + "\r\n";
  if (!body.empty() || method == "POST")
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  REQUIRE(write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size()));
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string raw;
  char buf[16384];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) raw.append(buf, static_cast<size_t>(n));
  close(fd);
  return Parse(raw);
}

// A NIP-98 Authorization header for key.
std::string Nip98(const Served& s, const std::string& key_file, const std::string& method,
                  const std::string& target) {
  auto key = LoadKeyFile(key_file).value();
  return "Authorization: " +
         Nip98Header(key, s.url() + target, method, std::nullopt, NowNs() / 1000000000).value();
}

std::string Bytes2(const std::string& b, size_t at) { return b.substr(at, 32); }

// An open board stream: what it has sent so far, read as it comes.
class EventStream {
 public:
  EventStream(const Served& s, const std::string& target, const std::string& cookie) {
    fd_ = Connect(s);
    const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + cookie +
                            "\r\nAccept: text/event-stream\r\n\r\n";
    REQUIRE(write(fd_, req.data(), req.size()) == static_cast<ssize_t>(req.size()));
  }
  ~EventStream() { close(fd_); }
  // Reads until text holds `what` after `from` (true) or the connection ends
  // or timeout_ms pass (false).
  bool WaitFor(const std::string& what, size_t from = 0, int timeout_ms = 20000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (text_.find(what, from) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0 || closed_) return false;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[65536];
      const ssize_t n = read(fd_, buf, sizeof buf);
      if (n <= 0)
        closed_ = true;
      else
        text_.append(buf, static_cast<size_t>(n));
    }
    return true;
  }
  // Reads until the server closes (true) or timeout_ms pass.
  bool WaitClosed(int timeout_ms = 20000) {
    WaitFor(std::string(1, '\0'), 0, timeout_ms);
    return closed_;
  }
  const std::string& text() const { return text_; }
  // The last "event: state" message's data.
  nlohmann::json LastState() const {
    const size_t at = text_.rfind("event: state\ndata: ");
    REQUIRE(at != std::string::npos);
    const size_t start = at + 19;
    return nlohmann::json::parse(text_.substr(start, text_.find('\n', start) - start));
  }

 private:
  int fd_ = -1;
  bool closed_ = false;
  std::string text_;
};

// Signs in with a token of key for the board of incident: the cookie pair.
std::string SignIn(const Served& s, const std::string& key_file, const std::string& incident) {
  auto key = LoadKeyFile(key_file).value();
  auto token =
      MakeSigninToken(key, s.url() + "/v1/incidents/" + incident + "/board", NowNs() / 1000000000)
          .value();
  Answer a = Http(s, "GET", "/v1/signin?token=" + token);
  REQUIRE(a.status == 303);
  const std::string c = a.headers["set-cookie"];
  return c.substr(0, c.find(';'));
}

}  // namespace

TEST_CASE(
    "public tree: a monitor checks every leaf of a 1,000-event ledger from the served tiles alone",
    "[server][tiles]") {
  Team team(1);
  {
    std::ofstream lines(team.tmp / "notes.jsonl");
    for (int i = 0; i < 1000; ++i) lines << R"({"type":"note","text":"note )" << i << "\"}\n";
  }
  REQUIRE(team.As(team.admin_key, {"import", team.tmp / "notes.jsonl"}).code == 0);

  // The checkpoint: no authentication, cached a few seconds at most.
  Answer cp = Http(*team.server, "GET", "/tlog/checkpoint");
  REQUIRE(cp.status == 200);
  CHECK(cp.headers["content-type"] == "text/plain; charset=utf-8");
  CHECK(cp.headers["cache-control"] == "public, max-age=2");
  auto checkpoint = VerifyCheckpointNote(cp.body, DecodeNpub(team.server->notary()).value(), "");
  REQUIRE(checkpoint.ok());
  const uint64_t n = checkpoint->size;
  REQUIRE(n >= 1000);
  REQUIRE(n < 65536);

  // Level 0, full and partial: every leaf hash; no authentication, cached for good.
  std::vector<Hash32> leaves;
  for (uint64_t t = 0; t * 256 < n; ++t) {
    const uint64_t w = std::min<uint64_t>(256, n - t * 256);
    TileRef ref;
    ref.index = t;
    ref.width = static_cast<unsigned>(w);
    Answer tile = Http(*team.server, "GET", "/tlog/" + TilePath(ref));
    INFO(TilePath(ref));
    REQUIRE(tile.status == 200);
    CHECK(tile.headers["content-type"] == "application/octet-stream");
    CHECK(tile.headers["cache-control"] == "public, max-age=31536000, immutable");
    REQUIRE(tile.body.size() == 32 * w);
    for (uint64_t i = 0; i < w; ++i) {
      Hash32 h;
      std::copy_n(tile.body.begin() + 32 * i, 32, h.begin());
      leaves.push_back(h);
    }
  }
  // Every leaf is the hash of the stored event (as a member reads it).
  HttpClient http(ParseUrl(team.server->url()).value(), HttpOptions{});
  const auto admin = LoadKeyFile(team.admin_key).value();
  for (uint64_t seq = 0; seq < n; seq += 97) {
    const std::string target = "/v1/events/" + std::to_string(seq);
    auto auth =
        Nip98Header(admin, team.server->url() + target, "GET", std::nullopt, NowNs() / 1000000000);
    auto raw = http.Request("GET", target, {{"Authorization", auth.value()}}, "");
    REQUIRE(raw.ok());
    REQUIRE(raw->status == 200);
    CHECK(HashLeaf(AsSpan(raw->body)) == leaves[seq]);
  }
  // The naive reference tree over those leaves has the checkpoint's root.
  const ReferenceTree ref(leaves);
  CHECK(ref.Root(n) == checkpoint->root);
  // Level 1: a partial tile, each hash the root of a full level-0 tile.
  TileRef level1;
  level1.level = 1;
  level1.width = static_cast<unsigned>(n / 256);
  Answer up = Http(*team.server, "GET", "/tlog/" + TilePath(level1));
  REQUIRE(up.status == 200);
  REQUIRE(up.body.size() == 32 * level1.width);
  for (unsigned i = 0; i < level1.width; ++i) {
    const Hash32 want = ref.Root(256 * i, 256 * (i + 1));
    CHECK(Bytes2(up.body, 32 * i) == std::string(want.begin(), want.end()));
  }

  // What the tree does not hold yet, and what is not a tile, is 404.
  TileRef beyond;
  beyond.index = n / 256 + 1;
  CHECK(Http(*team.server, "GET", "/tlog/" + TilePath(beyond)).status == 404);
  TileRef full_partial;
  full_partial.index = n / 256;  // the last level-0 tile is partial: never served full
  CHECK(Http(*team.server, "GET", "/tlog/" + TilePath(full_partial)).status == 404);
  CHECK(Http(*team.server, "GET", "/tlog/tile/0/0").status == 404);
  CHECK(Http(*team.server, "POST", "/tlog/tile/0/000").status == 404);

  // Entry bundles carry events: members only, and each entry hashes to its leaf.
  TileRef bundle;
  bundle.entries = true;
  bundle.index = 1;
  const std::string bundle_path = "/tlog/" + TilePath(bundle);
  CHECK(Http(*team.server, "GET", bundle_path).status == 401);
  Answer entries = Http(*team.server, "GET", bundle_path,
                        {Nip98(*team.server, team.admin_key, "GET", bundle_path)});
  REQUIRE(entries.status == 200);
  CHECK(entries.headers["cache-control"] == "private, max-age=31536000, immutable");
  size_t at = 0, count = 0;
  while (at + 2 <= entries.body.size()) {
    const size_t len =
        (static_cast<uint8_t>(entries.body[at]) << 8) | static_cast<uint8_t>(entries.body[at + 1]);
    REQUIRE(at + 2 + len <= entries.body.size());
    CHECK(HashLeaf(AsSpan(std::string_view(entries.body).substr(at + 2, len))) ==
          leaves[256 + count]);
    at += 2 + len;
    ++count;
  }
  CHECK(at == entries.body.size());
  CHECK(count == 256);
}

TEST_CASE("board: a sign-in link is exchanged once for an HttpOnly SameSite=Strict cookie",
          "[server][board]") {
  Team team(2);
  const auto declared = team.As(
      team.admin_key, {"incident", "declare", "--sev", "SEV-2", "--title", "Card issuance"});
  REQUIRE(declared.code == 0);
  const std::string incident = Trim(declared.out);
  REQUIRE(incident.rfind("INC-", 0) == 0);

  // custody open prints the link; it names this server and the board.
  const auto open = team.As(team.keys[0], {"open", incident});
  REQUIRE(open.code == 0);
  const std::string link = Trim(open.out);
  const std::string prefix = team.server->url() + "/v1/signin?token=";
  REQUIRE(link.rfind(prefix, 0) == 0);
  const std::string target = link.substr(team.server->url().size());
  // --browser hands a fresh link to $BROWSER; one that does not start is exit 4.
  {
    const std::string browser = team.tmp / "browser.sh", seen = team.tmp / "browser.url";
    {
      std::ofstream f(browser);
      f << "#!/bin/sh\nprintf '%s' \"$1\" > '" << seen << "'\n";
    }
    REQUIRE(chmod(browser.c_str(), 0755) == 0);
    auto env = team.Env(team.keys[0]);
    env.push_back("BROWSER=" + browser);
    const std::vector<std::string> base = {
        "--ledger", team.server->url(), "--trust", team.server->notary(), "--key", team.keys[0]};
    auto args = base;
    args.insert(args.end(), {"open", incident, "--browser"});
    const auto opened = Run(args, env);
    CHECK(opened.code == 0);
    CHECK(ReadFile(seen).rfind(prefix, 0) == 0);
    CHECK(ReadFile(seen) == Trim(opened.out));
    env.back() = "BROWSER=/nonexistent/browser";
    const auto failed = Run(args, env);
    CHECK(failed.code == 4);
    CHECK(failed.err.find("could not start a browser") != std::string::npos);
    // A ledger directory has no board; an undeclared incident is refused.
    CHECK(Run({"--ledger", team.ledger, "--key", team.keys[0], "open", incident}).code == 2);
    auto missing = base;
    missing.insert(missing.end(), {"open", "INC-9999"});
    CHECK(Run(missing, team.Env(team.keys[0])).code == 3);
  }

  // Without a session the board offers sign-in, and its data are refused.
  const std::string board = "/v1/incidents/" + incident + "/board";
  Answer anon = Http(*team.server, "GET", board);
  CHECK(anon.status == 401);
  CHECK(anon.headers["content-type"] == "text/html; charset=utf-8");
  CHECK(anon.body.find("custody --ledger") != std::string::npos);
  CHECK(Http(*team.server, "GET", board + "/state").status == 401);
  CHECK(Http(*team.server, "GET", board + "/events").status == 401);

  // The link: a cookie, and a redirect to the board without the token.
  Answer in = Http(*team.server, "GET", target);
  REQUIRE(in.status == 303);
  CHECK(in.headers["location"] == board);
  const std::string set = in.headers["set-cookie"];
  CHECK(set.find("custody_session=") == 0);
  CHECK(set.find("HttpOnly") != std::string::npos);
  CHECK(set.find("SameSite=Strict") != std::string::npos);
  CHECK(set.find("Path=/") != std::string::npos);
  CHECK(in.headers["referrer-policy"] == "no-referrer");
  const std::string cookie = "Cookie: " + set.substr(0, set.find(';'));

  Answer page = Http(*team.server, "GET", board, {cookie});
  REQUIRE(page.status == 200);
  CHECK(page.headers["content-security-policy"].find("script-src 'self'") != std::string::npos);
  CHECK(page.headers["x-frame-options"] == "DENY");
  Answer state = Http(*team.server, "GET", board + "/state", {cookie});
  REQUIRE(state.status == 200);
  auto j = nlohmann::json::parse(state.body);
  CHECK(j["incident"] == incident);
  CHECK(j["status"]["severity"] == "SEV-2");
  CHECK(j["checkpoint"]["note"].get<std::string>().find("custody/") == 0);
  CHECK(Http(*team.server, "GET", "/v1/assets/board.js").status == 200);
  CHECK(Http(*team.server, "GET", "/v1/assets/../board.js").status == 404);
  // An undeclared incident is 404 on its data.
  CHECK(Http(*team.server, "GET", "/v1/incidents/INC-9999/board/state", {cookie}).status == 404);

  // The link is good once.
  Answer again = Http(*team.server, "GET", target);
  CHECK(again.status == 401);
  CHECK(again.body.find("used already") != std::string::npos);
  CHECK(again.headers["set-cookie"].empty());

  // Expired (older than 5 minutes), for another server, or for a page that is
  // not a board: refused.
  const auto key = LoadKeyFile(team.keys[1]).value();
  const int64_t now = NowNs() / 1000000000;
  const std::string url = team.server->url() + board;
  for (const std::string& token :
       {MakeSigninToken(key, url, now - 301).value(),
        MakeSigninToken(key, "https://elsewhere.example" + board, now).value(),
        MakeSigninToken(key, team.server->url() + "/v1/events", now).value()}) {
    Answer refused = Http(*team.server, "GET", "/v1/signin?token=" + token);
    INFO(refused.body);
    CHECK(refused.status == 401);
    CHECK(refused.headers["set-cookie"].empty());
  }
  const std::string stranger = team.tmp / "stranger.nsec";
  REQUIRE(Run({"key", "new", "--out", stranger}).code == 0);
  Answer foreign =
      Http(*team.server, "GET",
           "/v1/signin?token=" + MakeSigninToken(LoadKeyFile(stranger).value(), url, now).value());
  CHECK(foreign.status == 401);
  CHECK(foreign.body.find("not a member") != std::string::npos);
  CHECK(Http(*team.server, "GET", "/v1/signin?token=not*base64").status == 400);

  // NIP-07: the same event, signed in the browser, POSTed.
  auto nip07 = SignNostrEvent(key, now, kNip98Kind, {{"u", url}, {"method", "POST"}}, "");
  REQUIRE(nip07.ok());
  Answer posted =
      Http(*team.server, "POST", "/v1/signin", {"Content-Type: application/json"}, *nip07);
  REQUIRE(posted.status == 200);
  CHECK(nlohmann::json::parse(posted.body)["next"] == board);
  CHECK(posted.headers["set-cookie"].find("HttpOnly") != std::string::npos);
  // A GET-signed token is not a POST sign-in.
  auto as_get = SignNostrEvent(key, now, kNip98Kind, {{"u", url}, {"method", "GET"}}, "");
  CHECK(Http(*team.server, "POST", "/v1/signin", {}, *as_get).status == 401);

  // Sign-out ends the session.
  CHECK(Http(*team.server, "POST", "/v1/signout", {cookie}).status == 303);
  CHECK(Http(*team.server, "GET", board + "/state", {cookie}).status == 401);

  // The request log has the path, never a token.
  const std::string log = team.server->log();
  CHECK(log.find("/v1/signin") != std::string::npos);
  CHECK(log.find(target.substr(target.find('=') + 1, 40)) == std::string::npos);
  CHECK(log.find("token") == std::string::npos);
}

TEST_CASE("board: the stream carries the state as of the signed tree head, and ends with the role",
          "[server][board]") {
  Team team(2);
  const auto declared = team.As(
      team.admin_key, {"incident", "declare", "--sev", "SEV-1", "--title", "Key compromise"});
  REQUIRE(declared.code == 0);
  const std::string incident = Trim(declared.out);
  const std::string events = "/v1/incidents/" + incident + "/board/events";

  const std::string cookie = SignIn(*team.server, team.keys[1], incident);
  EventStream stream(*team.server, events, cookie);
  REQUIRE(stream.WaitFor("event: state\n"));
  const std::string& head = stream.text();
  CHECK(head.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(head.find("Content-Type: text/event-stream") != std::string::npos);
  CHECK(head.find("X-Accel-Buffering: no") != std::string::npos);
  CHECK(head.find("Cache-Control: no-store") != std::string::npos);
  auto first = stream.LastState();
  const uint64_t size0 = first["checkpoint"]["size"];
  // The state names its tree head: a checkpoint note of that size, signed by the notary.
  auto cp = VerifyCheckpointNote(first["checkpoint"]["note"].get<std::string>(),
                                 DecodeNpub(team.server->notary()).value(), "");
  REQUIRE(cp.ok());
  CHECK(cp->size == size0);
  CHECK(first["status"]["title"] == "Key compromise");

  // An event appended by another member arrives without asking.
  const size_t mark = stream.text().size();
  REQUIRE(team.As(team.keys[0], {"note", "--incident", incident, "rotated the service key"}).code ==
          0);
  REQUIRE(stream.WaitFor("rotated the service key", mark));
  auto second = stream.LastState();
  CHECK(second["checkpoint"]["size"].get<uint64_t>() > size0);
  CHECK(second["latest"][0]["message"].get<std::string>().find("rotated the service key") !=
        std::string::npos);

  // The member loses the role: told so, and the stream ends.
  const size_t mark2 = stream.text().size();
  REQUIRE(team.As(team.admin_key, {"member", "remove", team.members[1]}).code == 0);
  REQUIRE(stream.WaitFor("event: revoked", mark2));
  CHECK(stream.WaitClosed());
  // And the session with it.
  CHECK(
      Http(*team.server, "GET", "/v1/incidents/" + incident + "/board/state", {"Cookie: " + cookie})
          .status == 401);

  // SIGTERM closes the streams still open, and the server exits 0.
  const std::string cookie0 = SignIn(*team.server, team.keys[0], incident);
  EventStream open(*team.server, events, cookie0);
  REQUIRE(open.WaitFor("event: state\n"));
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(team.server->Stop() == 0);
  CHECK(open.WaitClosed(5000));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
}
