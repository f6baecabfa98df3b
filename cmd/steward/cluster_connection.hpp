#pragma once
// Which API server and credentials a command uses, as kubectl and controller-runtime choose them:
// --in-cluster (or nothing given inside a pod) -> the pod's service account; otherwise the
// kubeconfig from --kubeconfig, else $KUBECONFIG, else ~/.kube/config, at --context or its
// current-context. Throws kube::ConfigError naming the file and field on a bad configuration.

#include <string>

#include "kube/client.hpp"
#include "kube/rest_config.hpp"

namespace CLI {
class App;
}

namespace steward::config {
struct ClusterConfig;
}

namespace steward::cmd {

struct ClusterFlags {
  std::string kubeconfig;
  std::string context;
  bool in_cluster = false;
};

kube::RestConfig load_rest_config(const ClusterFlags& flags);

// --kubeconfig, --context and --in-cluster for a command that reads a StewardConfig, whose
// `cluster` section fills in what the command line leaves out (with_config).
void add_cluster_options(CLI::App& command, ClusterFlags& flags);

// `flags` with the StewardConfig's `cluster` section where a flag was not given: a flag wins, and
// either one asking for the service account is enough.
ClusterFlags with_config(ClusterFlags flags, const config::ClusterConfig& cluster);

// The API client's options from the StewardConfig's `cluster` section: throttle and breaker.
kube::ClientOptions client_options(const config::ClusterConfig& cluster);

}  // namespace steward::cmd
