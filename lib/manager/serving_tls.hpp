#pragma once
// The TLS identity of the metrics server with --metrics-secure (controller-runtime's
// metricsserver.Options.CertDir): tls.crt (the certificate, then any intermediates) and tls.key
// from `cert_dir`, read once at start; or, without a cert dir, a self-signed certificate and key
// made in memory at start (net/certificate.hpp) for the host name, localhost, 127.0.0.1 and ::1.
// Prometheus scrapes it with insecure_skip_verify, or with the CA of a certificate mounted into the
// cert dir (docs/operations.md). TLS 1.2 and newer only.

#include <filesystem>
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace steward::manager {

// Throws std::runtime_error naming the file and what is wrong with it (unreadable, not PEM, a key
// that does not match the certificate): the daemon then does not start.
std::shared_ptr<boost::asio::ssl::context> serving_tls_context(
    const std::filesystem::path& cert_dir);

// This machine's host name ("localhost" when it has none): the self-signed certificate's CN.
std::string host_name();

}  // namespace steward::manager
