#include "manager/serving_tls.hpp"

#include <unistd.h>

#include <array>
#include <boost/asio/ssl/context.hpp>
#include <stdexcept>

#include "net/certificate.hpp"

namespace steward::manager {
namespace ssl = boost::asio::ssl;

namespace {

std::shared_ptr<ssl::context> tls_12_or_newer() {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                       ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  return context;
}

void load(ssl::context& context, const std::filesystem::path& cert, const std::filesystem::path& key) {
  boost::system::error_code ec;
  context.use_certificate_chain_file(cert.string(), ec);
  if (ec) throw std::runtime_error("--metrics-cert-dir: cannot use " + cert.string() + ": " + ec.message());
  context.use_private_key_file(key.string(), ssl::context::pem, ec);
  if (ec) throw std::runtime_error("--metrics-cert-dir: cannot use " + key.string() + ": " + ec.message());
}

}  // namespace

std::string host_name() {
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0 || name[0] == '\0') return "localhost";
  return name.data();
}

std::shared_ptr<ssl::context> serving_tls_context(const std::filesystem::path& cert_dir) {
  auto context = tls_12_or_newer();
  if (!cert_dir.empty()) {
    load(*context, cert_dir / "tls.crt", cert_dir / "tls.key");
    return context;
  }
  const std::string host = host_name();
  net::CertificateSpec spec{.common_name = host,
                            .dns_names = {host},
                            .ip_addresses = {"127.0.0.1", "::1"}};
  if (host != "localhost") spec.dns_names.push_back("localhost");
  const net::KeyPair pair = net::make_certificate(spec);
  boost::system::error_code ec;
  context->use_certificate_chain(boost::asio::buffer(pair.cert_pem), ec);
  if (!ec) context->use_private_key(boost::asio::buffer(pair.key_pem), ssl::context::pem, ec);
  if (ec) throw std::runtime_error("cannot use the self-signed metrics certificate: " + ec.message());
  return context;
}

}  // namespace steward::manager
