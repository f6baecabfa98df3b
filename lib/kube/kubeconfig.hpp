#pragma once
// Loading a RestConfig from kubeconfig files, with client-go's rules (clientcmd):
//
//   which files  --kubeconfig PATH (must exist), else every path in KUBECONFIG (':'-separated;
//                empty entries and missing files skipped), else ~/.kube/config.
//   merging      clusters, users and contexts are maps by name: the FIRST file that defines a name
//                wins, later definitions of it are ignored; current-context comes from the first
//                file that sets it. A context in one file may name a user from another.
//   choosing     --context NAME, else current-context.
//   paths        relative file paths (certificate-authority, client-certificate, client-key,
//                tokenFile, an exec command containing '/') resolve against the folder of the file
//                that defined them.
//   data         *-data fields are base64 of PEM; files are read at load time, except tokenFile,
//                which is only checked here and re-read by the transport.
//   unknown      fields are ignored (kubeconfig files carry extensions and preferences).
//   proxy-url    rejected (ConfigError naming the file and cluster): steward's transport connects
//                directly, and silently skipping a proxy the cluster needs would only show up as
//                timeouts. client-go honours it.
//   warnings     RestConfig::warnings gets security_warnings() (rest_config.hpp).
//
// Only the chosen context, cluster and user are interpreted, so a broken entry nobody uses does not
// stop steward. Everything that does go wrong throws ConfigError naming the file, the field path
// (`users[0].user.client-key-data`) and, where yaml-cpp knows it, line:column.

#include <filesystem>
#include <optional>
#include <string>

#include "kube/config_error.hpp"
#include "kube/rest_config.hpp"

namespace steward::kube {

struct KubeconfigOptions {
  // --kubeconfig; when set, KUBECONFIG and the home folder are not looked at.
  std::optional<std::filesystem::path> explicit_path;
  // The KUBECONFIG value; nullopt when the variable is unset (an empty value counts as unset).
  std::optional<std::string> kubeconfig_env;
  // $HOME, for ~/.kube/config; nullopt when unknown.
  std::optional<std::filesystem::path> home;
  // --context; nullopt means current-context.
  std::optional<std::string> context;
  // HTTPS_PROXY and friends, only for the warning that steward ignores them.
  ProxyEnvironment proxy_env;

  // Options from this process's environment (KUBECONFIG, HOME, the proxy variables) plus the two
  // flags.
  static KubeconfigOptions from_environment(std::optional<std::filesystem::path> explicit_path,
                                            std::optional<std::string> context);
};

// Throws ConfigError.
RestConfig load_kubeconfig(const KubeconfigOptions& options);

// One kubeconfig held in memory, read as if it were the file `name` in the folder `dir` (relative
// paths inside resolve against `dir`; the files it names are still read). `context` as in
// KubeconfigOptions; no proxy variables. For tests and fuzz/; throws ConfigError.
RestConfig load_kubeconfig_text(const std::string& text, const std::string& name,
                                const std::filesystem::path& dir,
                                const std::optional<std::string>& context = std::nullopt);

}  // namespace steward::kube
