#pragma once
// ExecCredentialProvider: runs a kubeconfig exec plugin (client.authentication.k8s.io v1 or v1beta1)
// and caches the credential it prints until its expirationTimestamp.
//
// The plugin runs with a minimal environment (exec_plugin_environment: PATH, HOME, the configured
// env, KUBERNETES_EXEC_INFO set to an ExecCredential whose spec says `interactive: false`; steward
// is a daemon: stdin is /dev/null), and a time limit after which it is killed. Its stdout must be
// an ExecCredential of the configured apiVersion with a token or a client certificate and key (or
// both). Its stderr is read but reported only as stderr_summary() of a failed run, never whole:
// plugins print debug output there, sometimes with secrets in it.
//
// Invariants: at most one plugin run at a time per provider (the mutex is held across the run, as
// client-go does, so a burst of requests with an expired credential runs the plugin once); a
// credential without expirationTimestamp is kept until invalidate(); a failed run is not cached,
// the next get() tries again.
//
// get() blocks while the plugin runs (up to Options::timeout): call it from a thread that may block,
// never from the I/O event loop itself.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.hpp"
#include "kube/rest_config.hpp"

namespace steward::kube {

struct ExecCredential {
  std::string token;                   // empty if the plugin gave none
  std::string client_certificate_pem;  // set together with client_key_pem, or neither
  std::string client_key_pem;
  std::optional<std::chrono::system_clock::time_point> expiration;  // none: valid until a 401
};

// A credential, or why there is none. The error names the command and what went wrong.
struct ExecOutcome {
  std::shared_ptr<const ExecCredential> credential;
  std::string error;

  bool ok() const { return credential != nullptr; }
};

// Parses a plugin's stdout. `command` only labels errors. Exposed for tests.
ExecOutcome parse_exec_credential(std::string_view command, std::string_view expected_api_version,
                                  std::string_view output);

// The plugin's environment, "NAME=value" each: PATH and HOME as given (steward's own; absent when
// nullopt), then the configured env (a name given twice: the later value), then
// KUBERNETES_EXEC_INFO, which the configuration cannot override. Nothing else of steward's
// environment is passed: it may hold other credentials (client-go passes all of it).
std::vector<std::string> exec_plugin_environment(const ExecConfig& config,
                                                 const std::optional<std::string>& path,
                                                 const std::optional<std::string>& home);

// The longest a stderr summary gets, without the "..." that marks a cut.
inline constexpr std::size_t kMaxStderrSummary = 200;

// What of a failed plugin's stderr goes into its error: the first non-blank line, every byte that
// is not printable ASCII replaced by '?', cut to kMaxStderrSummary characters plus "...".
std::string stderr_summary(std::string_view text);

// Parses an RFC 3339 timestamp ("2026-11-25T10:00:00Z", fractions and "+01:00" offsets allowed).
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

class ExecCredentialProvider {
 public:
  using WallClock = std::function<std::chrono::system_clock::time_point()>;

  struct Options {
    // A plugin that has not finished by then is killed: a hung plugin must not hang every request.
    // 30 s leaves room for plugins that call a cloud API.
    std::chrono::milliseconds timeout = std::chrono::seconds(30);
  };

  // `clock` decides when a cached credential expires; `wall_clock` (system time) converts the
  // plugin's RFC 3339 expiry onto it, once, when the credential arrives. Both are borrowed/copied
  // for the provider's lifetime. Throws std::invalid_argument for an unsupported apiVersion or an
  // empty command.
  ExecCredentialProvider(ExecConfig config, const base::Clock& clock, WallClock wall_clock,
                         Options options);
  ExecCredentialProvider(ExecConfig config, const base::Clock& clock, WallClock wall_clock);

  // The cached credential if it has not expired, else the result of running the plugin.
  ExecOutcome get();

  // After a 401 with `used`: drop it so the next get() re-runs the plugin, unless the cache already
  // holds a newer credential (another request got there first).
  void invalidate(const std::shared_ptr<const ExecCredential>& used);

  // How many times the plugin has been started; for tests and metrics.
  int runs() const;

 private:
  ExecOutcome run_plugin() const;

  const ExecConfig config_;
  const base::Clock& clock_;
  const WallClock wall_clock_;
  const Options options_;

  mutable std::mutex mu_;  // guards everything below, and is held while the plugin runs
  std::shared_ptr<const ExecCredential> cached_;
  std::optional<base::Clock::time_point> cached_until_;  // nullopt: no expiry
  int runs_ = 0;
};

}  // namespace steward::kube
