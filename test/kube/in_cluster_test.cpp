#include <catch2/catch.hpp>

#include "kube/in_cluster.hpp"
#include "temp_dir.hpp"

using namespace steward::kube;
using steward::test::TempDir;

namespace {

InClusterEnv pod(const TempDir& dir) {
  dir.write("sa/token", "eyJhbGciOi.token\n");
  dir.write("sa/ca.crt", "CLUSTER-CA");
  dir.write("sa/namespace", "team-a\n");
  InClusterEnv env;
  env.service_host = "10.96.0.1";
  env.service_port = "443";
  env.secrets_dir = dir.path() / "sa";
  return env;
}

std::string load_error(const InClusterEnv& env) {
  try {
    load_in_cluster(env);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("in-cluster: server from the service variables, token path, CA and namespace from files") {
  TempDir dir;
  const auto env = pod(dir);
  REQUIRE(in_cluster_available(env));
  const RestConfig config = load_in_cluster(env);
  CHECK(config.server.to_string() == "https://10.96.0.1:443");
  CHECK(config.auth.token_file == dir.path() / "sa" / "token");
  CHECK(config.auth.bearer_token.empty());  // re-read from the file by the transport, never cached
  CHECK(config.ca_pem == std::string("CLUSTER-CA"));
  CHECK(config.default_namespace == "team-a");
  CHECK(config.identity == IdentityKind::in_cluster);
  CHECK(config.source == "in-cluster");
  CHECK(config.describe().find("eyJ") == std::string::npos);
}

TEST_CASE("in-cluster: an IPv6 service host is bracketed") {
  TempDir dir;
  auto env = pod(dir);
  env.service_host = "fd00:10:96::1";
  env.service_port = "6443";
  const auto config = load_in_cluster(env);
  CHECK(config.server.host == "fd00:10:96::1");
  CHECK(config.server.to_string() == "https://[fd00:10:96::1]:6443");
}

TEST_CASE("in-cluster: POD_NAMESPACE wins over the namespace file, and neither means default") {
  TempDir dir;
  auto env = pod(dir);
  env.pod_namespace = "from-env";
  CHECK(load_in_cluster(env).default_namespace == "from-env");
  env.pod_namespace.reset();
  std::filesystem::remove(dir.path() / "sa" / "namespace");
  CHECK(load_in_cluster(env).default_namespace == "default");
}

TEST_CASE("in-cluster errors: no service variables, missing or empty token, missing CA") {
  TempDir dir;
  auto env = pod(dir);

  InClusterEnv outside = env;
  outside.service_port.clear();
  CHECK_FALSE(in_cluster_available(outside));
  CHECK(load_error(outside) ==
        "in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set");

  InClusterEnv bad_port = env;
  bad_port.service_port = "https";
  CHECK_THAT(load_error(bad_port), Catch::Contains("is not usable: port \"https\" is not 1-65535"));

  dir.write("sa/token", "  \n");
  CHECK(load_error(env) == (dir.path() / "sa" / "token").string() + ": empty token");
  std::filesystem::remove(dir.path() / "sa" / "token");
  CHECK(load_error(env) ==
        (dir.path() / "sa" / "token").string() + ": cannot read: No such file or directory");

  dir.write("sa/token", "t");
  std::filesystem::remove(dir.path() / "sa" / "ca.crt");
  CHECK(load_error(env) ==
        (dir.path() / "sa" / "ca.crt").string() + ": cannot read: No such file or directory");
}

TEST_CASE("in-cluster: HTTPS_PROXY is warned about unless NO_PROXY names the service host") {
  TempDir dir;
  auto env = pod(dir);
  CHECK(load_in_cluster(env).warnings.empty());
  env.proxy_env = {{"HTTPS_PROXY", "http://proxy:3128"}};
  const auto warnings = load_in_cluster(env).warnings;
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::StartsWith("HTTPS_PROXY is set but steward ignores it"));
  env.proxy_env["NO_PROXY"] = "10.96.0.1,.svc";
  CHECK(load_in_cluster(env).warnings.empty());
}
