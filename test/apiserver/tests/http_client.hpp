// A small blocking HTTP/1.1 client for the tests (plain or TLS), plus a watch-stream reader that
// returns one event at a time with a deadline. Beast stays in http_client.cpp.
#pragma once

#include "json.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace steward::testapi::testing {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  json::Value json() const { return json::parse(body); }
};

struct Endpoint {
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  std::string ca_pem;  // empty: plain HTTP
  std::string token;
};

// `headers`: more request headers (Accept, If-None-Match, ...).
HttpReply request(const Endpoint& ep, const std::string& method, const std::string& target,
                  const std::string& body = "", const std::string& content_type = "application/json",
                  const std::map<std::string, std::string>& headers = {});

class WatchStream {
 public:
  WatchStream(const Endpoint& ep, const std::string& target);
  ~WatchStream();
  int status() const;
  // The next event; nullopt when the stream ended or the deadline passed (see ended()).
  std::optional<json::Value> next(std::chrono::milliseconds deadline = std::chrono::seconds(10));
  bool ended() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace steward::testapi::testing
