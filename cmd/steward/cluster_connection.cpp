#include "cluster_connection.hpp"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "config/steward_config.hpp"
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

void add_cluster_options(CLI::App& command, ClusterFlags& flags) {
  command.add_option("--kubeconfig", flags.kubeconfig,
                     "kubeconfig file (default: cluster.kubeconfig, $KUBECONFIG, ~/.kube/config)");
  command.add_option("--context", flags.context, "kubeconfig context");
  command.add_flag("--in-cluster", flags.in_cluster, "use the pod's service account");
}

ClusterFlags with_config(ClusterFlags flags, const config::ClusterConfig& cluster) {
  if (flags.kubeconfig.empty()) flags.kubeconfig = cluster.kubeconfig.string();
  if (flags.context.empty()) flags.context = cluster.context;
  flags.in_cluster = flags.in_cluster || cluster.in_cluster;
  return flags;
}

kube::ClientOptions client_options(const config::ClusterConfig& cluster) {
  kube::ClientOptions options;
  options.throttle.qps = cluster.qps;
  options.throttle.burst = cluster.burst;
  options.throttle.qps_is_bound = cluster.qps_is_bound;
  options.throttle.burst_is_bound = cluster.burst_is_bound;
  options.breaker = cluster.circuit_breaker;
  return options;
}

}  // namespace steward::cmd
