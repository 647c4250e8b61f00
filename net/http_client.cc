#include "net/http_client.h"

#include <openssl/ssl.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <limits>
#include <optional>

namespace custody {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kMaxAnswer = 64 << 20;  // a JSON or event answer (events are 4 MiB at most)

bool IsLoopback(const std::string& host) {
  if (host == "localhost") return true;
  beast::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  return !ec && addr.is_loopback();
}

}  // namespace

bool IsServerUrl(std::string_view text) {
  return text.rfind("https://", 0) == 0 || text.rfind("http://", 0) == 0;
}

Result<Url> ParseUrl(std::string_view text) {
  Url u;
  std::string_view rest;
  if (text.rfind("https://", 0) == 0) {
    u.tls = true;
    rest = text.substr(8);
  } else if (text.rfind("http://", 0) == 0) {
    rest = text.substr(7);
  } else {
    return Status::Usage("not a server URL: " + std::string(text));
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string_view::npos)
    return Status::Usage("server URL must be scheme://HOST[:PORT]: " + std::string(text));
  std::string_view hostport = rest;
  if (hostport.front() == '[') {
    const size_t close = hostport.find(']');
    if (close == std::string_view::npos)
      return Status::Usage("bad IPv6 address in " + std::string(text));
    u.host = std::string(hostport.substr(1, close - 1));
    hostport.remove_prefix(close + 1);
    if (!hostport.empty() && hostport.front() != ':')
      return Status::Usage("bad server URL " + std::string(text));
  } else {
    const size_t colon = hostport.rfind(':');
    u.host = std::string(hostport.substr(0, colon));
    hostport = colon == std::string_view::npos ? std::string_view() : hostport.substr(colon);
  }
  u.port = hostport.empty() ? (u.tls ? "443" : "80") : std::string(hostport.substr(1));
  if (u.host.empty() || u.port.empty() || u.port.size() > 5 ||
      u.port.find_first_not_of("0123456789") != std::string::npos)
    return Status::Usage("bad host or port in " + std::string(text));
  if (!u.tls && !IsLoopback(u.host))
    return Status::Usage("http:// only to a loopback address; use https:// for " + u.host);
  const std::string host = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
  u.base = std::string(u.tls ? "https://" : "http://") + host + ":" + u.port;
  return u;
}

class HttpClient::Impl {
 public:
  Impl(const Url& url, HttpOptions options)
      : url_(url), options_(std::move(options)), ctx_(ssl::context::tls_client) {}

  // The one completion handler of every operation: it keeps the error.
  // One handler type, not a lambda per call, so that each of Beast's
  // composed operations is instantiated once per stream and body type (they
  // are most of this file's build time).
  struct Done {
    beast::error_code* out;
    void operator()(beast::error_code ec) const { *out = ec; }
    void operator()(beast::error_code ec, std::size_t) const { *out = ec; }
    void operator()(beast::error_code ec, const tcp::endpoint&) const { *out = ec; }
  };

  // Runs one asynchronous operation to its end (the stream's deadline
  // bounds it) and returns its error.
  template <class Start>
  beast::error_code Run(Start start) {
    beast::error_code result;
    start(Done{&result});
    ioc_.restart();
    ioc_.run();
    return result;
  }

  beast::tcp_stream& Lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  void Expire() { Lowest().expires_after(std::chrono::milliseconds(options_.timeout_ms)); }

  Status Fail(const std::string& what, const beast::error_code& ec) {
    Disconnect();
    std::string why = ec == beast::error::timeout ? "timed out" : ec.message();
    return Status::IOError(what + " " + url_.base + ": " + why);
  }

  void Disconnect() {
    if (tls_ || plain_) {
      beast::error_code ec;
      Lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
      Lowest().close();
    }
    tls_.reset();
    plain_.reset();
  }

  Status Connect() {
    if (tls_ || plain_) return Status::OK();
    tcp::resolver resolver(ioc_);
    beast::error_code ec;
    auto results = resolver.resolve(url_.host, url_.port, ec);
    if (ec) return Fail("cannot resolve", ec);
    if (url_.tls) {
      if (!ctx_ready_) {
        ctx_.set_verify_mode(ssl::verify_peer);
        if (options_.ca_file.empty())
          ctx_.set_default_verify_paths(ec);
        else
          ctx_.load_verify_file(options_.ca_file, ec);
        if (ec) return Status::IOError("CA file " + options_.ca_file + ": " + ec.message());
        ctx_ready_ = true;
      }
      tls_.emplace(ioc_, ctx_);
      tls_->set_verify_callback(ssl::host_name_verification(url_.host));
      if (!SSL_set_tlsext_host_name(tls_->native_handle(), url_.host.c_str()))
        return Status::IOError("TLS with " + url_.base + ": cannot set the server name");
    } else {
      plain_.emplace(ioc_);
    }
    Expire();
    ec = Run([&](auto h) { Lowest().async_connect(results, h); });
    if (ec) return Fail("cannot connect to", ec);
    Lowest().socket().set_option(tcp::no_delay(true), ec);
    if (tls_) {
      Expire();
      ec = Run([&](auto h) { tls_->async_handshake(ssl::stream_base::client, h); });
      if (ec) return Fail("TLS with", ec);
    }
    return Status::OK();
  }

  template <class F>
  auto WithStream(F f) {
    if (tls_) return f(*tls_);
    return f(*plain_);
  }

  // retry: the request may be sent twice (a read, or a request that
  // changes nothing by itself); an append is never sent twice.
  template <class Body>
  Result<HttpResponse> Exchange(http::request<Body>& req,
                                const std::function<Status(std::string_view)>& sink, bool retry) {
    // A kept-alive connection the server closed meanwhile fails at once:
    // connect again and send again, once, if nothing was answered.
    for (int attempt = 0;; ++attempt) {
      const bool reused = tls_ || plain_;
      CUSTODY_RETURN_IF_ERROR(Connect());
      Expire();
      beast::error_code ec =
          WithStream([&](auto& s) { return Run([&](auto h) { http::async_write(s, req, h); }); });
      beast::flat_buffer buffer;
      http::response_parser<http::buffer_body> parser;
      // Not boost::none: Beast 1.74 compares a Content-Length with the optional,
      // and every length exceeds "none". The answer is bounded below.
      parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      std::string body;
      if (!ec) {
        Expire();
        ec = WithStream([&](auto& s) {
          return Run([&](auto h) { http::async_read_header(s, buffer, parser, h); });
        });
      }
      if (ec) {
        if (retry && reused && attempt == 0 &&
            (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
             ec == asio::error::broken_pipe || ec == ssl::error::stream_truncated)) {
          Disconnect();
          continue;
        }
        return Fail("request to", ec);
      }
      HttpResponse res;
      res.status = parser.get().result_int();
      const bool stream = sink && res.status == 200;
      std::array<char, 64 << 10> chunk;
      while (!parser.is_done()) {
        parser.get().body().data = chunk.data();
        parser.get().body().size = chunk.size();
        Expire();
        ec = WithStream(
            [&](auto& s) { return Run([&](auto h) { http::async_read(s, buffer, parser, h); }); });
        if (ec == http::error::need_buffer) ec = {};
        if (ec) return Fail("reading the answer of", ec);
        const size_t n = chunk.size() - parser.get().body().size;
        if (stream) {
          CUSTODY_RETURN_IF_ERROR(sink(std::string_view(chunk.data(), n)));
        } else {
          if (res.body.size() + n > kMaxAnswer)
            return Fail("answer too large from", beast::error_code(http::error::body_limit));
          res.body.append(chunk.data(), n);
        }
      }
      if (!parser.get().keep_alive()) Disconnect();
      return res;
    }
  }

  Url url_;
  HttpOptions options_;
  asio::io_context ioc_;
  ssl::context ctx_;
  bool ctx_ready_ = false;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  std::optional<beast::tcp_stream> plain_;
};

HttpClient::HttpClient(Url url, HttpOptions options)
    : url_(url), impl_(std::make_unique<Impl>(url, std::move(options))) {}
HttpClient::~HttpClient() = default;

namespace {

template <class Body>
void SetCommon(http::request<Body>& req, const Url& url, const Headers& headers) {
  req.set(http::field::host, url.host + ":" + url.port);
  req.set(http::field::user_agent, "custody");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.keep_alive(true);
}

}  // namespace

Result<HttpResponse> HttpClient::Request(std::string_view method, std::string_view target,
                                         const Headers& headers, std::string_view body) {
  http::request<http::string_body> req(http::string_to_verb(method), target, 11);
  SetCommon(req, url_, headers);
  if (!body.empty() || method == "POST") {
    req.set(http::field::content_type, "application/octet-stream");
    req.body() = std::string(body);
  }
  req.prepare_payload();
  // Reads, and a lease request (an unused lease lapses), may be sent again.
  const bool retry = method == "GET" || target == "/v1/lease";
  return impl_->Exchange(req, nullptr, retry);
}

Result<HttpResponse> HttpClient::UploadFile(std::string_view target, const Headers& headers,
                                            const std::string& path) {
  http::request<http::file_body> req(http::verb::post, target, 11);
  SetCommon(req, url_, headers);
  beast::error_code ec;
  req.body().open(path.c_str(), beast::file_mode::scan, ec);
  if (ec) return Status::IOError("open " + path + ": " + ec.message());
  req.set(http::field::content_type, "application/octet-stream");
  req.prepare_payload();
  return impl_->Exchange(req, nullptr, false);
}

Result<HttpResponse> HttpClient::DownloadTo(std::string_view target, const Headers& headers,
                                            int fd) {
  // string_body, empty: the type Request sends, so no other instantiation.
  http::request<http::string_body> req(http::verb::get, target, 11);
  SetCommon(req, url_, headers);
  return impl_->Exchange(
      req,
      [fd](std::string_view data) {
        while (!data.empty()) {
          ssize_t n = write(fd, data.data(), data.size());
          if (n < 0) {
            if (errno == EINTR) continue;
            return Status::IOError(std::string("write: ") + std::strerror(errno));
          }
          data.remove_prefix(static_cast<size_t>(n));
        }
        return Status::OK();
      },
      /*retry=*/true);
}

}  // namespace custody
