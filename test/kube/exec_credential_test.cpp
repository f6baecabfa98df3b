#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "kube/exec_credential.hpp"
#include "temp_dir.hpp"

using namespace std::chrono_literals;
using namespace steward::kube;
using steward::base::FakeClock;
using steward::test::TempDir;
using std::chrono::system_clock;

namespace {

constexpr const char* kV1 = "client.authentication.k8s.io/v1";
constexpr const char* kV1beta1 = "client.authentication.k8s.io/v1beta1";

// 2026-11-25T10:00:00Z: the wall clock's fixed "now" in these tests.
const system_clock::time_point kWallNow =
    std::chrono::sys_days(std::chrono::year(2026) / 11 / 25) + 10h;

// Prints token-N (N counts its runs) valid until $EXPIRY, or without expiry if EXPIRY is empty.
const char* const kCountingPlugin = R"(#!/bin/sh
n=$(cat "$STATE/count" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$STATE/count"
if [ -n "$EXPIRY" ]; then exp=",\"expirationTimestamp\":\"$EXPIRY\""; else exp=""; fi
echo "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\",\"status\":{\"token\":\"token-$n\"$exp}}"
)";

struct Fixture {
  TempDir dir;
  FakeClock clock;

  ExecConfig plugin(const char* script, const char* api_version = kV1) const {
    ExecConfig config;
    config.api_version = api_version;
    config.command = dir.write("plugin.sh", script, true).string();
    config.env = {{"STATE", dir.path().string()}};
    return config;
  }

  ExecCredentialProvider provider(ExecConfig config,
                                  std::chrono::milliseconds timeout = 30s) const {
    return ExecCredentialProvider(std::move(config), clock, [] { return kWallNow; },
                                  ExecCredentialProvider::Options{timeout});
  }

  std::string read(const char* name) const {
    std::ifstream in(dir.path() / name);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
};

std::string token_of(const ExecOutcome& outcome) {
  INFO(outcome.error);
  REQUIRE(outcome.ok());
  return outcome.credential->token;
}

}  // namespace

TEST_CASE("exec plugin: credential is cached until expirationTimestamp, then the plugin re-runs") {
  Fixture f;
  auto config = f.plugin(kCountingPlugin);
  config.env.emplace_back("EXPIRY", "2026-11-25T11:00:00Z");
  auto provider = f.provider(config);

  const auto first = provider.get();
  CHECK(token_of(first) == "token-1");
  CHECK(first.credential->expiration == kWallNow + 1h);
  CHECK(token_of(provider.get()) == "token-1");
  f.clock.advance(59min);
  CHECK(token_of(provider.get()) == "token-1");
  CHECK(provider.runs() == 1);
  f.clock.advance(2min);
  CHECK(token_of(provider.get()) == "token-2");
  CHECK(provider.runs() == 2);
}

TEST_CASE("exec plugin: an already expired credential is used once and re-fetched next time") {
  Fixture f;
  auto config = f.plugin(kCountingPlugin);
  config.env.emplace_back("EXPIRY", "2026-11-25T09:00:00Z");
  auto provider = f.provider(config);
  CHECK(token_of(provider.get()) == "token-1");
  CHECK(token_of(provider.get()) == "token-2");
  CHECK(provider.runs() == 2);
}

TEST_CASE("exec plugin: without expiry the credential is kept until invalidated after a 401") {
  Fixture f;
  auto provider = f.provider(f.plugin(kCountingPlugin));
  const auto first = provider.get();
  CHECK(token_of(first) == "token-1");
  f.clock.advance(24h * 365);
  CHECK(token_of(provider.get()) == "token-1");

  provider.invalidate(first.credential);
  const auto second = provider.get();
  CHECK(token_of(second) == "token-2");
  // A second request that also saw the old credential fail must not cause another run.
  provider.invalidate(first.credential);
  CHECK(token_of(provider.get()) == "token-2");
  CHECK(provider.runs() == 2);
}

TEST_CASE("exec plugin: concurrent requests with no credential run the plugin once") {
  Fixture f;
  auto provider = f.provider(f.plugin(kCountingPlugin));
  std::vector<std::string> tokens(4);
  std::vector<std::thread> threads;
  for (auto& token : tokens) {
    threads.emplace_back([&provider, &token] {
      const auto outcome = provider.get();
      token = outcome.ok() ? outcome.credential->token : outcome.error;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(provider.runs() == 1);
  for (const auto& token : tokens) CHECK(token == "token-1");
}

TEST_CASE("exec plugin: gets its args, the configured env and KUBERNETES_EXEC_INFO") {
  Fixture f;
  auto config = f.plugin(R"(#!/bin/sh
printf '%s|' "$@" > "$STATE/args"
printf '%s' "$KUBERNETES_EXEC_INFO" > "$STATE/info"
read line || true
printf '%s' "$line" > "$STATE/stdin"
echo "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"status\":{\"token\":\"$PROFILE\"}}"
)", kV1beta1);
  config.args = {"--cluster", "prod east"};
  config.env.emplace_back("PROFILE", "ops");
  config.env.emplace_back("PATH", "/usr/bin:/bin");  // overrides steward's own, as in client-go
  auto provider = f.provider(config);
  CHECK(token_of(provider.get()) == "ops");
  CHECK(f.read("args") == "--cluster|prod east|");
  CHECK(f.read("info") ==
        R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":false}})");
  CHECK(f.read("stdin").empty());  // not interactive: stdin is /dev/null
}

TEST_CASE("exec plugin: only PATH, HOME, the configured env and KUBERNETES_EXEC_INFO reach it") {
  Fixture f;
  // A secret in steward's own environment, as a cloud key or another cluster's token would be.
  ::setenv("STEWARD_TEST_DAEMON_SECRET", "do-not-pass", 1);
  auto config = f.plugin(R"(#!/bin/sh
env > "$STATE/env"
echo '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"t"}}'
)");
  config.env.emplace_back("PROFILE", "ops");
  const auto outcome = f.provider(config).get();
  ::unsetenv("STEWARD_TEST_DAEMON_SECRET");
  CHECK(token_of(outcome) == "t");

  std::map<std::string, std::string> seen;
  std::istringstream lines(f.read("env"));
  for (std::string line; std::getline(lines, line);) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) seen[line.substr(0, eq)] = line.substr(eq + 1);
  }
  CHECK(seen.count("STEWARD_TEST_DAEMON_SECRET") == 0);
  CHECK(seen["PROFILE"] == "ops");
  CHECK(seen["STATE"] == f.dir.path().string());
  CHECK(seen["PATH"] == std::getenv("PATH"));
  if (const char* home = std::getenv("HOME")) CHECK(seen["HOME"] == home);
  CHECK(seen.count("KUBERNETES_EXEC_INFO") == 1);
  // What the shell itself adds (PWD, and SHLVL/_ for shells other than dash) is not steward's.
  const std::set<std::string> allowed{"PATH",  "HOME", "KUBERNETES_EXEC_INFO", "STATE", "PROFILE",
                                      "PWD",   "SHLVL", "_", "OLDPWD"};
  for (const auto& [name, value] : seen) {
    INFO(name);
    CHECK(allowed.count(name) == 1);
  }
}

TEST_CASE("exec plugin environment: steward's PATH and HOME, config overrides, KUBERNETES_EXEC_INFO last") {
  ExecConfig config;
  config.api_version = kV1;
  config.command = "get-token";
  config.env = {{"A", "1"}, {"HOME", "/plugin-home"}, {"KUBERNETES_EXEC_INFO", "forged"}, {"A", "2"}};
  CHECK(exec_plugin_environment(config, "/usr/bin:/bin", "/home/steward") ==
        std::vector<std::string>{
            "PATH=/usr/bin:/bin", "HOME=/plugin-home", "A=2",
            R"(KUBERNETES_EXEC_INFO={"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}})"});
  config.env.clear();
  CHECK(exec_plugin_environment(config, std::nullopt, std::nullopt).size() == 1);
}

TEST_CASE("exec plugin: a client certificate and key are returned as PEM") {
  Fixture f;
  auto provider = f.provider(f.plugin(R"(#!/bin/sh
cat <<'JSON'
{"kind": "ExecCredential", "apiVersion": "client.authentication.k8s.io/v1",
 "status": {"clientCertificateData": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            "clientKeyData": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"}}
JSON
)"));
  const auto outcome = provider.get();
  INFO(outcome.error);
  REQUIRE(outcome.ok());
  CHECK(outcome.credential->token.empty());
  CHECK(outcome.credential->client_certificate_pem ==
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  CHECK(outcome.credential->client_key_pem ==
        "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
  CHECK_FALSE(outcome.credential->expiration);
}

TEST_CASE("exec plugin: a failing plugin's error names the command, status and stderr's first line") {
  Fixture f;
  const auto config = f.plugin(R"(#!/bin/sh
echo "" >&2
echo "error: no credentials for profile ops" >&2
echo "see the docs" >&2
exit 3
)");
  auto provider = f.provider(config);
  const auto outcome = provider.get();
  CHECK_FALSE(outcome.ok());
  CHECK(outcome.error == "exec plugin \"" + config.command +
                             "\": exited with status 3: error: no credentials for profile ops");
  provider.get();  // failures are not cached
  CHECK(provider.runs() == 2);
}

TEST_CASE("exec plugin: only a sanitised, shortened first line of stderr reaches the error") {
  Fixture f;
  const auto config = f.plugin(R"(#!/bin/sh
printf '\033[31mfailed\033[0m for caf\303\251\tprofile ' >&2
i=0; while [ $i -lt 50 ]; do printf 'xxxxxxxxxx' >&2; i=$((i + 1)); done
printf '\ndebug: Authorization: Bearer s3cr3t-on-line-two\n' >&2
exit 1
)");
  const auto outcome = f.provider(config).get();
  CHECK_FALSE(outcome.ok());
  const std::string prefix = "exec plugin \"" + config.command + "\": exited with status 1: ";
  REQUIRE_THAT(outcome.error, Catch::StartsWith(prefix));
  const std::string summary = outcome.error.substr(prefix.size());
  CHECK_THAT(summary, Catch::StartsWith("?[31mfailed?[0m for caf???profile xxxx"));
  CHECK(summary.size() == kMaxStderrSummary + 3);
  CHECK_THAT(summary, Catch::EndsWith("x..."));
  CHECK_THAT(outcome.error, !Catch::Contains("s3cr3t"));
  for (const char c : outcome.error) CHECK((c >= 0x20 && c < 0x7f));
}

TEST_CASE("stderr summary: first non-blank line, printable ASCII, at most 200 characters") {
  CHECK(stderr_summary("") == "");
  CHECK(stderr_summary("\n  \r\n") == "");
  CHECK(stderr_summary("\n  oops \r\nmore") == "oops");
  CHECK(stderr_summary(std::string("a\0b", 3)) == "a?b");
  CHECK(stderr_summary(std::string(200, 'y')) == std::string(200, 'y'));
  CHECK(stderr_summary(std::string(201, 'y')) == std::string(200, 'y') + "...");
}

TEST_CASE("exec plugin: garbage output is reported without echoing it") {
  Fixture f;
  const auto config = f.plugin("#!/bin/sh\necho 'secret-ish garbage'\n");
  const auto outcome = f.provider(config).get();
  CHECK_FALSE(outcome.ok());
  CHECK_THAT(outcome.error, Catch::StartsWith("exec plugin \"" + config.command +
                                              "\": printed something that is not JSON ("));
  CHECK(outcome.error.find("garbage") == std::string::npos);
}

TEST_CASE("exec plugin: a credential of another apiVersion is rejected") {
  Fixture f;
  const auto outcome = f.provider(f.plugin(R"(#!/bin/sh
echo '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"t"}}'
)")).get();
  CHECK_THAT(outcome.error,
             Catch::EndsWith("is configured for client.authentication.k8s.io/v1 but printed "
                             "apiVersion \"client.authentication.k8s.io/v1beta1\""));
}

TEST_CASE("exec plugin: a missing command reports the install hint") {
  Fixture f;
  ExecConfig config;
  config.api_version = kV1;
  config.command = (f.dir.path() / "no-such-plugin").string();
  config.install_hint = "install it with: brew install no-such-plugin";
  auto outcome = f.provider(config).get();
  CHECK(outcome.error == "exec plugin \"" + config.command +
                             "\": not found; install it with: brew install no-such-plugin");

  config.command = "steward-test-no-such-plugin-on-path";
  config.install_hint.clear();
  outcome = f.provider(config).get();
  CHECK(outcome.error == "exec plugin \"steward-test-no-such-plugin-on-path\": not found");
}

TEST_CASE("exec plugin: a plugin that hangs is killed after the timeout, with its children") {
  Fixture f;
  const auto config = f.plugin("#!/bin/sh\nsleep 30\necho never\n");
  const auto start = std::chrono::steady_clock::now();
  const auto outcome = f.provider(config, 200ms).get();
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK(outcome.error == "exec plugin \"" + config.command + "\": did not finish within 200 ms; killed");
}

TEST_CASE("exec plugin: unsupported apiVersion or empty command are rejected up front") {
  FakeClock clock;
  auto wall = [] { return kWallNow; };
  CHECK_THROWS_WITH(
      ExecCredentialProvider(ExecConfig{"client.authentication.k8s.io/v1alpha1", "x", {}, {}, ""},
                             clock, wall),
      Catch::Contains("apiVersion \"client.authentication.k8s.io/v1alpha1\" is not supported"));
  CHECK_THROWS_WITH(ExecCredentialProvider(ExecConfig{kV1, "", {}, {}, ""}, clock, wall),
                    Catch::Contains("no command"));
}

TEST_CASE("ExecCredential parsing: what a plugin must print") {
  const auto error = [](const char* output) {
    return parse_exec_credential("p", kV1, output).error;
  };
  CHECK(error(R"({"kind":"Status","apiVersion":"v1"})") ==
        "exec plugin \"p\": printed kind \"Status\", not an ExecCredential");
  CHECK(error(R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1"})") ==
        "exec plugin \"p\": printed an ExecCredential without status");
  CHECK(error(R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{}})") ==
        "exec plugin \"p\": printed neither a token nor a client certificate and key");
  CHECK(error(R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"clientCertificateData":"c"}})") ==
        "exec plugin \"p\": printed only one of clientCertificateData and clientKeyData");
  CHECK(error(R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"t","expirationTimestamp":"tomorrow"}})") ==
        "exec plugin \"p\": printed expirationTimestamp \"tomorrow\", which is not an RFC 3339 time");
  CHECK(error(R"({"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":42}})") ==
        "exec plugin \"p\": printed a status field that is not a string");
  CHECK(error("[]") == "exec plugin \"p\": printed JSON that is not an object");
  CHECK(error("") == "exec plugin \"p\": printed something that is not JSON (The document is empty. at offset 0)");
}

TEST_CASE("RFC 3339 timestamps: UTC, fractions and offsets") {
  CHECK(parse_rfc3339("2026-11-25T10:00:00Z") == kWallNow);
  CHECK(parse_rfc3339("2026-11-25t10:00:00z") == kWallNow);
  CHECK(parse_rfc3339("2026-11-25T11:30:00+01:30") == kWallNow);
  CHECK(parse_rfc3339("2026-11-25T08:00:00-02:00") == kWallNow);
  CHECK(parse_rfc3339("2026-11-25T10:00:00.250Z") == kWallNow + 250ms);
  CHECK(parse_rfc3339("2026-11-25T10:00:00.123456789123Z") ==
        kWallNow + std::chrono::duration_cast<system_clock::duration>(123456789ns));
  CHECK_FALSE(parse_rfc3339("2026-11-25T10:00:00"));     // no zone
  CHECK_FALSE(parse_rfc3339("2026-11-25 10:00:00Z"));    // space
  CHECK_FALSE(parse_rfc3339("2026-02-30T10:00:00Z"));    // no such day
  CHECK_FALSE(parse_rfc3339("2026-11-25T24:00:00Z"));
  CHECK_FALSE(parse_rfc3339("2026-11-25T10:00:00.Z"));
  CHECK_FALSE(parse_rfc3339("2026-11-25T10:00:00+0100"));
  CHECK_FALSE(parse_rfc3339("2026-11-25T10:00:00Zjunk"));
}
