// Fuzzes what a server reads from the network before anything else: the HTTP
// request (Boost.Beast's parser, with the server's header limit), its target
// and query (proto::ParseTarget), its NIP-98 Authorization header
// (CheckNip98), the bodies the API parses (lease requests, framed event
// streams), and what the board and the public tree read: tile paths, board
// paths, the Cookie header, sign-in tokens. Invariants: no crash, no unbounded
// work; an accepted NIP-98 event names the URL and method it was checked
// against; a framed stream that parses re-frames to exactly its bytes; a tile
// path that parses prints back to exactly itself.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdlib>
#include <string>

#include "ledger/tiles.h"
#include "net/nip98.h"
#include "net/protocol.h"

using namespace custody;
namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  http::request_parser<http::string_body> parser;
  parser.header_limit(8192);
  parser.body_limit(1 << 20);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(text.data(), text.size()), ec);
  std::string target = "/v1/info", auth, body;
  if (parser.is_header_done()) {
    const auto& h = parser.get();
    target = std::string(h.target());
    auth = std::string(h[http::field::authorization]);
    if (parser.is_done()) body = h.body();
  } else {
    // Not a request: try the pieces on their own.
    auth = std::string(text);
    body = std::string(text);
  }
  (void)proto::ParseTarget(target);
  (void)proto::ParseBoardPath(target);
  if (target.rfind("/tlog/", 0) == 0) {
    auto tile = ParseTilePath(std::string_view(target).substr(6));
    if (tile.ok() && TilePath(*tile) != target.substr(6)) std::abort();
    if (tile.ok() && TileFirstLeaf(*tile) > TileEndLeaf(*tile)) std::abort();
  }
  if (parser.is_header_done()) {
    const std::string cookie =
        proto::CookieValue(parser.get()[http::field::cookie], "custody_session");
    if (cookie.find(';') != std::string::npos) std::abort();
  }
  auto signin = DecodeSigninToken(target.substr(target.find('=') + 1));
  if (signin.ok()) {
    Nip98Expect e;
    e.method = "GET";
    e.now = 1796187995;
    e.max_age_s = kSigninTokenSeconds;
    auto claim = CheckNip98Event(*signin, e);
    if (claim.ok() && claim->created_at < e.now - kSigninTokenSeconds) std::abort();
  }
  Nip98Expect expect;
  expect.url = "http://127.0.0.1:8443" + target;
  expect.method = "GET";
  expect.now = 1796187995;
  auto ok = CheckNip98(auth, expect);
  if (ok.ok() && (ok->created_at > expect.now + kNip98WindowSeconds ||
                  ok->created_at < expect.now - kNip98WindowSeconds))
    std::abort();
  (void)proto::ParseLeaseRequest(body);
  (void)proto::ParseAppendAnswer(body);
  (void)proto::ParseLease(body);
  auto framed = proto::ParseFramed(body, 1 << 16);
  if (framed.ok()) {
    std::string again;
    for (const Bytes& e : *framed) proto::AppendFramed(e, &again);
    if (again != body) std::abort();
  }
  return 0;
}
