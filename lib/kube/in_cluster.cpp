#include "kube/in_cluster.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace steward::kube {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

std::optional<std::string> getenv_string(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace

InClusterEnv InClusterEnv::from_environment() {
  InClusterEnv env;
  env.service_host = getenv_string("KUBERNETES_SERVICE_HOST").value_or("");
  env.service_port = getenv_string("KUBERNETES_SERVICE_PORT").value_or("");
  env.pod_namespace = getenv_string("POD_NAMESPACE");
  env.proxy_env = proxy_environment();
  return env;
}

bool in_cluster_available(const InClusterEnv& env) {
  return !env.service_host.empty() && !env.service_port.empty();
}

RestConfig load_in_cluster(const InClusterEnv& env) {
  if (!in_cluster_available(env)) {
    throw ConfigError("in-cluster", "",
                      "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set");
  }
  RestConfig config;
  const bool ipv6 = env.service_host.find(':') != std::string::npos &&
                    env.service_host.front() != '[';
  const std::string host = ipv6 ? "[" + env.service_host + "]" : env.service_host;
  try {
    config.server = parse_server_url("https://" + host + ":" + env.service_port);
  } catch (const std::invalid_argument& e) {
    throw ConfigError("in-cluster", "KUBERNETES_SERVICE_HOST/PORT",
                      "\"" + host + ":" + env.service_port + "\" is not usable: " + e.what());
  }

  const fs::path token_path = env.secrets_dir / "token";
  const auto token = read_file(token_path);
  if (!token) {
    throw ConfigError(token_path.string(), "", "cannot read: " + std::string(std::strerror(errno)));
  }
  if (trim(*token).empty()) throw ConfigError(token_path.string(), "", "empty token");
  config.auth.token_file = token_path;

  const fs::path ca_path = env.secrets_dir / "ca.crt";
  auto ca = read_file(ca_path);
  if (!ca) {
    throw ConfigError(ca_path.string(), "", "cannot read: " + std::string(std::strerror(errno)));
  }
  config.ca_pem = std::move(*ca);

  if (env.pod_namespace && !env.pod_namespace->empty()) {
    config.default_namespace = *env.pod_namespace;
  } else if (auto ns = read_file(env.secrets_dir / "namespace"); ns && !trim(*ns).empty()) {
    config.default_namespace = trim(*ns);
  }
  config.identity = IdentityKind::in_cluster;
  config.source = "in-cluster";
  config.warnings = security_warnings(config, env.proxy_env);
  return config;
}

}  // namespace steward::kube
