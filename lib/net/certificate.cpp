#include "net/certificate.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>

namespace steward::net {
namespace {

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL failed: ") + what);
}

PkeyPtr new_key() {
  PkeyPtr key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  check(key != nullptr, "EVP_EC_gen");
  return key;
}

BioPtr read_bio(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  check(bio != nullptr, "BIO_new_mem_buf");
  return bio;
}

X509Ptr parse_cert(const std::string& pem) {
  X509Ptr cert(PEM_read_bio_X509(read_bio(pem).get(), nullptr, nullptr, nullptr), &X509_free);
  check(cert != nullptr, "PEM_read_bio_X509");
  return cert;
}

PkeyPtr parse_key(const std::string& pem) {
  PkeyPtr key(PEM_read_bio_PrivateKey(read_bio(pem).get(), nullptr, nullptr, nullptr),
              &EVP_PKEY_free);
  check(key != nullptr, "PEM_read_bio_PrivateKey");
  return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "X509V3_EXT_conf_nid");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

std::string subject_alt_names(const CertificateSpec& spec) {
  std::string names;
  for (const auto& dns : spec.dns_names) names += (names.empty() ? "DNS:" : ",DNS:") + dns;
  for (const auto& ip : spec.ip_addresses) names += (names.empty() ? "IP:" : ",IP:") + ip;
  return names;
}

// A random positive 63-bit serial: two certificates made for one name must not share one.
void set_serial(X509* cert) {
  unsigned char bytes[8];
  check(RAND_bytes(bytes, sizeof bytes) == 1, "RAND_bytes");
  bytes[0] &= 0x7f;
  long serial = 0;
  for (unsigned char b : bytes) serial = (serial << 8) | b;
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial == 0 ? 1 : serial);
}

template <class Write>
std::string pem_of(Write write) {
  BioPtr bio(BIO_new(BIO_s_mem()), &BIO_free);
  check(bio != nullptr && write(bio.get()) == 1, "PEM_write");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace

KeyPair make_certificate(const CertificateSpec& spec, const KeyPair* issuer) {
  PkeyPtr key = new_key();
  X509Ptr cert(X509_new(), &X509_free);
  check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  set_serial(cert.get());
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);  // tolerate small clock skew
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), spec.valid_days * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
                             -1, 0);
  X509Ptr issuer_cert(nullptr, &X509_free);
  PkeyPtr issuer_key(nullptr, &EVP_PKEY_free);
  if (issuer) {
    issuer_cert = parse_cert(issuer->cert_pem);
    issuer_key = parse_key(issuer->key_pem);
  }
  X509* signer = issuer ? issuer_cert.get() : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  if (spec.is_ca) {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
  } else {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth");
  }
  add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (issuer) add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (const std::string names = subject_alt_names(spec); !names.empty()) {
    add_ext(cert.get(), signer, NID_subject_alt_name, names);
  }
  check(X509_sign(cert.get(), issuer ? issuer_key.get() : key.get(), EVP_sha256()) > 0,
        "X509_sign");
  return KeyPair{pem_of([&](BIO* bio) { return PEM_write_bio_X509(bio, cert.get()); }),
                 pem_of([&](BIO* bio) {
                   return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr,
                                                   nullptr);
                 })};
}

}  // namespace steward::net
