// An in-process steward-testapi for a test case: serves on a thread over a real loopback socket,
// stops and joins when the test ends.
#pragma once

#include "http_client.hpp"
#include "server.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <thread>

namespace steward::testapi::testing {

class TestServer {
 public:
  explicit TestServer(ServerOptions options = plain_options()) : server_(options) {
    endpoint_.port = server_.start();
    endpoint_.ca_pem = server_.ca_pem();
    endpoint_.token = server_.token();
    thread_ = std::thread([this] { server_.run(); });
  }
  ~TestServer() {
    server_.stop();
    thread_.join();
  }

  static ServerOptions plain_options() {
    ServerOptions o;
    o.tls = false;
    o.token = "test-token";
    return o;
  }

  const Endpoint& endpoint() const { return endpoint_; }

  HttpReply get(const std::string& target) const { return request(endpoint_, "GET", target); }
  HttpReply post(const std::string& target, const std::string& body) const {
    return request(endpoint_, "POST", target, body);
  }
  HttpReply put(const std::string& target, const std::string& body) const { return request(endpoint_, "PUT", target, body); }
  HttpReply patch(const std::string& target, const std::string& body, const std::string& content_type) const {
    return request(endpoint_, "PATCH", target, body, content_type);
  }
  HttpReply del(const std::string& target, const std::string& body = "") const {
    return request(endpoint_, "DELETE", target, body);
  }
  HttpReply faults(const std::string& body) const { return request(endpoint_, "POST", "/_testapi/faults", body); }

 private:
  Server server_;
  Endpoint endpoint_;
  std::thread thread_;
};

inline void create_namespace(const TestServer& s, const std::string& name) {
  REQUIRE(s.post("/api/v1/namespaces", R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")" + name + R"("}})")
              .status == 201);
}

inline std::string rv_of(const json::Value& obj) { return obj.at_path("metadata.resourceVersion")->as_string(); }

}  // namespace steward::testapi::testing
