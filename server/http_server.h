// The HTTP front end of `custody serve` (docs/server.md): Boost.Beast on
// Asio, HTTP/1.1 with keep-alive, TLS through OpenSSL. It parses, checks the
// NIP-98 auth and the limits, and hands each request to the Sequencer; it
// holds no rule of the ledger.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ledger/base/status.h"
#include "server/sequencer.h"

namespace custody {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::string port = "0";  // 0: any free port (port() says which)
  std::string tls_cert;    // PEM chain; with tls_key, serve HTTPS
  std::string tls_key;
  std::string public_url;    // what NIP-98 u tags name; default from host:port
  std::string metrics_host;  // "" : no metrics listener
  std::string metrics_port = "0";
  unsigned threads = 2;
  size_t max_connections = 8192;
  int header_timeout_ms = 10000;  // a request's header must arrive within this
  int body_timeout_ms = 30000;    // each body chunk within this
  int idle_timeout_ms = 60000;    // a kept-alive connection idles this long
  bool log_requests = true;       // one line per request on stderr
};

class HttpServer {
 public:
  // Binds the listeners (so the port and public URL are known), serving
  // nothing yet.
  static Result<std::unique_ptr<HttpServer>> Bind(const ServerOptions& options);
  // Starts serving sequencer on options.threads threads.
  void Run(Sequencer* sequencer);
  ~HttpServer();
  uint16_t port() const;
  uint16_t metrics_port() const;
  const std::string& public_url() const;
  // Stops accepting, closes idle connections, lets requests in flight finish
  // (waiting at most drain_ms), then stops the threads.
  void Stop(int drain_ms = 30000);

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace custody
