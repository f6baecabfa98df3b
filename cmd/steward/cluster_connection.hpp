#pragma once
// Which API server and credentials a command uses, as kubectl and controller-runtime choose them:
// --in-cluster (or nothing given inside a pod) -> the pod's service account; otherwise the
// kubeconfig from --kubeconfig, else $KUBECONFIG, else ~/.kube/config, at --context or its
// current-context. Throws kube::ConfigError naming the file and field on a bad configuration.

#include <string>

#include "kube/rest_config.hpp"

namespace steward::cmd {

struct ClusterFlags {
  std::string kubeconfig;
  std::string context;
  bool in_cluster = false;
};

kube::RestConfig load_rest_config(const ClusterFlags& flags);

}  // namespace steward::cmd
