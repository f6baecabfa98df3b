#include "kubeconfig.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace steward::testapi {

void write_kubeconfig(const std::string& path, const std::string& server_url, const std::string& ca_pem,
                      const std::string& token) {
  std::string ca_b64;
  if (!ca_pem.empty()) {
    std::vector<unsigned char> out(4 * ((ca_pem.size() + 2) / 3) + 1);
    int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(ca_pem.data()),
                            static_cast<int>(ca_pem.size()));
    ca_b64.assign(reinterpret_cast<char*>(out.data()), static_cast<std::size_t>(n));
  }
  // Write to a temporary name and rename: a reader polling for the file never sees half of it.
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    if (!f) throw std::runtime_error("steward-testapi: cannot write kubeconfig " + path);
    f << "apiVersion: v1\nkind: Config\nclusters:\n- name: steward-testapi\n  cluster:\n    server: " << server_url << "\n";
    if (!ca_b64.empty()) f << "    certificate-authority-data: " << ca_b64 << "\n";
    f << "users:\n- name: steward-testapi\n  user:\n    token: \"" << token << "\"\n"
      << "contexts:\n- name: steward-testapi\n  context:\n    cluster: steward-testapi\n    user: steward-testapi\n"
      << "    namespace: default\n"
      << "current-context: steward-testapi\npreferences: {}\n";
    if (!f.flush()) throw std::runtime_error("steward-testapi: cannot write kubeconfig " + path);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error("steward-testapi: cannot write kubeconfig " + path);
}

}  // namespace steward::testapi
