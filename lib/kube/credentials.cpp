#include "kube/credentials.hpp"

#include <chrono>
#include <fstream>
#include <sstream>

namespace steward::kube {
namespace {

std::string trim(std::string text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

}  // namespace

Credentials::Credentials(const AuthConfig& auth, const base::Clock& clock,
                         CredentialsOptions options)
    : auth_(auth), clock_(clock), options_(options) {
  if (auth_.exec) {
    exec_ = std::make_unique<ExecCredentialProvider>(
        *auth_.exec, clock_, [] { return std::chrono::system_clock::now(); });
  }
}

Credentials::Header Credentials::authorization() {
  if (exec_) {
    // The plugin runs on this thread when its credential expired: rare, and bounded by its timeout.
    ExecOutcome outcome = exec_->get();
    if (!outcome.ok()) return {{}, ApiError::transport_failure(outcome.error)};
    std::lock_guard guard(mu_);
    last_exec_ = outcome.credential;
    if (outcome.credential->token.empty()) return {};
    return {"Bearer " + outcome.credential->token, std::nullopt};
  }
  if (!auth_.token_file.empty()) {
    std::lock_guard guard(mu_);
    const auto now = clock_.now();
    if (!file_read_at_ || now - *file_read_at_ >= options_.token_file_refresh) {
      std::ifstream in(auth_.token_file);
      std::stringstream text;
      text << in.rdbuf();
      const std::string token = trim(text.str());
      if (!in || token.empty()) {
        // Keep using the last good token if there is one: a rotation replaces the file atomically,
        // so an unreadable file is more likely a passing problem than a revoked identity.
        if (file_token_.empty()) {
          return {{}, ApiError::transport_failure("cannot read token file " +
                                                  auth_.token_file.string())};
        }
      } else {
        file_token_ = token;
      }
      file_read_at_ = now;
    }
    return {"Bearer " + file_token_, std::nullopt};
  }
  if (!auth_.bearer_token.empty()) return {"Bearer " + auth_.bearer_token, std::nullopt};
  return {};
}

void Credentials::unauthorized(const std::string& used) {
  std::lock_guard guard(mu_);
  if (exec_ && last_exec_) {
    exec_->invalidate(last_exec_);
    return;
  }
  if (!auth_.token_file.empty() && used == "Bearer " + file_token_) file_read_at_.reset();
}

}  // namespace steward::kube
