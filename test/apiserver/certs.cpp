#include "certs.hpp"

#include "net/certificate.hpp"

namespace steward::testapi {

TlsMaterial generate_tls_material() {
  const net::KeyPair ca = net::make_certificate(
      {.common_name = "steward-testapi-ca", .is_ca = true, .valid_days = 7});
  const net::KeyPair server = net::make_certificate({.common_name = "steward-testapi",
                                                     .dns_names = {"localhost"},
                                                     .ip_addresses = {"127.0.0.1"},
                                                     .valid_days = 7},
                                                    &ca);
  return TlsMaterial{ca.cert_pem, server.cert_pem, server.key_pem};
}

}  // namespace steward::testapi
