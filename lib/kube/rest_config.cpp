#include "kube/rest_config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <initializer_list>
#include <stdexcept>

namespace steward::kube {

std::string ServerUrl::authority() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  std::string out = ipv6 ? "[" + host + "]" : host;
  return out + ":" + std::to_string(port);
}

std::string ServerUrl::to_string() const { return scheme + "://" + authority() + path_prefix; }

ServerUrl parse_server_url(std::string_view text) {
  ServerUrl url;
  std::string_view rest = text;
  if (const auto sep = rest.find("://"); sep != std::string_view::npos) {
    url.scheme = std::string(rest.substr(0, sep));
    for (char& c : url.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    rest.remove_prefix(sep + 3);
  } else {
    url.scheme = "https";
  }
  if (url.scheme != "https" && url.scheme != "http") {
    throw std::invalid_argument("scheme \"" + url.scheme + "\" is not http or https");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    throw std::invalid_argument("a query or fragment is not allowed");
  }

  const std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.size() < rest.size()) {
    url.path_prefix = std::string(rest.substr(authority.size()));
    while (!url.path_prefix.empty() && url.path_prefix.back() == '/') url.path_prefix.pop_back();
  }
  if (authority.find('@') != std::string_view::npos) {
    throw std::invalid_argument("user information in the URL is not allowed");
  }

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) throw std::invalid_argument("unclosed '[' in host");
    url.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw std::invalid_argument("unexpected text after ']'");
      port_text = after.substr(1);
      if (port_text.empty()) throw std::invalid_argument("empty port");
    }
  } else {
    const auto colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      if (authority.find(':', colon + 1) != std::string_view::npos) {
        throw std::invalid_argument("an IPv6 host must be in brackets");
      }
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) throw std::invalid_argument("empty port");
    }
  }
  if (url.host.empty()) throw std::invalid_argument("no host");

  if (port_text.empty()) {
    url.port = url.is_https() ? 443 : 80;
  } else {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(),
                                           value);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      throw std::invalid_argument("port \"" + std::string(port_text) + "\" is not 1-65535");
    }
    url.port = static_cast<std::uint16_t>(value);
  }
  return url;
}

std::string_view to_string(IdentityKind kind) {
  switch (kind) {
    case IdentityKind::none: return "none";
    case IdentityKind::token: return "token";
    case IdentityKind::token_file: return "token-file";
    case IdentityKind::client_certificate: return "certificate";
    case IdentityKind::exec: return "exec";
    case IdentityKind::in_cluster: return "in-cluster";
  }
  return "none";
}

IdentityKind identity_of(const AuthConfig& auth) {
  if (auth.exec) return IdentityKind::exec;
  if (!auth.client_certificate_pem.empty()) return IdentityKind::client_certificate;
  if (!auth.token_file.empty()) return IdentityKind::token_file;
  if (!auth.bearer_token.empty()) return IdentityKind::token;
  return IdentityKind::none;
}

namespace {

std::string bytes(std::size_t n) { return std::to_string(n) + " bytes"; }

// The value of the first of `names` that is set and not empty; Go checks the upper-case name first.
std::optional<std::pair<std::string, std::string>> first_set(const ProxyEnvironment& env,
                                                             std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const auto it = env.find(name);
    if (it != env.end() && !it->second.empty()) return *it;
  }
  return std::nullopt;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// NO_PROXY's simple forms: "*", a host name, or a domain (".example.com" or "example.com", matching
// itself and its subdomains), each optionally with ":port". CIDR ranges are not matched, so a
// server inside one still gets the warning: one line too many, never one too few.
bool no_proxy_covers(const std::string& no_proxy, const ServerUrl& server) {
  const std::string host = lower(server.host);
  std::size_t start = 0;
  while (start <= no_proxy.size()) {
    const auto end = std::min(no_proxy.find(',', start), no_proxy.size());
    std::string entry = no_proxy.substr(start, end - start);
    start = end + 1;
    const auto first = entry.find_first_not_of(' ');
    if (first == std::string::npos) continue;
    entry = lower(entry.substr(first, entry.find_last_not_of(' ') - first + 1));
    if (entry == "*") return true;
    if (const auto colon = entry.rfind(':');
        colon != std::string::npos && entry.find(':') == colon) {
      if (entry.substr(colon + 1) != std::to_string(server.port)) continue;
      entry.resize(colon);
    }
    if (!entry.empty() && entry.front() == '.') entry.erase(0, 1);
    if (entry.empty()) continue;
    if (host == entry) return true;
    if (host.size() > entry.size() && host.ends_with("." + entry)) return true;
  }
  return false;
}

}  // namespace

ProxyEnvironment proxy_environment() {
  ProxyEnvironment env;
  for (const char* name :
       {"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"}) {
    if (const char* value = std::getenv(name)) env[name] = value;
  }
  return env;
}

std::vector<std::string> security_warnings(const RestConfig& config,
                                           const ProxyEnvironment& proxy_env) {
  std::vector<std::string> out;
  if (config.server.is_https() && config.insecure_skip_tls_verify) {
    out.push_back("insecure-skip-tls-verify: the server's certificate is not checked, so anyone "
                  "on the network path can impersonate " + config.server.to_string());
  }
  if (!config.server.is_https()) {
    const AuthConfig& auth = config.auth;
    std::string credential;
    if (auth.exec) {
      credential = "the exec plugin's token";
    } else if (!auth.token_file.empty()) {
      credential = "the token from tokenFile";
    } else if (!auth.bearer_token.empty()) {
      credential = "a bearer token";
    }
    if (!credential.empty()) {
      out.push_back(credential + " is sent over plain http:// to " + config.server.to_string() +
                    ", readable by anyone on the network path");
    }
  }
  const auto proxy = config.server.is_https() ? first_set(proxy_env, {"HTTPS_PROXY", "https_proxy"})
                                              : first_set(proxy_env, {"HTTP_PROXY", "http_proxy"});
  const auto no_proxy = first_set(proxy_env, {"NO_PROXY", "no_proxy"});
  if (proxy && !(no_proxy && no_proxy_covers(no_proxy->second, config.server))) {
    out.push_back(proxy->first + " is set but steward ignores it and connects to " +
                  config.server.authority() +
                  " directly (kubectl and client-go would use the proxy)");
  }
  return out;
}

std::string RestConfig::describe() const {
  std::string out = "server=" + server.to_string();
  if (insecure_skip_tls_verify) {
    out += " tls=INSECURE(skip-verify)";
  } else if (server.is_https()) {
    out += ca_pem ? " ca=" + bytes(ca_pem->size()) : " ca=system";
  }
  if (!tls_server_name.empty()) out += " tls-server-name=" + tls_server_name;

  out += " identity=" + std::string(to_string(identity));
  if (!auth.bearer_token.empty()) out += " token=<redacted>";
  if (!auth.token_file.empty()) out += " token-file=" + auth.token_file.string();
  if (!auth.client_certificate_pem.empty()) {
    out += " client-certificate=" + bytes(auth.client_certificate_pem.size()) +
           " client-key=<redacted>";
  }
  if (auth.exec) {
    // Arguments are shown (they name profiles and clusters, which helps debugging); env values
    // are not, since plugins are commonly handed secrets that way.
    out += " exec=" + auth.exec->command;
    for (const auto& arg : auth.exec->args) out += " " + arg;
    if (!auth.exec->env.empty()) {
      out += " exec-env=";
      for (std::size_t i = 0; i < auth.exec->env.size(); ++i) {
        out += (i ? "," : "") + auth.exec->env[i].first + "=<redacted>";
      }
    }
  }
  out += " namespace=" + default_namespace;
  if (!source.empty()) out += " source=" + source;
  return out;
}

}  // namespace steward::kube
