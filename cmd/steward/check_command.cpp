// steward check: can steward reach and use the API server with this configuration?
//
// Prints name=value lines (server, server_version, resources, identity, source, then one warning=
// line per RestConfig::warnings entry) and exits 0, warnings or not; on failure prints the warning=
// lines it has (they may explain the failure), then one line naming the kind of failure (config,
// tls, auth, network, server), and exits 1.

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <iostream>
#include <optional>

#include "cluster_connection.hpp"
#include "commands.hpp"
#include "kube/client.hpp"
#include "kube/config_error.hpp"
#include "kube/discovery.hpp"

namespace steward::cmd {
namespace {

using CheckFlags = ClusterFlags;

// Which of the failures `steward check` promises to tell apart.
std::string_view failure_kind(const kube::ApiError& error) {
  if (error.is_unauthorized() || error.is_forbidden()) return "auth";
  if (!error.is_transport_failure()) return "server";
  if (error.message().find("TLS") != std::string::npos) return "tls";
  return "network";
}

int run_check(const CheckFlags& flags) {
  kube::RestConfig config;
  try {
    config = load_rest_config(flags);
  } catch (const kube::ConfigError& e) {
    std::cout << "check failed: config: " << e.what() << "\n";
    return kExitFailure;
  }
  const auto print_warnings = [&config] {
    for (const auto& warning : config.warnings) std::cout << "warning=" << warning << "\n";
  };

  boost::asio::io_context io;
  std::optional<kube::Client> client;
  try {
    // Fail fast: a check is interactive, so no retries and short deadlines.
    kube::ClientOptions options;
    options.retry.max_attempts = 1;
    options.transport.connect_timeout = std::chrono::seconds(10);
    options.transport.request_timeout = std::chrono::seconds(20);
    client.emplace(io, config, options);
  } catch (const std::exception& e) {
    print_warnings();
    std::cout << "check failed: tls: " << e.what() << "\n";
    return kExitFailure;
  }

  int exit_code = kExitFailure;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        kube::HttpRequest get_version{.method = "GET", .target = "/version", .verb = "get"};
        auto version = co_await client->request(std::move(get_version));
        if (!version.ok()) {
          print_warnings();
          std::cout << "check failed: " << failure_kind(*version.error) << ": "
                    << version.error->to_string() << "\n";
          co_return;
        }
        rapidjson::Document doc;
        doc.Parse(version.response.body.c_str());
        const std::string_view git_version =
            doc.IsObject() ? kube::string_at(doc, {"gitVersion"}) : std::string_view{};
        kube::Discovery discovery(*client);
        if (auto error = co_await discovery.refresh()) {
          print_warnings();
          std::cout << "check failed: " << failure_kind(*error) << ": " << error->to_string()
                    << "\n";
          co_return;
        }
        std::cout << "server=" << config.server.to_string() << "\n"
                  << "server_version=" << (git_version.empty() ? "unknown" : git_version) << "\n"
                  << "resources=" << discovery.resource_count() << "\n"
                  << "identity=" << kube::to_string(config.identity) << "\n"
                  << "source=" << config.source << "\n";
        print_warnings();
        exit_code = kExitOk;
      },
      boost::asio::detached);
  io.run();
  return exit_code;
}

}  // namespace

Command add_check_command(CLI::App& app) {
  auto flags = std::make_shared<CheckFlags>();
  auto* check = app.add_subcommand(
      "check", "Connect to the API server, read its version and discovery, and print the identity used");
  check->add_option("--kubeconfig", flags->kubeconfig,
                    "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)");
  check->add_option("--context", flags->context, "kubeconfig context (default: current-context)");
  check->add_flag("--in-cluster", flags->in_cluster,
                  "use the pod's service account (the default inside a pod)");
  return [flags] { return run_check(*flags); };
}

}  // namespace steward::cmd
