#include "kube/kubeconfig.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "kube/base64.hpp"

namespace steward::kube {
namespace {

namespace fs = std::filesystem;

struct SourceFile {
  std::string name;  // as the user gave it, for messages
  fs::path dir;      // absolute folder, for relative paths inside
  YAML::Node root;
};

// One named entry of clusters/users/contexts, remembered with where it came from so that errors
// can point at it and relative paths resolve against its own file.
struct Entry {
  const SourceFile* file = nullptr;
  std::string path;  // "users[2].user"
  YAML::Node body;   // the cluster/user/context map; may be null
};

struct Merged {
  std::vector<std::unique_ptr<SourceFile>> files;  // owns the files; entries point into them
  std::map<std::string, Entry> clusters;
  std::map<std::string, Entry> users;
  std::map<std::string, Entry> contexts;
  std::string current_context;
  const SourceFile* current_context_file = nullptr;
  YAML::Node current_context_node;

  std::string file_list() const {
    std::string out;
    for (const auto& f : files) out += (out.empty() ? "" : ":") + f->name;
    return out;
  }
};

[[noreturn]] void fail_at(const SourceFile& file, const std::string& field, const YAML::Node& at,
                          const std::string& problem) {
  int line = 0;
  int column = 0;
  if (at.IsDefined()) {
    const YAML::Mark mark = at.Mark();
    if (!mark.is_null()) {
      line = mark.line + 1;
      column = mark.column + 1;
    }
  }
  throw ConfigError(file.name, field, problem, line, column);
}

// Field access that never throws yaml-cpp's exceptions: a missing or null field is nullopt, a field
// of the wrong type is a ConfigError naming it.
class Fields {
 public:
  Fields(const SourceFile& file, std::string path, YAML::Node node)
      : file_(file), path_(std::move(path)), node_(std::move(node)) {}

  const SourceFile& file() const { return file_; }
  const std::string& path() const { return path_; }
  const YAML::Node& node() const { return node_; }
  std::string field(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }

  YAML::Node child(const std::string& key) const {
    if (!node_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    YAML::Node value = node_[key];
    if (!value.IsDefined() || value.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
    return value;
  }

  std::optional<std::string> string(const std::string& key) const {
    const YAML::Node value = child(key);
    if (!value.IsDefined()) return std::nullopt;
    if (!value.IsScalar()) fail(key, value, "must be a string");
    return value.Scalar();
  }

  // An empty string counts as absent, as in client-go (Go's zero value).
  std::string string_or_empty(const std::string& key) const {
    return string(key).value_or("");
  }

  bool boolean(const std::string& key) const {
    const YAML::Node value = child(key);
    if (!value.IsDefined()) return false;
    bool result = false;
    if (!value.IsScalar() || !YAML::convert<bool>::decode(value, result)) {
      fail(key, value, "must be true or false");
    }
    return result;
  }

  std::optional<Fields> map(const std::string& key) const {
    const YAML::Node value = child(key);
    if (!value.IsDefined()) return std::nullopt;
    if (!value.IsMap()) fail(key, value, "must be a mapping");
    return Fields(file_, field(key), value);
  }

  std::vector<Fields> sequence(const std::string& key) const {
    std::vector<Fields> out;
    const YAML::Node value = child(key);
    if (!value.IsDefined()) return out;
    if (!value.IsSequence()) fail(key, value, "must be a list");
    for (std::size_t i = 0; i < value.size(); ++i) {
      out.emplace_back(file_, field(key) + "[" + std::to_string(i) + "]", value[i]);
    }
    return out;
  }

  [[noreturn]] void fail(const std::string& key, const YAML::Node& at,
                         const std::string& problem) const {
    fail_at(file_, key.empty() ? path_ : field(key), at.IsDefined() ? at : node_, problem);
  }
  [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
    fail(key, child(key), problem);
  }

 private:
  const SourceFile& file_;
  std::string path_;
  YAML::Node node_;
};

std::string errno_text(int err) { return std::strerror(err); }

// `name` names the text in messages; relative paths inside it resolve against `dir`.
std::unique_ptr<SourceFile> parse_text(std::string name, fs::path dir, const std::string& text) {
  auto file = std::make_unique<SourceFile>();
  file->name = std::move(name);
  file->dir = std::move(dir);
  try {
    file->root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(file->name, "", "not valid YAML: " + e.msg, e.mark.line + 1,
                      e.mark.column + 1);
  }
  if (!file->root.IsNull() && !file->root.IsMap()) {
    fail_at(*file, "", file->root, "not a kubeconfig: the top level must be a mapping");
  }
  return file;
}

std::unique_ptr<SourceFile> parse_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path.string(), "", "cannot read: " + errno_text(errno));
  std::stringstream text;
  text << in.rdbuf();
  return parse_text(path.string(), fs::absolute(path).parent_path(), text.str());
}

// Adds one file's entries of `list` (clusters/users/contexts) to `merged`, keeping earlier files'
// definitions. Within one file a repeated name keeps the later entry, as client-go's decoding does.
void merge_list(const SourceFile& file, const std::string& list, const std::string& body_key,
                std::map<std::string, Entry>& merged) {
  const Fields top(file, "", file.root);
  std::map<std::string, Entry> local;
  for (const Fields& item : top.sequence(list)) {
    if (!item.node().IsMap()) item.fail("", item.node(), "must be a mapping");
    const auto name = item.string("name");
    if (!name || name->empty()) item.fail("name", "missing");
    const YAML::Node body = item.child(body_key);
    if (body.IsDefined() && !body.IsMap()) item.fail(body_key, body, "must be a mapping");
    local[*name] = Entry{&file, item.field(body_key), body};
  }
  for (auto& [name, entry] : local) merged.emplace(name, std::move(entry));
}

void merge_file(Merged& merged, std::unique_ptr<SourceFile> file) {
  merge_list(*file, "clusters", "cluster", merged.clusters);
  merge_list(*file, "users", "user", merged.users);
  merge_list(*file, "contexts", "context", merged.contexts);
  const Fields top(*file, "", file->root);
  if (merged.current_context.empty()) {
    if (auto current = top.string("current-context"); current && !current->empty()) {
      merged.current_context = *current;
      merged.current_context_file = file.get();
      merged.current_context_node = top.child("current-context");
    }
  }
  merged.files.push_back(std::move(file));
}

std::vector<std::string> split_list(const std::string& value) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= value.size()) {
    const auto end = std::min(value.find(':', start), value.size());
    std::string item = value.substr(start, end - start);
    bool seen = false;
    for (const auto& o : out) seen = seen || o == item;
    if (!item.empty() && !seen) out.push_back(std::move(item));
    start = end + 1;
  }
  return out;
}

Merged load_files(const KubeconfigOptions& options) {
  Merged merged;
  if (options.explicit_path) {
    const fs::path& path = *options.explicit_path;
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) throw ConfigError(path.string(), "", "no such file");
    merge_file(merged, parse_file(path));
    return merged;
  }
  if (options.kubeconfig_env && !options.kubeconfig_env->empty()) {
    // Missing files are skipped so one KUBECONFIG can serve machines that lack some of them.
    for (const auto& item : split_list(*options.kubeconfig_env)) {
      std::error_code ec;
      if (!fs::is_regular_file(item, ec)) continue;
      merge_file(merged, parse_file(item));
    }
    if (merged.files.empty()) {
      throw ConfigError("KUBECONFIG=" + *options.kubeconfig_env, "", "none of these files exists");
    }
    return merged;
  }
  if (!options.home) {
    throw ConfigError("", "", "no kubeconfig: neither --kubeconfig, KUBECONFIG nor HOME is set");
  }
  const fs::path path = *options.home / ".kube" / "config";
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw ConfigError(path.string(), "", "no such file");
  merge_file(merged, parse_file(path));
  return merged;
}

fs::path resolve(const SourceFile& file, const std::string& path) {
  const fs::path p(path);
  return p.is_absolute() ? p : file.dir / p;
}

std::string read_file(const Fields& fields, const std::string& key, const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fields.fail(key, "cannot read " + path.string() + ": " + errno_text(errno));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string decode_data(const Fields& fields, const std::string& key, const std::string& value) {
  auto decoded = decode_base64(value);
  if (!decoded) fields.fail(key, "not valid base64");
  return std::move(*decoded);
}

// A `<name>` file field and its `<name>-data` twin: at most one may be set (client-go rejects
// both). nullopt when neither is.
std::optional<std::string> file_or_data(const Fields& fields, const std::string& file_key,
                                        const std::string& data_key) {
  const std::string file = fields.string_or_empty(file_key);
  const std::string data = fields.string_or_empty(data_key);
  if (!file.empty() && !data.empty()) {
    fields.fail(data_key, data_key + " and " + file_key + " are both set; keep one");
  }
  if (!data.empty()) return decode_data(fields, data_key, data);
  if (!file.empty()) return read_file(fields, file_key, resolve(fields.file(), file));
  return std::nullopt;
}

void apply_cluster(const Entry& entry, const std::string& name, RestConfig& config) {
  const Fields cluster(*entry.file, entry.path, entry.body);
  const auto server = cluster.string("server");
  if (!server || server->empty()) cluster.fail("server", "cluster \"" + name + "\" has no server");
  try {
    config.server = parse_server_url(*server);
  } catch (const std::invalid_argument& e) {
    cluster.fail("server", std::string("not a usable URL: ") + e.what());
  }
  config.ca_pem = file_or_data(cluster, "certificate-authority", "certificate-authority-data");
  config.insecure_skip_tls_verify = cluster.boolean("insecure-skip-tls-verify");
  if (config.insecure_skip_tls_verify && config.ca_pem) {
    // client-go refuses this too: it is unclear which one the user meant.
    cluster.fail("insecure-skip-tls-verify",
                 "cannot be combined with certificate-authority(-data)");
  }
  config.tls_server_name = cluster.string_or_empty("tls-server-name");
  if (!cluster.string_or_empty("proxy-url").empty()) {
    cluster.fail("proxy-url", "proxy-url is not supported; cluster \"" + name +
                                  "\" must be reachable without a proxy (steward connects to " +
                                  config.server.authority() + " directly)");
  }
}

ExecConfig parse_exec(const Fields& exec) {
  ExecConfig out;
  out.api_version = exec.string_or_empty("apiVersion");
  if (out.api_version.empty()) exec.fail("apiVersion", "missing");
  if (out.api_version != "client.authentication.k8s.io/v1" &&
      out.api_version != "client.authentication.k8s.io/v1beta1") {
    exec.fail("apiVersion", "\"" + out.api_version +
                                "\" is not supported (use client.authentication.k8s.io/v1 or "
                                "v1beta1)");
  }
  out.command = exec.string_or_empty("command");
  if (out.command.empty()) exec.fail("command", "missing");
  // Only a command with a '/' is a path; a bare name is looked up on PATH (client-go does the same).
  if (out.command.find('/') != std::string::npos) {
    out.command = resolve(exec.file(), out.command).string();
  }
  for (const Fields& arg : exec.sequence("args")) {
    if (!arg.node().IsScalar()) arg.fail("", arg.node(), "must be a string");
    out.args.push_back(arg.node().Scalar());
  }
  for (const Fields& var : exec.sequence("env")) {
    if (!var.node().IsMap()) var.fail("", var.node(), "must be a mapping with name and value");
    const std::string name = var.string_or_empty("name");
    if (name.empty()) var.fail("name", "missing");
    out.env.emplace_back(name, var.string_or_empty("value"));
  }
  out.install_hint = exec.string_or_empty("installHint");
  return out;
}

void apply_user(const Entry& entry, RestConfig& config) {
  const Fields user(*entry.file, entry.path, entry.body);
  AuthConfig& auth = config.auth;

  // Silently connecting anonymously would hide these; say what to use instead.
  if (user.child("auth-provider").IsDefined()) {
    user.fail("auth-provider", "not supported; use an exec credential plugin");
  }
  if (user.child("username").IsDefined() || user.child("password").IsDefined()) {
    user.fail(user.child("username").IsDefined() ? "username" : "password",
              "basic authentication is not supported");
  }

  auth.bearer_token = user.string_or_empty("token");
  if (const std::string token_file = user.string_or_empty("tokenFile"); !token_file.empty()) {
    auth.token_file = resolve(user.file(), token_file);
    read_file(user, "tokenFile", auth.token_file);  // fail at startup, not at the first request
  }

  auto cert = file_or_data(user, "client-certificate", "client-certificate-data");
  auto key = file_or_data(user, "client-key", "client-key-data");
  if (cert && !key) user.fail("client-key", "missing: client-certificate needs a client-key");
  if (key && !cert) {
    user.fail("client-certificate", "missing: client-key needs a client-certificate");
  }
  if (cert) {
    auth.client_certificate_pem = std::move(*cert);
    auth.client_key_pem = std::move(*key);
  }

  if (auto exec = user.map("exec")) auth.exec = parse_exec(*exec);
}

// The entry a context names in `key`, or a ConfigError pointing at that field.
const Entry& lookup(const std::map<std::string, Entry>& entries, const Fields& context,
                    const std::string& key, const std::string& what) {
  const auto name = context.string_or_empty(key);
  const auto it = entries.find(name);
  if (it == entries.end()) context.fail(key, what + " \"" + name + "\" not found");
  return it->second;
}

// The RestConfig of the context `wanted` names (else of current-context) in `merged`.
RestConfig choose_context(const Merged& merged, const std::optional<std::string>& wanted,
                          const ProxyEnvironment& proxy_env) {
  std::string context_name;
  if (wanted && !wanted->empty()) {
    context_name = *wanted;
    if (!merged.contexts.count(context_name)) {
      throw ConfigError(merged.file_list(), "", "context \"" + context_name +
                                                    "\" (from --context) not found");
    }
  } else if (!merged.current_context.empty()) {
    context_name = merged.current_context;
    if (!merged.contexts.count(context_name)) {
      fail_at(*merged.current_context_file, "current-context", merged.current_context_node,
              "context \"" + context_name + "\" not found");
    }
  } else {
    throw ConfigError(merged.file_list(), "current-context",
                      "not set, and no --context given: cannot choose a cluster");
  }

  const Entry& context_entry = merged.contexts.at(context_name);
  const Fields context(*context_entry.file, context_entry.path, context_entry.body);

  RestConfig config;
  const std::string cluster_name = context.string_or_empty("cluster");
  if (cluster_name.empty()) {
    context.fail("cluster", "missing: context \"" + context_name + "\" names no cluster");
  }
  apply_cluster(lookup(merged.clusters, context, "cluster", "cluster"), cluster_name, config);
  // A context without a user is anonymous access, which client-go allows too.
  if (!context.string_or_empty("user").empty()) {
    apply_user(lookup(merged.users, context, "user", "user"), config);
  }
  if (auto ns = context.string_or_empty("namespace"); !ns.empty()) {
    config.default_namespace = ns;
  }
  config.identity = identity_of(config.auth);
  config.source = "kubeconfig " + context_entry.file->name + ", context \"" + context_name + "\"";
  config.warnings = security_warnings(config, proxy_env);
  return config;
}

}  // namespace

KubeconfigOptions KubeconfigOptions::from_environment(
    std::optional<std::filesystem::path> explicit_path, std::optional<std::string> context) {
  KubeconfigOptions options;
  options.explicit_path = std::move(explicit_path);
  options.context = std::move(context);
  if (const char* value = std::getenv("KUBECONFIG"); value && *value) {
    options.kubeconfig_env = value;
  }
  if (const char* home = std::getenv("HOME"); home && *home) options.home = fs::path(home);
  options.proxy_env = proxy_environment();
  return options;
}

RestConfig load_kubeconfig(const KubeconfigOptions& options) {
  return choose_context(load_files(options), options.context, options.proxy_env);
}

RestConfig load_kubeconfig_text(const std::string& text, const std::string& name,
                                const std::filesystem::path& dir,
                                const std::optional<std::string>& context) {
  Merged merged;
  merge_file(merged, parse_text(name, dir, text));
  return choose_context(merged, context, {});
}

}  // namespace steward::kube
