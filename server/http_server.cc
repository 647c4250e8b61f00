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
#include <deque>
#include <iostream>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "ledger/base/encoding.h"
#include "ledger/base/time.h"
#include "ledger/membership.h"
#include "ledger/tiles.h"
#include "net/nip98.h"
#include "net/protocol.h"
#include "server/board.h"
#include "server/metrics.h"
#include "server/web.h"

namespace custody {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kMaxHeader = 8192;
constexpr size_t kMaxTarget = 2048;
constexpr size_t kMaxQueuedEvents = 16;          // a board that stops reading is closed
constexpr uint64_t kDiskReserve = 256ull << 20;  // evidence never fills the disk past this

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
  // One request whose header has been read and authenticated (or needs
  // none), its body read.
  struct Request {
    http::verb method = http::verb::unknown;
    proto::Target target;
    const std::string& body;
    std::optional<Nip98Auth> auth;
    std::string lease;   // Custody-Lease (appends)
    bool more = false;   // Custody-More: 1 (appends)
    std::string cookie;  // the session cookie's value (the board)
  };
  using Done = std::function<void(Response)>;
  // Routes a request: the API (NIP-98), or else the board, sign-in and the
  // public tree (HandleWeb).
  void Handle(const Request& req, Done done);
  // False if the path is none of the board's, sign-in's, assets' or tiles'.
  bool HandleWeb(const Request& req, const Done& done);
  Response Signin(const Request& req);
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
  std::unique_ptr<BoardHub> board_;
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
    closed_ = true;
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
    cookie_ = proto::CookieValue(h[http::field::cookie], proto::kSessionCookie);
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
        Request{method_, target_, body_, *auth_, std::string(h[std::string(proto::kLeaseHeader)]),
                h[std::string(proto::kMoreHeader)] == "1", cookie_},
        [self = this->shared_from_this()](Response r) {
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

  // The answer is written: one log line, the metrics.
  void Answered(size_t bytes) {
    server_->Log(remote_, method_, target_.path, status_, bytes, start_ns_,
                 auth_ ? *auth_ : std::nullopt);
    server_->metrics_data_.Request(status_, target_.path, method_ == http::verb::post,
                                   NowNs() - start_ns_);
    server_->in_flight_--;
  }

  void Answer(Response r) {
    if (answered_) return;
    answered_ = true;
    status_ = r.status;
    if (r.stream) return StartStream(std::move(r));
    auto finish = [self = this->shared_from_this()](beast::error_code ec, size_t bytes) {
      self->Answered(bytes);
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
    str_res_->set(http::field::cache_control, r.cache_control);
    for (const auto& [name, value] : r.headers) str_res_->insert(name, value);
    str_res_->body() = std::move(r.body);
    str_res_->keep_alive(keep_alive_);
    str_res_->prepare_payload();
    http::async_write(stream_, *str_res_, finish);
  }

  // The board's event stream: the header, then what the hub sends, until
  // either side closes. The hub holds the session meanwhile.
  void StartStream(Response r) {
    keep_alive_ = false;
    stream_res_.emplace(http::status::ok, 11);
    stream_res_->set(http::field::content_type, r.content_type);
    stream_res_->set(http::field::cache_control, "no-store");
    for (const auto& [name, value] : r.headers) stream_res_->insert(name, value);
    stream_res_->keep_alive(false);
    stream_sr_.emplace(*stream_res_);
    beast::get_lowest_layer(stream_).expires_after(
        std::chrono::milliseconds(server_->options_.body_timeout_ms));
    http::async_write_header(
        stream_, *stream_sr_,
        [self = this->shared_from_this(), incident = r.stream_incident, key = r.stream_key](
            beast::error_code ec, size_t bytes) {
          self->Answered(bytes);
          if (ec) return self->Close();
          beast::get_lowest_layer(self->stream_).expires_never();
          self->server_->board_->Subscribe(
              incident, key,
              BoardHub::Stream{
                  [self](std::string chunk) {
                    if (self->closed_) return false;
                    asio::post(self->stream_.get_executor(),
                               [self, chunk = std::move(chunk)]() mutable {
                                 self->Push(std::move(chunk));
                               });
                    return true;
                  },
                  [self] { asio::post(self->stream_.get_executor(), [self] { self->Close(); }); }});
        });
  }

  // Queues an event for the browser; one that stops reading is let go.
  void Push(std::string chunk) {
    if (closed_) return;
    if (out_.size() >= kMaxQueuedEvents) return Close();
    out_.push_back(std::move(chunk));
    if (out_.size() == 1) WriteNext();
  }

  void WriteNext() {
    beast::get_lowest_layer(stream_).expires_after(
        std::chrono::milliseconds(server_->options_.body_timeout_ms));
    asio::async_write(stream_, asio::buffer(out_.front()),
                      [self = this->shared_from_this()](beast::error_code ec, size_t) {
                        self->out_.pop_front();
                        if (ec) return self->Close();
                        if (!self->out_.empty()) return self->WriteNext();
                        beast::get_lowest_layer(self->stream_).expires_never();
                      });
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
  std::string cookie_;
  // The board's event stream.
  std::atomic<bool> closed_{false};
  std::optional<http::response<http::empty_body>> stream_res_;
  std::optional<http::response_serializer<http::empty_body>> stream_sr_;
  std::deque<std::string> out_;
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
  board_ = std::make_unique<BoardHub>(seq_);
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
  board_->Stop();  // closes every board's stream
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
  // Public: health, the public tree (hashes only; entry bundles carry
  // events), the board's script and style, sign-in. The board's pages check
  // their session cookie themselves (HandleWeb).
  const bool tile = path.rfind(proto::kTlogPrefix, 0) == 0 &&
                    path.rfind(std::string(proto::kTlogPrefix) + "tile/entries/", 0) != 0;
  if (path == proto::kHealthz || tile || path.rfind(proto::kAssets, 0) == 0 ||
      path == proto::kSignin || path == proto::kSignout || proto::ParseBoardPath(path))
    return std::optional<Nip98Auth>();
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

bool HttpServer::Impl::HandleWeb(const Request& req, const Done& done) {
  const std::string& p = req.target.path;
  const bool get = req.method == http::verb::get, post = req.method == http::verb::post;
  const Response not_found = ErrorResponse(Status::NotFound("no such resource"));
  if (p.rfind(proto::kAssets, 0) == 0) {
    auto asset = get ? Asset(std::string_view(p).substr(proto::kAssets.size())) : std::nullopt;
    done(asset ? std::move(*asset) : not_found);
    return true;
  }
  if (p == proto::kTlogCheckpoint) {
    if (!get) return done(not_found), true;
    auto note = seq_->TreeHead();
    done(note.ok() ? CheckpointResponse(std::move(*note)) : ErrorResponse(note.status()));
    return true;
  }
  if (p.rfind(proto::kTlogPrefix, 0) == 0) {
    auto tile = ParseTilePath(std::string_view(p).substr(proto::kTlogPrefix.size()));
    if (!tile.ok() || !get) return done(not_found), true;
    auto bytes = seq_->Tile(*tile);
    done(bytes.ok() ? TileResponse(std::move(*bytes), !tile->entries)
                    : ErrorResponse(bytes.status()));
    return true;
  }
  if (p == proto::kSignin) return done(Signin(req)), true;
  if (p == proto::kSignout) {
    if (!post) return done(not_found), true;
    board_->EndSession(req.cookie);
    Response r = Redirect(std::string(proto::kSignin));
    r.headers.push_back({"Set-Cookie", SessionCookie("", tls_)});
    return done(std::move(r)), true;
  }
  const auto board = proto::ParseBoardPath(p);
  if (!board) return false;
  if (!get) return done(not_found), true;
  const auto key = board_->SessionKey(req.cookie);
  if (!key) {
    if (board->kind == proto::BoardPath::kPage)
      return done(SigninPage(options_.public_url, board->incident, "Sign in to see this board.",
                             401)),
             true;
    return done(ErrorResponse(
               Status::Unauthorized("not signed in: custody open " + IncidentName(board->incident)),
               401)),
           true;
  }
  if (board->kind == proto::BoardPath::kPage) return done(BoardPage()), true;
  auto state = seq_->Board(board->incident);
  if (!state.ok()) return done(ErrorResponse(state.status())), true;
  if (board->kind == proto::BoardPath::kState)
    return done(Text(std::move(state->second), "application/json")), true;
  return done(EventStream(board->incident, *key)), true;
}

Response HttpServer::Impl::Signin(const Request& req) {
  const int64_t now = NowNs() / 1000000000;
  const bool get = req.method == http::verb::get;
  const auto incident = req.target.params.find("incident");
  const uint64_t named = incident == req.target.params.end() ? 0 : incident->second;
  if (get && req.target.token.empty()) return SigninPage(options_.public_url, named, "", 200);
  if (!get && req.method != http::verb::post)
    return ErrorResponse(Status::NotFound("no such resource"));
  // A link's token (custody open), or an event a NIP-07 extension signed.
  std::string json = req.body;
  if (get) {
    auto decoded = DecodeSigninToken(req.target.token);
    if (!decoded.ok()) return SigninPage(options_.public_url, 0, decoded.status().message(), 400);
    json = std::move(*decoded);
  }
  auto claim = CheckSignin(json, get ? "GET" : "POST", options_.public_url, now, started_s_,
                           get ? kSigninTokenSeconds : kNip98WindowSeconds);
  Status refused = claim.ok() ? Status::OK() : claim.status();
  if (claim.ok() && seq_->RolesOf(claim->key) == 0)
    refused = Status::Unauthorized(EncodeNpub(claim->key) + " is not a member of this ledger");
  else if (claim.ok() && !replay_.Use(claim->event_id, claim->created_at, now))
    refused = Status::Unauthorized("this sign-in was used already; run custody open again");
  if (!refused.ok())
    return get ? SigninPage(options_.public_url, 0, refused.message(), 401)
               : ErrorResponse(refused, 401);
  auto cookie = board_->NewSession(claim->key);
  if (!cookie.ok()) return ErrorResponse(cookie.status());
  const std::string next = proto::BoardPagePath(claim->incident);
  Response r =
      get ? Redirect(next) : Text(nlohmann::json({{"next", next}}).dump(), "application/json");
  r.headers.push_back({"Set-Cookie", SessionCookie(*cookie, tls_)});
  return r;
}

void HttpServer::Impl::Handle(const Request& req, Done done) {
  if (HandleWeb(req, done)) return;
  const proto::Target& t = req.target;
  const std::string& body = req.body;
  const std::optional<Nip98Auth>& auth = req.auth;
  const std::string& lease = req.lease;
  const bool more = req.more;
  const http::verb method = req.method;
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
  if (p == "/v1/head") {
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
