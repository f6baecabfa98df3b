#include <catch2/catch.hpp>

#include <stdexcept>

#include "kube/rest_config.hpp"

using namespace steward::kube;

TEST_CASE("server URL: scheme, host, explicit and default ports, path prefix") {
  auto url = parse_server_url("https://api.example.com:6443");
  CHECK(url.scheme == "https");
  CHECK(url.host == "api.example.com");
  CHECK(url.port == 6443);
  CHECK(url.path_prefix.empty());
  CHECK(url.to_string() == "https://api.example.com:6443");

  CHECK(parse_server_url("https://10.0.0.1").port == 443);
  CHECK(parse_server_url("http://localhost").port == 80);
  CHECK(parse_server_url("HTTPS://h:1").scheme == "https");

  url = parse_server_url("https://rancher.example.com/k8s/clusters/c-abc/");
  CHECK(url.path_prefix == "/k8s/clusters/c-abc");
  CHECK(url.to_string() == "https://rancher.example.com:443/k8s/clusters/c-abc");
}

TEST_CASE("server URL: IPv6 hosts are stored bare and bracketed again in the authority") {
  const auto url = parse_server_url("https://[fd00::1]:6443");
  CHECK(url.host == "fd00::1");
  CHECK(url.port == 6443);
  CHECK(url.authority() == "[fd00::1]:6443");
  CHECK(parse_server_url("https://[::1]").port == 443);
}

TEST_CASE("server URL: no scheme means https") {
  const auto url = parse_server_url("kube.local:8443");
  CHECK(url.scheme == "https");
  CHECK(url.host == "kube.local");
  CHECK(url.port == 8443);
}

TEST_CASE("server URL: unusable URLs are rejected with a reason") {
  CHECK_THROWS_WITH(parse_server_url("ftp://h"), Catch::Contains("not http or https"));
  CHECK_THROWS_WITH(parse_server_url("https://:6443"), Catch::Contains("no host"));
  CHECK_THROWS_WITH(parse_server_url("https://h:0"), Catch::Contains("not 1-65535"));
  CHECK_THROWS_WITH(parse_server_url("https://h:70000"), Catch::Contains("not 1-65535"));
  CHECK_THROWS_WITH(parse_server_url("https://h:x"), Catch::Contains("not 1-65535"));
  CHECK_THROWS_WITH(parse_server_url("https://h:"), Catch::Contains("empty port"));
  CHECK_THROWS_WITH(parse_server_url("https://fd00::1"), Catch::Contains("brackets"));
  CHECK_THROWS_WITH(parse_server_url("https://u:p@h"), Catch::Contains("user information"));
  CHECK_THROWS_WITH(parse_server_url("https://h/?a=b"), Catch::Contains("query"));
}

TEST_CASE("describe() names the identity and redacts every secret") {
  RestConfig config;
  config.server = parse_server_url("https://h:6443");
  config.ca_pem = std::string(100, 'c');
  config.auth.bearer_token = "SECRET-TOKEN";
  config.auth.client_certificate_pem = "CERT-PEM";
  config.auth.client_key_pem = "SECRET-KEY";
  config.auth.exec = ExecConfig{"client.authentication.k8s.io/v1", "aws", {"eks", "get-token"},
                                {{"AWS_ACCESS", "SECRET-ENV"}}, ""};
  config.identity = identity_of(config.auth);
  config.default_namespace = "apps";
  const std::string text = config.describe();
  CHECK(text.find("SECRET") == std::string::npos);
  CHECK(text.find("server=https://h:6443") != std::string::npos);
  CHECK(text.find("ca=100 bytes") != std::string::npos);
  CHECK(text.find("identity=exec") != std::string::npos);
  CHECK(text.find("token=<redacted>") != std::string::npos);
  CHECK(text.find("client-key=<redacted>") != std::string::npos);
  CHECK(text.find("exec=aws eks get-token") != std::string::npos);
  CHECK(text.find("AWS_ACCESS=<redacted>") != std::string::npos);
  CHECK(text.find("namespace=apps") != std::string::npos);
}

TEST_CASE("identity ranks exec, then client certificate, then token file, then token") {
  AuthConfig auth;
  CHECK(identity_of(auth) == IdentityKind::none);
  auth.bearer_token = "t";
  CHECK(identity_of(auth) == IdentityKind::token);
  auth.token_file = "/f";
  CHECK(identity_of(auth) == IdentityKind::token_file);
  auth.client_certificate_pem = "c";
  auth.client_key_pem = "k";
  CHECK(identity_of(auth) == IdentityKind::client_certificate);
  auth.exec = ExecConfig{};
  CHECK(identity_of(auth) == IdentityKind::exec);
  // The words of issue #4's `steward check` (token, certificate, exec or in-cluster), plus
  // token-file (a token re-read from its file) and none (anonymous).
  CHECK(to_string(IdentityKind::none) == "none");
  CHECK(to_string(IdentityKind::token) == "token");
  CHECK(to_string(IdentityKind::token_file) == "token-file");
  CHECK(to_string(IdentityKind::client_certificate) == "certificate");
  CHECK(to_string(IdentityKind::exec) == "exec");
  CHECK(to_string(IdentityKind::in_cluster) == "in-cluster");
}
