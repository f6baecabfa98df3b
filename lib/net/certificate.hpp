#pragma once
// Certificates made at run time with OpenSSL's C API: ECDSA P-256 keys (fast to generate, accepted
// by Go's TLS stack and by curl) and X.509 v3 certificates, self-signed or signed by an issuer
// given as PEM. For a serving identity nobody provisioned: steward's /metrics without
// --metrics-cert-dir (manager/serving_tls.hpp), and steward-testapi's throwaway CA.

#include <string>
#include <vector>

namespace steward::net {

struct CertificateSpec {
  std::string common_name;
  // subjectAltName entries: host names and IP addresses (clients check these, not the CN).
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  bool is_ca = false;  // a CA signs; otherwise a TLS server certificate (serverAuth)
  long valid_days = 365;
};

struct KeyPair {
  std::string cert_pem;
  std::string key_pem;
};

// A new key and a certificate for it: self-signed when `issuer` is null, else signed by it (a CA
// made by this function). Throws std::runtime_error when OpenSSL fails.
KeyPair make_certificate(const CertificateSpec& spec, const KeyPair* issuer = nullptr);

}  // namespace steward::net
