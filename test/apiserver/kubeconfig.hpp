// The kubeconfig a client (steward, kubectl) uses to reach this server: one cluster, one user with a
// bearer token, one context, made current.
#pragma once

#include <string>

namespace steward::testapi {

// `ca_pem` empty: no certificate-authority-data (plain HTTP). Throws std::runtime_error on I/O failure.
void write_kubeconfig(const std::string& path, const std::string& server_url, const std::string& ca_pem,
                      const std::string& token);

}  // namespace steward::testapi
