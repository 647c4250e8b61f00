#include "server/http_server.h"

#include <sys/resource.h>
#include <sys/statvfs.h>

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <iostream>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>

#include "ledger/base/encoding.h"
#include "ledger/base/time.h"
#include "ledger/membership.h"
#include "net/nip98.h"
#include "net/protocol.h"
#include "server/metrics.h"

namespace custody {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kMaxHeader = 8192;
constexpr size_t kMaxTarget = 2048;
constexpr uint64_t kDiskReserve = 256ull << 20;  // evidence never fills the disk past this

// A response: a body in memory, or a file (a blob) streamed from disk.
struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string file;  // when set, the body is this file's content
};

Response ErrorResponse(const Status& s, unsigned status = 0) {
  Response r;
  r.status = status ? status : proto::HttpStatusOf(s);
  r.body = proto::EncodeError(s);
  return r;
}

Response Text(std::string body, std::string type = "text/plain; charset=utf-8") {
  Response r;
  r.content_type = std::move(type);
  r.body = std::move(body);
  return r;
}

// Seen NIP-98 events, kept for the window in which they would still be
// accepted. Refuses a second use; across a restart, events made before the
// server started are refused by CheckNip98's not_before.
class ReplayGuard {
 public:
  // False if id was already used.
  bool Use(const Hash32& id, int64_t created_at, int64_t now) {
    std::lock_guard lock(mu_);
    while (!by_time_.empty() && by_time_.begin()->first < now - 2 * kNip98WindowSeconds) {
      seen_.erase(by_time_.begin()->second);
      by_time_.erase(by_time_.begin());
    }
    if (!seen_.insert(id).second) return false;
    by_time_.emplace(created_at, id);
    return true;
  }

 private:
  std::mutex mu_;
  std::set<Hash32> seen_;
  std::multimap<int64_t, Hash32> by_time_;
};

std::string Short(const Hash32& key) { return EncodeNpub(key).substr(0, 16); }

}  // namespace

class HttpServer::Impl {
 public:
  explicit Impl(ServerOptions options)
      : options_(std::move(options)),
        ioc_(static_cast<int>(options_.threads)),
        ssl_ctx_(ssl::context::tls_server),
        acceptor_(ioc_),
        metrics_acceptor_(ioc_),
        started_s_(NowNs() / 1000000000) {}

  Status Listen();
  void Run();
  void Stop(int drain_ms);

  template <class Stream>
  class Session;
  class MetricsSession;

  void Accept();
  void AcceptMetrics();
  // Routes one request whose header has been read and authenticated (or
  // needs none); the body, if any, has been read into body.
  // lease, more: the Custody-Lease and Custody-More headers (appends).
  void Handle(http::verb method, const proto::Target& target, const std::string& body,
              const std::optional<Nip98Auth>& auth, const std::string& lease, bool more,
              std::function<void(Response)> done);
  // Checks the NIP-98 header and the member's right to read; nullopt for
  // the public paths.
  Result<std::optional<Nip98Auth>> Authenticate(const http::request_header<>& h,
                                                const std::string& path);
  void Log(const std::string& remote, http::verb method, const std::string& path, unsigned status,
           size_t bytes, int64_t start_ns, const std::optional<Nip98Auth>& auth);

  ServerOptions options_;
  Sequencer* seq_ = nullptr;
  asio::io_context ioc_;
  ssl::context ssl_ctx_;
  bool tls_ = false;
  tcp::acceptor acceptor_;
  tcp::acceptor metrics_acceptor_;
  bool metrics_ = false;
  std::vector<std::thread> threads_;
  const int64_t started_s_;
  ReplayGuard replay_;
  Metrics metrics_data_;
  std::atomic<size_t> connections_{0};
  std::atomic<bool> draining_{false};
  std::atomic<int> in_flight_{0};  // requests read and not yet answered
  std::mutex sessions_mu_;
  // Every live session and how to close it (drain).
  std::vector<std::pair<std::weak_ptr<void>, std::function<void()>>> closers_;
  std::mutex log_mu_;
};

// One connection. Reads a header, authenticates, reads the body (to memory,
// bounded, or to a staged evidence file), answers, and loops while kept alive.
template <class Stream>
class HttpServer::Impl::Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Impl* server, Stream stream, std::string remote)
      : server_(server), stream_(std::move(stream)), remote_(std::move(remote)) {}
  ~Session() { server_->connections_--; }

  void Start() {
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::get_lowest_layer(stream_).expires_after(
          std::chrono::milliseconds(server_->options_.header_timeout_ms));
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->Close();
                                self->ReadHeader();
                              });
    } else {
      ReadHeader();
    }
  }

  auto stream_exec() { return stream_.get_executor(); }

  void Close() {
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(stream_).close();
  }

 private:
  void ReadHeader() {
    if (server_->draining_) return Close();
    parser_.emplace();
    parser_->header_limit(kMaxHeader);
    // Bounded here, per path. (Not boost::none: Beast 1.74 compares a
    // Content-Length with the optional, and every length exceeds "none".)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    auth_.reset();
    body_.clear();
    blob_.reset();
    // The first request of a connection must come within the header timeout;
    // a kept-alive one may idle longer.
    beast::get_lowest_layer(stream_).expires_after(std::chrono::milliseconds(
        requests_ == 0 ? server_->options_.header_timeout_ms : server_->options_.idle_timeout_ms));
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout)
      return Close();
    start_ns_ = NowNs();
    requests_++;
    server_->in_flight_++;
    answered_ = false;
    if (ec) {
      // Malformed or oversized header: answer once, then close.
      keep_alive_ = false;
      const bool too_big = ec == http::error::header_limit;
      return Answer(ErrorResponse(
          Status::InvalidArgument(too_big ? "request header too large" : "malformed request"),
          too_big ? 431 : 400));
    }
    const auto& h = parser_->get();
    method_ = h.method();
    keep_alive_ = h.keep_alive();
    const std::string target(h.target());
    if (target.size() > kMaxTarget || target.empty() || target[0] != '/') {
      keep_alive_ = false;
      return Answer(ErrorResponse(Status::InvalidArgument("bad request target"), 400));
    }
    auto parsed = proto::ParseTarget(target);
    if (!parsed.ok()) return Answer(ErrorResponse(parsed.status(), 400));
    target_ = std::move(*parsed);
    auto auth = server_->Authenticate(h, target);
    if (!auth.ok()) {
      // 401: who you are is not established (or not a member); 403: a
      // member without the role.
      const bool unauthenticated = auth.status().message().rfind("NIP-98 auth:", 0) == 0;
      // The body is not read: the connection cannot be reused.
      keep_alive_ = false;
      return Answer(ErrorResponse(auth.status(), unauthenticated ? 401 : 403));
    }
    auth_ = *auth;
    const auto length = parser_->content_length();
    const bool blob = method_ == http::verb::post && target_.path == proto::kBlobs;
    if (blob) {
      // Evidence: streamed to a staged file, hashed while received, bounded
      // by the free disk.
      if (!length) {
        keep_alive_ = false;
        return Answer(
            ErrorResponse(Status::InvalidArgument("evidence needs a Content-Length"), 411));
      }
      struct statvfs vfs;
      if (statvfs(server_->seq_->dir().c_str(), &vfs) == 0) {
        const uint64_t free = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
        if (*length + kDiskReserve > free) {
          keep_alive_ = false;
          return Answer(ErrorResponse(
              Status::IOError("not enough free disk for " + std::to_string(*length) + " bytes"),
              507));
        }
      }
      auto w = server_->seq_->NewBlob();
      if (!w.ok()) {
        keep_alive_ = false;
        return Answer(ErrorResponse(w.status()));
      }
      blob_ = std::move(*w);
    } else if (length && *length > proto::kMaxBody) {
      keep_alive_ = false;
      return Answer(ErrorResponse(Status::InvalidArgument("body larger than 1 MiB"), 413));
    }
    ReadBody();
  }

  void ReadBody() {
    if (parser_->is_done()) return OnBody();
    auto& b = parser_->get().body();
    b.data = chunk_.data();
    b.size = chunk_.size();
    beast::get_lowest_layer(stream_).expires_after(
        std::chrono::milliseconds(server_->options_.body_timeout_ms));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) {
          if (ec == http::error::need_buffer) ec = {};
          if (ec) {
            self->keep_alive_ = false;
            if (ec == beast::error::timeout || ec == http::error::end_of_stream ||
                ec == asio::error::operation_aborted)
              return self->Abandon();
            return self->Answer(ErrorResponse(Status::InvalidArgument("malformed body"), 400));
          }
          self->OnChunk();
        });
  }

  void OnChunk() {
    auto& b = parser_->get().body();
    const size_t n = chunk_.size() - b.size;
    if (blob_) {
      Status s = blob_->Write(chunk_.data(), n);
      if (!s.ok()) {
        keep_alive_ = false;
        return Answer(ErrorResponse(s));
      }
    } else {
      if (body_.size() + n > proto::kMaxBody) {
        keep_alive_ = false;
        return Answer(ErrorResponse(Status::InvalidArgument("body larger than 1 MiB"), 413));
      }
      body_.append(reinterpret_cast<const char*>(chunk_.data()), n);
    }
    ReadBody();
  }

  void OnBody() {
    if (blob_) {
      auto staged = blob_->Finish();
      blob_.reset();
      if (!staged.ok()) return Answer(ErrorResponse(staged.status()));
      const auto want = parser_->get()[std::string(proto::kSha256Header)];
      if (!want.empty() && std::string(want) != EncodeHex(staged->sha256)) {
        DiscardStagedBlob(*staged);
        return Answer(ErrorResponse(
            Status::InvalidArgument("evidence content does not have the SHA-256 announced"), 400));
      }
      server_->seq_->KeepStaged(*staged);
      Response r;
      r.status = 201;
      r.body = proto::EncodeStaged({staged->sha256, staged->size});
      return Answer(std::move(r));
    }
    // A body's hash must be the one its NIP-98 event names.
    if (auth_ && *auth_ && !body_.empty() && !PayloadMatches(**auth_, Sha256(AsSpan(body_))))
      return Answer(ErrorResponse(
          Status::Unauthorized("NIP-98 auth: payload tag does not match the body"), 401));
    const auto& h = parser_->get();
    server_->Handle(
        method_, target_, body_, *auth_, std::string(h[std::string(proto::kLeaseHeader)]),
        h[std::string(proto::kMoreHeader)] == "1", [self = this->shared_from_this()](Response r) {
          // Completions may come from the sequencer's threads.
          asio::post(self->stream_.get_executor(),
                     [self, r = std::move(r)]() mutable { self->Answer(std::move(r)); });
        });
  }

  // The request is dropped without an answer (the client went away).
  void Abandon() {
    if (!answered_) {
      answered_ = true;
      server_->in_flight_--;
    }
    Close();
  }

  void Answer(Response r) {
    if (answered_) return;
    answered_ = true;
    const std::string path = target_.path.empty() && parser_ ? std::string() : target_.path;
    status_ = r.status;
    auto finish = [self = this->shared_from_this()](beast::error_code ec, size_t bytes) {
      self->server_->Log(self->remote_, self->method_, self->target_.path, self->status_, bytes,
                         self->start_ns_, self->auth_ ? *self->auth_ : std::nullopt);
      self->server_->metrics_data_.Request(self->status_, self->target_.path,
                                           self->method_ == http::verb::post,
                                           NowNs() - self->start_ns_);
      self->server_->in_flight_--;
      self->file_res_.reset();
      self->str_res_.reset();
      if (ec || !self->keep_alive_) return self->Close();
      self->ReadHeader();
    };
    beast::get_lowest_layer(stream_).expires_after(
        std::chrono::milliseconds(server_->options_.body_timeout_ms));
    if (!r.file.empty()) {
      beast::error_code ec;
      http::file_body::value_type file;
      file.open(r.file.c_str(), beast::file_mode::scan, ec);
      if (!ec) {
        file_res_.emplace(http::status::ok, 11);
        file_res_->set(http::field::content_type, "application/octet-stream");
        file_res_->body() = std::move(file);
        file_res_->keep_alive(keep_alive_);
        file_res_->prepare_payload();
        return http::async_write(stream_, *file_res_, finish);
      }
      r = ErrorResponse(Status::IOError("cannot read stored content"));
      status_ = r.status;
    }
    str_res_.emplace(static_cast<http::status>(r.status), 11);
    str_res_->set(http::field::content_type, r.content_type);
    str_res_->set(http::field::cache_control, "no-store");
    str_res_->body() = std::move(r.body);
    str_res_->keep_alive(keep_alive_);
    str_res_->prepare_payload();
    http::async_write(stream_, *str_res_, finish);
  }

  Impl* server_;
  Stream stream_;
  std::string remote_;
  beast::flat_buffer buffer_{kMaxHeader};
  std::optional<http::request_parser<http::buffer_body>> parser_;
  std::array<uint8_t, 64 << 10> chunk_{};
  std::string body_;
  std::unique_ptr<BlobWriter> blob_;
  std::optional<std::optional<Nip98Auth>> auth_;
  proto::Target target_;
  http::verb method_ = http::verb::unknown;
  bool keep_alive_ = false;
  bool answered_ = true;
  unsigned status_ = 0;
  uint64_t requests_ = 0;
  int64_t start_ns_ = 0;
  std::optional<http::response<http::string_body>> str_res_;
  std::optional<http::response<http::file_body>> file_res_;
};

// The metrics listener: GET /metrics, nothing else, no keep-alive.
class HttpServer::Impl::MetricsSession : public std::enable_shared_from_this<MetricsSession> {
 public:
  MetricsSession(Impl* server, tcp::socket socket) : server_(server), stream_(std::move(socket)) {}
  void Start() {
    stream_.expires_after(std::chrono::seconds(10));
    http::async_read(
        stream_, buffer_, req_, [self = shared_from_this()](beast::error_code ec, size_t) {
          if (ec) return;
          self->res_.version(11);
          self->res_.keep_alive(false);
          if (self->req_.target() == "/metrics") {
            self->res_.result(http::status::ok);
            self->res_.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
            self->res_.body() = self->server_->metrics_data_.Render(
                self->server_->seq_->counters(), self->server_->connections_.load());
          } else {
            self->res_.result(http::status::not_found);
            self->res_.body() = "not found\n";
          }
          self->res_.prepare_payload();
          http::async_write(self->stream_, self->res_, [self](beast::error_code, size_t) {
            beast::error_code ignored;
            self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
          });
        });
  }

 private:
  Impl* server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_{8192};
  http::request<http::empty_body> req_;
  http::response<http::string_body> res_;
};

Status HttpServer::Impl::Listen() {
  // Thousands of connections need thousands of descriptors.
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    options_.max_connections =
        std::min<size_t>(options_.max_connections, rl.rlim_cur > 128 ? rl.rlim_cur - 64 : 64);
  if (!options_.tls_cert.empty() || !options_.tls_key.empty()) {
    if (options_.tls_cert.empty() || options_.tls_key.empty())
      return Status::Usage("--tls-cert and --tls-key go together");
    beast::error_code ec;
    ssl_ctx_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    ssl_ctx_.use_certificate_chain_file(options_.tls_cert, ec);
    if (ec) return Status::IOError("--tls-cert " + options_.tls_cert + ": " + ec.message());
    ssl_ctx_.use_private_key_file(options_.tls_key, ssl::context::pem, ec);
    if (ec) return Status::IOError("--tls-key " + options_.tls_key + ": " + ec.message());
    tls_ = true;
  }
  auto bind = [this](tcp::acceptor& acceptor, const std::string& host, const std::string& port,
                     const char* what) -> Status {
    beast::error_code ec;
    tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(host, port, tcp::resolver::numeric_service, ec);
    if (ec || results.empty())
      return Status::Usage(std::string(what) + " " + host + ":" + port + ": " + ec.message());
    const tcp::endpoint ep = results.begin()->endpoint();
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return Status::IOError(std::string(what) + " " + host + ":" + port + ": " + ec.message());
    return Status::OK();
  };
  CUSTODY_RETURN_IF_ERROR(bind(acceptor_, options_.host, options_.port, "--listen"));
  if (!options_.metrics_host.empty()) {
    CUSTODY_RETURN_IF_ERROR(
        bind(metrics_acceptor_, options_.metrics_host, options_.metrics_port, "--metrics-listen"));
    metrics_ = true;
  }
  if (options_.public_url.empty()) {
    std::string host = options_.host;
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    options_.public_url = std::string(tls_ ? "https://" : "http://") + host + ":" +
                          std::to_string(acceptor_.local_endpoint().port());
  }
  while (!options_.public_url.empty() && options_.public_url.back() == '/')
    options_.public_url.pop_back();
  return Status::OK();
}

void HttpServer::Impl::Accept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      if (connections_.load() >= options_.max_connections || draining_) {
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        connections_++;
        beast::error_code rec;
        auto ep = socket.remote_endpoint(rec);
        std::string remote = rec ? "?" : ep.address().to_string();
        beast::tcp_stream stream(std::move(socket));
        auto start = [&](auto s) {
          std::function<void()> closer = [w = std::weak_ptr(s)] {
            if (auto p = w.lock()) asio::post(p->stream_exec(), [p] { p->Close(); });
          };
          {
            std::lock_guard lock(sessions_mu_);
            if (closers_.size() > 2 * connections_.load() + 64)
              std::erase_if(closers_, [](const auto& c) { return c.first.expired(); });
            closers_.emplace_back(std::weak_ptr<void>(s), std::move(closer));
          }
          s->Start();
        };
        if (tls_) {
          start(std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
              this, beast::ssl_stream<beast::tcp_stream>(std::move(stream), ssl_ctx_), remote));
        } else {
          start(std::make_shared<Session<beast::tcp_stream>>(this, std::move(stream), remote));
        }
      }
    }
    Accept();
  });
}

void HttpServer::Impl::AcceptMetrics() {
  metrics_acceptor_.async_accept(
      asio::make_strand(ioc_), [this](beast::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !metrics_acceptor_.is_open()) return;
        if (!ec) std::make_shared<MetricsSession>(this, std::move(socket))->Start();
        AcceptMetrics();
      });
}

void HttpServer::Impl::Run() {
  Accept();
  if (metrics_) AcceptMetrics();
  for (unsigned i = 0; i < std::max(1u, options_.threads); ++i)
    threads_.emplace_back([this] { ioc_.run(); });
}

void HttpServer::Impl::Stop(int drain_ms) {
  if (threads_.empty()) return;
  draining_ = true;
  asio::post(ioc_, [this] {
    beast::error_code ec;
    acceptor_.close(ec);
    metrics_acceptor_.close(ec);
  });
  // Idle connections (waiting for a request) close now; a request in flight
  // is answered first, and its connection closes after.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(drain_ms);
  while (in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  {
    std::lock_guard lock(sessions_mu_);
    for (auto& [owner, close] : closers_) close();
    closers_.clear();
  }
  while (in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ioc_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void HttpServer::Impl::Log(const std::string& remote, http::verb method, const std::string& path,
                           unsigned status, size_t bytes, int64_t start_ns,
                           const std::optional<Nip98Auth>& auth) {
  if (!options_.log_requests) return;
  // The path only: never a query string, never a header.
  std::string p = Printable(path.substr(0, 200));
  std::string line = FormatTime(NowNs()) + " " + remote + " " +
                     std::string(http::to_string(method)) + " " + (p.empty() ? "-" : p) + " " +
                     std::to_string(status) + " " + std::to_string(bytes) + " " +
                     std::to_string((NowNs() - start_ns) / 1000) + "us " +
                     (auth ? Short(auth->pubkey) : std::string("-")) + "\n";
  std::lock_guard lock(log_mu_);
  std::cerr << line << std::flush;
}

Result<std::optional<Nip98Auth>> HttpServer::Impl::Authenticate(const http::request_header<>& h,
                                                                const std::string& target) {
  const std::string path = target.substr(0, target.find('?'));
  if (path == proto::kHealthz || path == proto::kTlogCheckpoint) return std::optional<Nip98Auth>();
  Nip98Expect expect;
  expect.url = options_.public_url + target;
  expect.method = std::string(h.method_string());
  expect.now = NowNs() / 1000000000;
  expect.not_before = started_s_;
  auto auth = CheckNip98(std::string(h[http::field::authorization]), expect);
  if (!auth.ok()) return auth.status();
  const uint32_t roles = seq_->RolesOf(auth->pubkey);
  if (roles == 0)
    return Status::Unauthorized("NIP-98 auth: " + EncodeNpub(auth->pubkey) +
                                " is not a member of this ledger");
  if (h.method() == http::verb::post && path == proto::kBlobs &&
      !(roles & RolesAllowedToAppend(fb::Payload::EvidenceAttached)))
    return Status::Unauthorized(EncodeNpub(auth->pubkey) + " (" + RoleNames(roles) +
                                ") may not attach evidence");
  if (!replay_.Use(auth->event_id, auth->created_at, expect.now))
    return Status::Unauthorized("NIP-98 auth: this event was used already (replay)");
  return std::optional<Nip98Auth>(*auth);
}

void HttpServer::Impl::Handle(http::verb method, const proto::Target& t, const std::string& body,
                              const std::optional<Nip98Auth>& auth, const std::string& lease,
                              bool more, std::function<void(Response)> done) {
  auto fail = [&](const Status& s) { done(ErrorResponse(s)); };
  auto param = [&](const char* name) -> std::optional<uint64_t> {
    auto it = t.params.find(name);
    if (it == t.params.end()) return std::nullopt;
    return it->second;
  };
  const std::string& p = t.path;
  const bool get = method == http::verb::get, post = method == http::verb::post;
  if (p == proto::kHealthz && get) return done(Text("ok\n"));
  if (p == proto::kInfo && get)
    return done(Text(proto::EncodeInfo(seq_->Info()), "application/json"));
  const bool awaiting = seq_->Info().origin.empty();
  if (p == proto::kLease && post) {
    auto r = proto::ParseLeaseRequest(body);
    if (!r.ok()) return fail(r.status());
    return seq_->Lease(auth->pubkey, *r, [done](Result<proto::Lease> l) {
      if (!l.ok()) return done(ErrorResponse(l.status()));
      done(Text(proto::EncodeLease(*l), "application/json"));
    });
  }
  if (p == proto::kAppend && post) {
    auto events = proto::ParseFramed(body, proto::kMaxLeaseCount);
    if (!events.ok()) return fail(events.status());
    if (lease.empty()) return fail(Status::InvalidArgument("an append needs a Custody-Lease"));
    return seq_->Append(auth->pubkey, lease, std::move(*events), more,
                        [done, more](Result<proto::AppendAnswer> a) {
                          if (!a.ok()) return done(ErrorResponse(a.status()));
                          Response r;
                          r.status = more ? 202 : 200;
                          r.body = proto::EncodeAppendAnswer(*a);
                          done(std::move(r));
                        });
  }
  if (awaiting) return fail(Status::Busy("the ledger awaits its genesis"));
  if (p == proto::kCheckpointRequest && post) {
    if (!(seq_->RolesOf(auth->pubkey) & RolesAllowedToAppend(fb::Payload::Checkpoint)))
      return fail(Status::Unauthorized("only an admin or notary may ask for a checkpoint"));
    return seq_->RequestCheckpoint([done](Result<proto::AppendAnswer> a) {
      if (!a.ok()) return done(ErrorResponse(a.status()));
      done(Text(proto::EncodeAppendAnswer(*a), "application/json"));
    });
  }
  if (p == proto::kBackup && post) {
    if (!(seq_->RolesOf(auth->pubkey) & kAdmin))
      return fail(Status::Unauthorized("only an admin may back up the ledger"));
    auto out = proto::ParseBackupRequest(body);
    if (!out.ok()) return fail(out.status());
    Status s = seq_->Backup(*out);
    if (!s.ok()) return fail(s);
    return done(Text(proto::EncodeBackupRequest(*out), "application/json"));
  }
  if (!get) return fail(Status::NotFound("no such resource"));
  if (p == proto::kTlogCheckpoint || p == "/v1/head") {
    auto note = seq_->TreeHead();
    if (!note.ok()) return fail(note.status());
    return done(Text(*note));
  }
  if (p == proto::kEvents) {
    auto from = param("from");
    if (!from) return fail(Status::InvalidArgument("events: from= is required"));
    auto events = seq_->Events(*from, param("limit").value_or(1 << 20));
    if (!events.ok()) return fail(events.status());
    Response r;
    r.content_type = "application/octet-stream";
    r.body = std::move(*events);
    return done(std::move(r));
  }
  const std::string events_prefix = std::string(proto::kEvents) + "/";
  if (p.rfind(events_prefix, 0) == 0) {
    auto seq = proto::ParseTarget("/?seq=" + p.substr(events_prefix.size()));
    if (!seq.ok()) return fail(Status::NotFound("no such event"));
    auto raw = seq_->Event(seq->params.at("seq"));
    if (!raw.ok()) return fail(raw.status());
    Response r;
    r.content_type = "application/octet-stream";
    r.body.assign(raw->begin(), raw->end());
    return done(std::move(r));
  }
  if (p == proto::kConsistency) {
    auto text = seq_->Consistency(param("from").value_or(0));
    if (!text.ok()) return fail(text.status());
    return done(Text(*text));
  }
  if (p == proto::kInclusion) {
    auto seq = param("seq"), size = param("size");
    if (!seq || !size)
      return fail(Status::InvalidArgument("inclusion: seq= and size= are required"));
    auto text = seq_->Inclusion(*seq, *size);
    if (!text.ok()) return fail(text.status());
    return done(Text(*text));
  }
  const std::string blobs_prefix = std::string(proto::kBlobs) + "/";
  if (p.rfind(blobs_prefix, 0) == 0) {
    auto hash = DecodeHex32(p.substr(blobs_prefix.size()));
    if (!hash.ok()) return fail(Status::NotFound("no such content"));
    auto file = seq_->BlobFile(*hash);
    if (!file.ok()) return fail(file.status());
    Response r;
    r.file = *file;
    return done(std::move(r));
  }
  return fail(Status::NotFound("no such resource"));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { Stop(0); }

Result<std::unique_ptr<HttpServer>> HttpServer::Bind(const ServerOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  CUSTODY_RETURN_IF_ERROR(impl->Listen());
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::Run(Sequencer* sequencer) {
  impl_->seq_ = sequencer;
  impl_->Run();
}

uint16_t HttpServer::port() const { return impl_->acceptor_.local_endpoint().port(); }
uint16_t HttpServer::metrics_port() const {
  return impl_->metrics_ ? impl_->metrics_acceptor_.local_endpoint().port() : 0;
}
const std::string& HttpServer::public_url() const { return impl_->options_.public_url; }
void HttpServer::Stop(int drain_ms) { impl_->Stop(drain_ms); }

}  // namespace custody
