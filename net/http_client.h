// The client side of HTTP: one kept-alive connection to a server, over TLS
// (certificate chain and host name verified against the system store or a
// given CA file) or, to a loopback address only, plain HTTP. Every operation
// has a deadline. Errors are IOError naming the server (exit 4).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/base/status.h"

namespace custody {

struct Url {
  bool tls = false;
  std::string host;  // without brackets
  std::string port;
  std::string base;  // "https://host:port", as NIP-98 u tags start
};
// Whether text names a server rather than a directory.
bool IsServerUrl(std::string_view text);
// https://HOST[:PORT] or http://LOOPBACK[:PORT], nothing after but an
// optional "/". Usage error otherwise.
Result<Url> ParseUrl(std::string_view text);

struct HttpOptions {
  std::string ca_file;  // "" : the system's trust store
  int timeout_ms = 60000;
};

struct HttpResponse {
  unsigned status = 0;
  std::string body;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  HttpClient(Url url, HttpOptions options);
  ~HttpClient();
  const Url& url() const { return url_; }
  // One request; connects (again) when needed. A body is sent as is.
  Result<HttpResponse> Request(std::string_view method, std::string_view target,
                               const Headers& headers, std::string_view body);
  // POST of a file's content (evidence), streamed.
  Result<HttpResponse> UploadFile(std::string_view target, const Headers& headers,
                                  const std::string& path);
  // GET into an open file descriptor, streamed; a non-200 answer's body is
  // returned instead (bounded).
  Result<HttpResponse> DownloadTo(std::string_view target, const Headers& headers, int fd);

  class Impl;

 private:
  Url url_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace custody
