#include <catch2/catch.hpp>

#include <string>

#include "kube/kubeconfig.hpp"
#include "temp_dir.hpp"

using namespace steward::kube;
using steward::test::TempDir;

namespace {

// Raw-string YAML in the tests starts with a newline for readability; drop it so line numbers in
// error messages match the text as written.
std::string yaml(const char* text) { return std::string(text).substr(1); }

RestConfig load_path(const std::filesystem::path& path,
                     std::optional<std::string> context = std::nullopt) {
  KubeconfigOptions options;
  options.explicit_path = path;
  options.context = std::move(context);
  return load_kubeconfig(options);
}

std::string load_error(const KubeconfigOptions& options) {
  try {
    load_kubeconfig(options);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string load_error(const std::filesystem::path& path) {
  KubeconfigOptions options;
  options.explicit_path = path;
  return load_error(options);
}

const char* const kMinimal = R"(
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://h:6443
users:
- name: u
  user:
    token: abc
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
)";

}  // namespace

TEST_CASE("kubeconfig: every cluster field is read, CA file relative to the kubeconfig") {
  TempDir dir;
  dir.write("conf/certs/ca.pem", "CA-FROM-FILE");
  const auto path = dir.write("conf/config", yaml(R"(
clusters:
- name: c
  cluster:
    server: https://[fd00::10]:6443
    certificate-authority: certs/ca.pem
    tls-server-name: kubernetes.default
contexts:
- name: ctx
  context: {cluster: c}
current-context: ctx
)"));
  const RestConfig config = load_path(path);
  CHECK(config.server.host == "fd00::10");
  CHECK(config.server.port == 6443);
  CHECK(config.ca_pem == std::string("CA-FROM-FILE"));
  CHECK_FALSE(config.insecure_skip_tls_verify);
  CHECK(config.tls_server_name == "kubernetes.default");
  CHECK(config.identity == IdentityKind::none);  // a context without a user is anonymous
  CHECK(config.default_namespace == "default");
  CHECK(config.source == "kubeconfig " + path.string() + ", context \"ctx\"");
}

TEST_CASE("kubeconfig: certificate-authority-data is decoded and insecure-skip-tls-verify is read") {
  TempDir dir;
  auto path = dir.write("a", yaml(R"(
clusters:
- name: c
  cluster: {server: "https://h", certificate-authority-data: Q0EtUEVN}
contexts: [{name: x, context: {cluster: c}}]
current-context: x
)"));
  CHECK(load_path(path).ca_pem == std::string("CA-PEM"));

  path = dir.write("b", yaml(R"(
clusters:
- name: c
  cluster: {server: "https://h", insecure-skip-tls-verify: true}
contexts: [{name: x, context: {cluster: c}}]
current-context: x
)"));
  const auto config = load_path(path);
  CHECK(config.insecure_skip_tls_verify);
  CHECK_FALSE(config.ca_pem);
}

TEST_CASE("kubeconfig: a token user, and the context's namespace") {
  TempDir dir;
  const auto path = dir.write("config", yaml(R"(
clusters: [{name: c, cluster: {server: "https://h"}}]
users: [{name: u, user: {token: abc}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: apps}}]
current-context: x
)"));
  const auto config = load_path(path);
  CHECK(config.auth.bearer_token == "abc");
  CHECK(config.identity == IdentityKind::token);
  CHECK(config.default_namespace == "apps");
}

TEST_CASE("kubeconfig: tokenFile is kept as a path (resolved, checked) for the transport to re-read") {
  TempDir dir;
  dir.write("sub/token", "from-file");
  const auto path = dir.write("sub/config", yaml(R"(
clusters: [{name: c, cluster: {server: "https://h"}}]
users: [{name: u, user: {tokenFile: token}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)"));
  const auto config = load_path(path);
  CHECK(config.auth.token_file == dir.path() / "sub" / "token");
  CHECK(config.auth.bearer_token.empty());
  CHECK(config.identity == IdentityKind::token_file);
}

TEST_CASE("kubeconfig: client certificate and key from files and from data") {
  TempDir dir;
  dir.write("pki/client.crt", "CERT-FROM-FILE");
  dir.write("pki/client.key", "KEY-FROM-FILE");
  auto path = dir.write("config", yaml(R"(
clusters: [{name: c, cluster: {server: "https://h"}}]
users: [{name: u, user: {client-certificate: pki/client.crt, client-key: pki/client.key}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)"));
  auto config = load_path(path);
  CHECK(config.auth.client_certificate_pem == "CERT-FROM-FILE");
  CHECK(config.auth.client_key_pem == "KEY-FROM-FILE");
  CHECK(config.identity == IdentityKind::client_certificate);

  path = dir.write("config2", yaml(R"(
clusters: [{name: c, cluster: {server: "https://h"}}]
users:
- name: u
  user:
    client-certificate-data: Q0VSVC1QRU0=
    client-key-data: S0VZLVBFTQ==
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)"));
  config = load_path(path);
  CHECK(config.auth.client_certificate_pem == "CERT-PEM");
  CHECK(config.auth.client_key_pem == "KEY-PEM");
}

TEST_CASE("kubeconfig: exec plugin with args, env, install hint and a relative command path") {
  TempDir dir;
  const auto path = dir.write("kube/config", yaml(R"(
clusters: [{name: c, cluster: {server: "https://h"}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/get-token
      args: [--cluster, prod]
      env:
      - {name: PROFILE, value: ops}
      - name: EMPTY
      installHint: install get-token from the wiki
      interactiveMode: Never
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)"));
  const auto config = load_path(path);
  REQUIRE(config.auth.exec);
  const ExecConfig& exec = *config.auth.exec;
  CHECK(exec.api_version == "client.authentication.k8s.io/v1");
  CHECK(exec.command == (dir.path() / "kube" / "./bin/get-token").string());
  CHECK(exec.args == std::vector<std::string>{"--cluster", "prod"});
  REQUIRE(exec.env.size() == 2);
  CHECK(exec.env[0] == std::pair<std::string, std::string>{"PROFILE", "ops"});
  CHECK(exec.env[1] == std::pair<std::string, std::string>{"EMPTY", ""});
  CHECK(exec.install_hint == "install get-token from the wiki");
  CHECK(config.identity == IdentityKind::exec);
}

TEST_CASE("kubeconfig: a bare exec command is left for PATH lookup") {
  TempDir dir;
  const auto path = dir.write("config", yaml(R"(
clusters: [{name: c, cluster: {server: "https://h"}}]
users:
- name: u
  user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: aws}}
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)"));
  CHECK(load_path(path).auth.exec->command == "aws");
}

TEST_CASE("kubeconfig: unknown fields and extensions are ignored") {
  TempDir dir;
  const auto path = dir.write("config", yaml(R"(
apiVersion: v1
kind: Config
preferences: {colors: true}
extensions: [{name: e, extension: {anything: 1}}]
clusters:
- name: c
  cluster:
    server: https://h
    extensions: [{name: client.authentication.k8s.io/exec, extension: {a: b}}]
users: [{name: u, user: {token: abc, something-new: [1, 2]}}]
contexts: [{name: x, context: {cluster: c, user: u, extensions: []}}]
current-context: x
)"));
  CHECK(load_path(path).auth.bearer_token == "abc");
}

TEST_CASE("kubeconfig: --context chooses a context other than current-context") {
  TempDir dir;
  const auto path = dir.write("config", yaml(R"(
clusters:
- {name: one, cluster: {server: "https://one"}}
- {name: two, cluster: {server: "https://two"}}
contexts:
- {name: a, context: {cluster: one}}
- {name: b, context: {cluster: two, namespace: nb}}
current-context: a
)"));
  CHECK(load_path(path).server.host == "one");
  const auto config = load_path(path, "b");
  CHECK(config.server.host == "two");
  CHECK(config.default_namespace == "nb");
}

TEST_CASE("kubeconfig text: read as the file it names, relative paths against its folder") {
  TempDir dir;
  dir.write("certs/ca.pem", "CA-FROM-FILE");
  const std::string text = yaml(R"(
clusters:
- {name: one, cluster: {server: "https://one", certificate-authority: certs/ca.pem}}
- {name: two, cluster: {server: "https://two"}}
contexts:
- {name: a, context: {cluster: one}}
- {name: b, context: {cluster: two}}
current-context: a
)");
  const auto config = load_kubeconfig_text(text, "in-memory", dir.path());
  CHECK(config.server.host == "one");
  CHECK(config.ca_pem == "CA-FROM-FILE");
  CHECK(config.source == "kubeconfig in-memory, context \"a\"");
  CHECK(load_kubeconfig_text(text, "in-memory", dir.path(), "b").server.host == "two");
  try {
    load_kubeconfig_text("clusters: [unclosed\n", "in-memory", dir.path());
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK_THAT(e.what(), Catch::StartsWith("in-memory:2:1: not valid YAML: "));
  }
}

TEST_CASE("kubeconfig: KUBECONFIG files merge by name, first file wins, missing files skipped") {
  TempDir dir;
  dir.write("a/ca.pem", "CA-A");
  dir.write("b/ca.pem", "CA-B");
  // a: defines cluster "shared" and user "ua", no current-context.
  const auto a = dir.write("a/config", yaml(R"(
clusters: [{name: shared, cluster: {server: "https://from-a", certificate-authority: ca.pem}}]
users: [{name: ua, user: {token: token-a}}]
)"));
  // b: redefines "shared" (ignored), defines the context (using a's user) and current-context.
  const auto b = dir.write("b/config", yaml(R"(
clusters: [{name: shared, cluster: {server: "https://from-b", certificate-authority: ca.pem}}]
users: [{name: ua, user: {token: token-b}}]
contexts: [{name: ctx-b, context: {cluster: shared, user: ua}}]
current-context: ctx-b
)"));
  // c: its current-context comes too late to count.
  const auto c = dir.write("c/config", yaml(R"(
clusters: [{name: other, cluster: {server: "https://from-c"}}]
contexts: [{name: ctx-c, context: {cluster: other}}]
current-context: ctx-c
)"));
  KubeconfigOptions options;
  options.kubeconfig_env = a.string() + "::" + (dir.path() / "missing").string() + ":" +
                           b.string() + ":" + c.string();
  options.home = dir.path() / "home-not-used";
  const auto config = load_kubeconfig(options);
  CHECK(config.server.host == "from-a");
  CHECK(config.ca_pem == std::string("CA-A"));  // relative to a/, where the cluster was defined
  CHECK(config.auth.bearer_token == "token-a");
  CHECK(config.source.find("ctx-b") != std::string::npos);

  options.context = "ctx-c";
  CHECK(load_kubeconfig(options).server.host == "from-c");
}

TEST_CASE("kubeconfig: --kubeconfig overrides KUBECONFIG, which overrides ~/.kube/config") {
  TempDir dir;
  dir.write("home/.kube/config", yaml(kMinimal));
  const auto env_file = dir.write("env/config", yaml(kMinimal));
  const auto flag_file = dir.write("flag/config", yaml(kMinimal));

  KubeconfigOptions options;
  options.home = dir.path() / "home";
  CHECK(load_kubeconfig(options).source.find("home/.kube/config") != std::string::npos);
  options.kubeconfig_env = env_file.string();
  CHECK(load_kubeconfig(options).source.find("env/config") != std::string::npos);
  options.explicit_path = flag_file;
  CHECK(load_kubeconfig(options).source.find("flag/config") != std::string::npos);
}

TEST_CASE("kubeconfig errors: missing files") {
  TempDir dir;
  const auto missing = dir.path() / "nope";
  CHECK(load_error(missing) == missing.string() + ": no such file");

  KubeconfigOptions options;
  options.kubeconfig_env = missing.string() + ":" + (dir.path() / "nope2").string();
  CHECK(load_error(options) == "KUBECONFIG=" + *options.kubeconfig_env +
                                   ": none of these files exists");

  KubeconfigOptions home_only;
  home_only.home = dir.path();
  CHECK(load_error(home_only) == (dir.path() / ".kube" / "config").string() + ": no such file");

  CHECK(load_error(KubeconfigOptions{}) ==
        "no kubeconfig: neither --kubeconfig, KUBECONFIG nor HOME is set");
}

TEST_CASE("kubeconfig errors: not YAML, or not a kubeconfig, with line:column") {
  TempDir dir;
  auto path = dir.write("config", "clusters: [unclosed\n");
  CHECK_THAT(load_error(path), Catch::StartsWith(path.string() + ":2:1: not valid YAML: "));

  path = dir.write("list", "- a\n- b\n");
  CHECK(load_error(path) ==
        path.string() + ":1:1: not a kubeconfig: the top level must be a mapping");

  path = dir.write("clusters-map", yaml(R"(
clusters:
  c: {server: x}
)"));
  CHECK(load_error(path) == path.string() + ":2:3: clusters: must be a list");
}

TEST_CASE("kubeconfig errors: no current-context, or one that names no context") {
  TempDir dir;
  auto path = dir.write("config", yaml(R"(
clusters: [{name: c, cluster: {server: "https://h"}}]
contexts: [{name: x, context: {cluster: c}}]
)"));
  CHECK(load_error(path) ==
        path.string() + ": current-context: not set, and no --context given: cannot choose a cluster");

  path = dir.write("config2", yaml(R"(
clusters: [{name: c, cluster: {server: "https://h"}}]
contexts: [{name: x, context: {cluster: c}}]
current-context: gone
)"));
  CHECK(load_error(path) == path.string() + ":3:18: current-context: context \"gone\" not found");

  KubeconfigOptions options;
  options.explicit_path = path;
  options.context = "nope";
  CHECK(load_error(options) == path.string() + ": context \"nope\" (from --context) not found");
}

TEST_CASE("kubeconfig errors: a context naming a missing cluster or user") {
  TempDir dir;
  auto path = dir.write("config", yaml(R"(
clusters: [{name: c, cluster: {server: "https://h"}}]
contexts:
- name: x
  context:
    cluster: c
    user: bob
current-context: x
)"));
  CHECK(load_error(path) == path.string() + ":6:11: contexts[0].context.user: user \"bob\" not found");

  path = dir.write("config2", yaml(R"(
contexts:
- name: x
  context: {cluster: prod}
current-context: x
)"));
  CHECK(load_error(path) ==
        path.string() + ":3:22: contexts[0].context.cluster: cluster \"prod\" not found");

  path = dir.write("config3", yaml(R"(
contexts:
- name: x
  context: {user: u}
current-context: x
)"));
  CHECK_THAT(load_error(path),
             Catch::Contains("contexts[0].context.cluster: missing: context \"x\" names no cluster"));
}

TEST_CASE("kubeconfig errors: bad base64 names file, line:column and field") {
  TempDir dir;
  const auto path = dir.write("config", yaml(R"(
clusters:
- name: c
  cluster:
    server: https://h:6443
users:
- name: u
  user:
    client-certificate-data: Q0VSVC1QRU0=
    client-key-data: not-base64!
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
)"));
  CHECK(load_error(path) == path.string() + ":9:22: users[0].user.client-key-data: not valid base64");
}

TEST_CASE("kubeconfig errors: inconsistent or unreadable settings") {
  TempDir dir;
  const auto check = [&](const char* body, const std::string& expected) {
    const auto path = dir.write("config", yaml(body));
    CHECK_THAT(load_error(path), Catch::Contains(expected));
  };
  check(R"(
clusters: [{name: c, cluster: {certificate-authority-data: Q0EtUEVN}}]
contexts: [{name: x, context: {cluster: c}}]
current-context: x
)", "clusters[0].cluster.server: cluster \"c\" has no server");
  check(R"(
clusters: [{name: c, cluster: {server: "ftp://h"}}]
contexts: [{name: x, context: {cluster: c}}]
current-context: x
)", "clusters[0].cluster.server: not a usable URL: scheme \"ftp\" is not http or https");
  check(R"(
clusters: [{name: c, cluster: {server: "https://h", insecure-skip-tls-verify: true, certificate-authority-data: Q0EtUEVN}}]
contexts: [{name: x, context: {cluster: c}}]
current-context: x
)", "clusters[0].cluster.insecure-skip-tls-verify: cannot be combined with certificate-authority");
  check(R"(
clusters: [{name: c, cluster: {server: "https://h", insecure-skip-tls-verify: maybe}}]
contexts: [{name: x, context: {cluster: c}}]
current-context: x
)", "clusters[0].cluster.insecure-skip-tls-verify: must be true or false");
  check(R"(
clusters: [{name: c, cluster: {server: "https://h", certificate-authority: ca.pem, certificate-authority-data: Q0EtUEVN}}]
contexts: [{name: x, context: {cluster: c}}]
current-context: x
)", "certificate-authority-data and certificate-authority are both set");
  check(R"(
clusters: [{name: c, cluster: {server: "https://h", certificate-authority: missing-ca.pem}}]
contexts: [{name: x, context: {cluster: c}}]
current-context: x
)", "clusters[0].cluster.certificate-authority: cannot read " + (dir.path() / "missing-ca.pem").string() + ": No such file or directory");
  check(R"(
clusters: [{name: c, cluster: {server: "https://h"}}]
users: [{name: u, user: {client-certificate-data: Q0VSVC1QRU0=}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)", "users[0].user.client-key: missing: client-certificate needs a client-key");
  check(R"(
clusters: [{name: c, cluster: {server: "https://h"}}]
users: [{name: u, user: {tokenFile: no-token}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)", "users[0].user.tokenFile: cannot read");
  check(R"(
clusters: [{name: c, cluster: {server: "https://h"}}]
users: [{name: u, user: {exec: {command: x}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)", "users[0].user.exec.apiVersion: missing");
  check(R"(
clusters: [{name: c, cluster: {server: "https://h"}}]
users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)", "users[0].user.exec.apiVersion: \"client.authentication.k8s.io/v1alpha1\" is not supported");
  check(R"(
clusters: [{name: c, cluster: {server: "https://h"}}]
users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: x, env: [{value: v}]}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)", "users[0].user.exec.env[0].name: missing");
  check(R"(
clusters: [{name: c, cluster: {server: "https://h"}}]
users: [{name: u, user: {auth-provider: {name: gcp}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)", "users[0].user.auth-provider: not supported; use an exec credential plugin");
  check(R"(
clusters: [{server: "https://h"}]
contexts: [{name: x, context: {cluster: c}}]
current-context: x
)", "clusters[0].name: missing");
}

TEST_CASE("kubeconfig: entries nobody uses are not interpreted") {
  TempDir dir;
  const auto path = dir.write("config", yaml(R"(
clusters: [{name: c, cluster: {server: "https://h"}}]
users:
- {name: broken, user: {client-key-data: "%%%"}}
- {name: u, user: {token: abc}}
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)"));
  CHECK(load_path(path).auth.bearer_token == "abc");
}

namespace {

// A one-context kubeconfig for `server` with `user` (a YAML flow mapping, or "" for none).
std::string with_server(const std::string& server, const std::string& user) {
  std::string text = "clusters: [{name: c, cluster: {server: \"" + server + "\"}}]\n";
  if (!user.empty()) text += "users: [{name: u, user: " + user + "}]\n";
  text += "contexts: [{name: x, context: {cluster: c" + std::string(user.empty() ? "" : ", user: u") +
          "}}]\ncurrent-context: x\n";
  return text;
}

}  // namespace

TEST_CASE("kubeconfig warnings: insecure-skip-tls-verify is warned about, a CA-checked https server is not") {
  TempDir dir;
  auto config = load_path(dir.write("insecure", yaml(R"(
clusters: [{name: c, cluster: {server: "https://h:6443", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: s3cr3t-token}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)")));
  REQUIRE(config.warnings.size() == 1);
  CHECK_THAT(config.warnings[0],
             Catch::StartsWith("insecure-skip-tls-verify: the server's certificate is not checked"));
  CHECK_THAT(config.warnings[0], Catch::Contains("https://h:6443"));

  config = load_path(dir.write("checked", yaml(R"(
clusters: [{name: c, cluster: {server: "https://h:6443", certificate-authority-data: Q0EtUEVN}}]
users: [{name: u, user: {token: s3cr3t-token}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
)")));
  CHECK(config.warnings.empty());
}

TEST_CASE("kubeconfig warnings: a token, token file or exec plugin over plain http, never the token itself") {
  TempDir dir;
  dir.write("token", "file-token");
  const auto warnings_for = [&](const std::string& server, const std::string& user) {
    return load_kubeconfig_text(with_server(server, user), "config", dir.path()).warnings;
  };

  auto warnings = warnings_for("http://h:8080", "{token: s3cr3t-token}");
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] == "a bearer token is sent over plain http:// to http://h:8080, readable by "
                       "anyone on the network path");
  CHECK_THAT(warnings[0], !Catch::Contains("s3cr3t"));

  warnings = warnings_for("http://h:8080", "{tokenFile: token}");
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::StartsWith("the token from tokenFile is sent over plain http://"));

  warnings = warnings_for(
      "http://h:8080",
      "{exec: {apiVersion: client.authentication.k8s.io/v1, command: get-token}}");
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::StartsWith("the exec plugin's token is sent over plain http://"));

  CHECK(warnings_for("http://h:8080", "").empty());  // anonymous: nothing to leak
  CHECK(warnings_for("https://h", "{token: s3cr3t-token}").empty());
}

TEST_CASE("kubeconfig errors: proxy-url is rejected naming the file, field and cluster") {
  TempDir dir;
  const auto path = dir.write("config", yaml(R"(
clusters:
- name: behind-proxy
  cluster:
    server: https://h:6443
    proxy-url: http://proxy.corp:3128
contexts: [{name: x, context: {cluster: behind-proxy}}]
current-context: x
)"));
  CHECK(load_error(path) ==
        path.string() + ":5:16: clusters[0].cluster.proxy-url: proxy-url is not supported; "
                        "cluster \"behind-proxy\" must be reachable without a proxy (steward "
                        "connects to h:6443 directly)");
}

TEST_CASE("kubeconfig warnings: a proxy variable client-go would use is named, its value never shown") {
  TempDir dir;
  const auto warnings_for = [&](const std::string& server, const ProxyEnvironment& proxy_env) {
    KubeconfigOptions options;
    options.explicit_path = dir.write("config", with_server(server, ""));
    options.proxy_env = proxy_env;
    return load_kubeconfig(options).warnings;
  };

  auto warnings = warnings_for("https://api.example.com",
                               {{"https_proxy", "http://user:pa55word@proxy:3128"}});
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] == "https_proxy is set but steward ignores it and connects to "
                       "api.example.com:443 directly (kubectl and client-go would use the proxy)");

  // NO_PROXY covering the server: client-go would connect directly too.
  for (const char* no_proxy : {"*", ".example.com", "example.com", "localhost, api.example.com:443"}) {
    INFO(no_proxy);
    CHECK(warnings_for("https://api.example.com",
                       {{"HTTPS_PROXY", "http://proxy:3128"}, {"no_proxy", no_proxy}})
              .empty());
  }
  CHECK(warnings_for("https://api.example.com",
                     {{"HTTPS_PROXY", "http://proxy:3128"}, {"NO_PROXY", "other.example.org"}})
            .size() == 1);
  // Each scheme has its own variable.
  CHECK(warnings_for("http://api.example.com", {{"HTTPS_PROXY", "http://proxy:3128"}}).empty());
  CHECK_THAT(warnings_for("http://api.example.com", {{"HTTP_PROXY", "http://proxy:3128"}}).at(0),
             Catch::StartsWith("HTTP_PROXY is set but steward ignores it"));
}
