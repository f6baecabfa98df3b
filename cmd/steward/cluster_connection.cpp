#include "cluster_connection.hpp"

#include <cstdlib>
#include <filesystem>
#include <optional>

#include "kube/in_cluster.hpp"
#include "kube/kubeconfig.hpp"

namespace steward::cmd {

kube::RestConfig load_rest_config(const ClusterFlags& flags) {
  const auto in_cluster_env = kube::InClusterEnv::from_environment();
  if (flags.in_cluster ||
      (flags.kubeconfig.empty() && flags.context.empty() && !std::getenv("KUBECONFIG") &&
       kube::in_cluster_available(in_cluster_env))) {
    return kube::load_in_cluster(in_cluster_env);
  }
  return kube::load_kubeconfig(kube::KubeconfigOptions::from_environment(
      flags.kubeconfig.empty() ? std::nullopt
                               : std::optional<std::filesystem::path>(flags.kubeconfig),
      flags.context.empty() ? std::nullopt : std::optional<std::string>(flags.context)));
}

}  // namespace steward::cmd
