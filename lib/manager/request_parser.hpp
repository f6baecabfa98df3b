#pragma once
// How the metrics and probe server (http_server.cpp) reads a request: Beast's request parser with
// the server's limits, and the answer to a request it cannot parse. Apart from the server, and
// header-only, so that fuzz/http_request_fuzz.cpp runs this very configuration without the
// server's sockets. It includes Beast: include it from a .cpp only (docs/architecture.md).

#include <algorithm>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>

namespace steward::manager {

// Only the header is read: the server answers GET and HEAD, which have no body; a request that
// has one is answered with an error and the rest of it drained, never parsed.
using RequestParser = boost::beast::http::request_parser<boost::beast::http::empty_body>;

// A parser for one request, its start line and its fields each at most `max_header_bytes`
// (HttpServerOptions): Beast applies the limit to each on its own, so a whole header may reach
// twice that (boost/beast/http/impl/basic_parser.ipp; fuzz/http_request_fuzz.cpp checks the bound).
inline void limit_request_parser(RequestParser& parser, std::size_t max_header_bytes) {
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
}

// The answer to a request that could not be parsed, or nullopt when there is no one to answer
// (the client went away or was too slow).
inline std::optional<boost::beast::http::status> status_for_read_error(
    const boost::system::error_code& ec) {
  namespace http = boost::beast::http;
  if (ec == http::error::header_limit) return http::status::request_header_fields_too_large;
  const auto& http_errors = http::make_error_code(http::error::end_of_stream).category();
  if (ec.category() == http_errors && ec != http::error::end_of_stream &&
      ec != http::error::partial_message)
    return http::status::bad_request;
  return std::nullopt;
}

}  // namespace steward::manager
