#pragma once
// RestConfig: everything needed to talk to one API server, whichever way it was found (kubeconfig
// or in-cluster). The transport reads this and nothing else; loaders produce it and nothing else.
//
// Secrets (bearer token, client key, exec env values) live here in memory only. Never print the
// struct field by field: describe() is the one way to show a RestConfig and it redacts them.

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace steward::kube {

// The API server's URL, split so the transport need not parse it again.
struct ServerUrl {
  std::string scheme;       // "https" or "http"
  std::string host;         // without IPv6 brackets: "::1", "10.0.0.1", "api.example.com"
  std::uint16_t port = 0;   // explicit, or 443/80 from the scheme
  std::string path_prefix;  // "" or e.g. "/k8s/clusters/c-abc" (a proxy in front of the server)

  bool is_https() const { return scheme == "https"; }
  // host:port with an IPv6 host bracketed: what a Host header and a URL need.
  std::string authority() const;
  // scheme://authority[path_prefix]
  std::string to_string() const;
};

// Parses an absolute http(s) URL. Without a scheme, https is assumed (steward does not follow
// client-go's "http unless TLS is configured" rule: plain HTTP must be asked for). Throws
// std::invalid_argument with a short reason on anything else (other schemes, user info, a query,
// an empty host, a bad port).
ServerUrl parse_server_url(std::string_view text);

// A kubeconfig `users[].user.exec` credential plugin (client.authentication.k8s.io).
struct ExecConfig {
  std::string api_version;  // client.authentication.k8s.io/v1 or /v1beta1
  std::string command;      // PATH-searched unless it contains '/', then absolute
  std::vector<std::string> args;
  // The plugin's environment, with PATH, HOME and KUBERNETES_EXEC_INFO; nothing else of steward's
  // own reaches it (client-go passes its whole environment; steward's may hold other secrets).
  std::vector<std::pair<std::string, std::string>> env;
  std::string install_hint;  // shown when the command cannot be found
};

struct AuthConfig {
  std::string bearer_token;  // static token; empty if none
  // A token file the transport re-reads (rotated service-account tokens); empty if none. When both
  // this and bearer_token are set, the file wins once read (as client-go).
  std::filesystem::path token_file;
  std::string client_certificate_pem;  // empty if none; always set together with the key
  std::string client_key_pem;
  std::optional<ExecConfig> exec;
};

// How steward identifies itself to the server, for `steward check` and the startup log. to_string()
// gives the words of `steward check`'s `identity=` line: none, token, token-file, certificate,
// exec, in-cluster.
enum class IdentityKind {
  none,                // anonymous
  token,               // static bearer token
  token_file,          // bearer token re-read from a file
  client_certificate,  // TLS client certificate
  exec,                // credential plugin
  in_cluster,          // pod service-account token (a token file)
};
std::string_view to_string(IdentityKind kind);

struct RestConfig {
  ServerUrl server;
  // PEM bundle to verify the server with; nullopt means the system's trust store.
  std::optional<std::string> ca_pem;
  // Only when the kubeconfig says so explicitly; never together with ca_pem.
  bool insecure_skip_tls_verify = false;
  // SNI and the name to verify the certificate against, if not the URL's host.
  std::string tls_server_name;
  AuthConfig auth;
  // Namespace for namespaced requests that name none: the context's, or the pod's.
  std::string default_namespace = "default";
  IdentityKind identity = IdentityKind::none;
  // Where this came from, e.g. `kubeconfig /home/u/.kube/config, context "kind-dev"` or
  // `in-cluster`.
  std::string source;
  // Settings that work but weaken security or that steward does not honour, one sentence each,
  // never holding a secret: filled by the loader (security_warnings), logged once at start as
  // warnings and printed by `steward check` as `warning=` lines.
  std::vector<std::string> warnings;

  // One line, safe to log: the server, TLS settings, identity and namespace, with every secret
  // replaced by its size or `<redacted>`.
  std::string describe() const;
};

// The identity a set of credentials amounts to. The server checks a client certificate before a
// bearer token, but an exec plugin decides at run time, so it ranks first.
IdentityKind identity_of(const AuthConfig& auth);

// The proxy variables client-go's transport honours (Go's http.ProxyFromEnvironment), as set:
// HTTPS_PROXY, https_proxy, HTTP_PROXY, http_proxy, NO_PROXY, no_proxy. Steward's transport has no
// proxy support and connects directly; loaders take these so the warning is testable.
using ProxyEnvironment = std::map<std::string, std::string>;
ProxyEnvironment proxy_environment();

// What `config` does that weakens security, and a proxy variable client-go would use for its server
// but steward ignores:
//   - insecure-skip-tls-verify on an https server: the server's certificate is not checked;
//   - a credential sent in a header over plain http: a static token, a token file, or an exec
//     plugin (its token). A client certificate is not counted: without TLS it is never sent;
//   - HTTPS_PROXY/https_proxy (HTTP_PROXY/http_proxy for an http server) set and NO_PROXY not
//     naming the host (exact name, a domain suffix, or "*"): only the variable's name is shown,
//     since a proxy URL may hold a password.
std::vector<std::string> security_warnings(const RestConfig& config,
                                           const ProxyEnvironment& proxy_env);

}  // namespace steward::kube
