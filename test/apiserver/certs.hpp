// The server's TLS identity, made at start (net/certificate.hpp): a throwaway CA and a serving
// certificate for 127.0.0.1 and localhost signed by it (ECDSA P-256: fast to generate, and accepted
// by Go's TLS stack). Only the CA reaches the kubeconfig.
#pragma once

#include <string>

namespace steward::testapi {

struct TlsMaterial {
  std::string ca_cert_pem;
  std::string server_cert_pem;
  std::string server_key_pem;
};

// Throws std::runtime_error when OpenSSL fails.
TlsMaterial generate_tls_material();

}  // namespace steward::testapi
