#pragma once
// Credentials: the Authorization header for each request, kept fresh.
//
//   static token   as configured
//   token file     re-read when older than `token_file_refresh` (client-go: about once a minute,
//                  because projected service-account tokens rotate) and after every 401
//   exec plugin    ExecCredentialProvider's cached credential; dropped after a 401
//
// A 401 therefore costs one refresh and one retry, never an outage when a token rotates.
// Client certificates are not here: they are part of the TLS context. Thread-safe.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/clock.hpp"
#include "kube/api_error.hpp"
#include "kube/exec_credential.hpp"
#include "kube/rest_config.hpp"

namespace steward::kube {

struct CredentialsOptions {
  // How long a token read from a file is used before the file is read again (client-go: 1 min).
  base::Clock::duration token_file_refresh = std::chrono::minutes(1);
};

class Credentials {
 public:
  Credentials(const AuthConfig& auth, const base::Clock& clock = base::SteadyClock::instance(),
              CredentialsOptions options = {});

  // "Bearer <token>", or empty for none. Fails (token file unreadable, exec plugin failed) with an
  // ApiError that says so; the request is then not sent.
  struct Header {
    std::string value;
    std::optional<ApiError> error;
  };
  Header authorization();

  // The server answered 401 to a request made with `used` (a value from authorization()): refresh
  // before the next request, unless another request already did.
  void unauthorized(const std::string& used);

 private:
  const AuthConfig auth_;
  const base::Clock& clock_;
  const CredentialsOptions options_;
  std::unique_ptr<ExecCredentialProvider> exec_;
  std::mutex mu_;                    // guards the token-file cache and last_exec_
  std::string file_token_;           // last token read from auth_.token_file
  std::optional<base::Clock::time_point> file_read_at_;  // nullopt: read before the next use
  std::shared_ptr<const ExecCredential> last_exec_;
};

}  // namespace steward::kube
