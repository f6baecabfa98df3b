#pragma once
// In-cluster configuration: what a pod gets from Kubernetes to reach its own API server.
//
//   server     https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT (an IPv6 host bracketed)
//   token      <secrets dir>/token: a projected token that the kubelet rotates, so RestConfig keeps
//              the path and the transport re-reads it (client-go: about once a minute). It is read
//              once here only to fail at startup rather than on the first request.
//   CA         <secrets dir>/ca.crt (required: steward never falls back to the system trust store
//              for the cluster's own API server)
//   namespace  $POD_NAMESPACE, else <secrets dir>/namespace, else "default" (as clientcmd)

#include <filesystem>
#include <optional>
#include <string>

#include "kube/config_error.hpp"
#include "kube/rest_config.hpp"

namespace steward::kube {

inline constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

struct InClusterEnv {
  std::string service_host;  // KUBERNETES_SERVICE_HOST
  std::string service_port;  // KUBERNETES_SERVICE_PORT
  std::optional<std::string> pod_namespace;  // POD_NAMESPACE
  // Where token, ca.crt and namespace are; tests point it at a temporary folder.
  std::filesystem::path secrets_dir = kServiceAccountDir;
  // HTTPS_PROXY and friends, only for the warning that steward ignores them (security_warnings).
  ProxyEnvironment proxy_env;

  static InClusterEnv from_environment();
};

// True when the process looks like it runs in a pod (both service variables set), which is how
// steward decides between in-cluster and kubeconfig when given neither flag.
bool in_cluster_available(const InClusterEnv& env);

// Throws ConfigError.
RestConfig load_in_cluster(const InClusterEnv& env);

}  // namespace steward::kube
