#include "config/steward_config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "base/bind_address.hpp"
#include "base/go_duration.hpp"
#include "base/quote.hpp"
#include "desired/object_rules.hpp"
#include "desired/scalar_resolve.hpp"
#include "desired/utf8.hpp"
#include "desired/yaml_documents.hpp"
#include "desired/yaml_json.hpp"

namespace steward::config {

namespace {

namespace fs = std::filesystem;
using base::format_duration;
using base::quote;
using desired::Diagnostic;
using desired::Mark;
using desired::ResolvedScalar;
using ScalarType = ResolvedScalar::Type;

constexpr std::string_view kTagPrefix = "tag:yaml.org,2002:";

Mark mark_of(const YAML::Mark& mark) {
  if (mark.line < 0 || mark.column < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

std::string format_number(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::to_string(value);
}

// ---- "did you mean" ----------------------------------------------------------------------------

// Lower case without '_' and '-', so `dry_run`, `DryRun` and `dryRun` meet.
std::string fold(std::string_view name) {
  std::string out;
  for (char c : name)
    if (c != '_' && c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Edit distance counting a swap of neighbours as one edit (optimal string alignment).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

// The known name closest to `unknown`, if it is close enough to be a typo of it.
std::optional<std::string_view> closest(std::string_view unknown,
                                        std::initializer_list<std::string_view> known) {
  const std::string folded = fold(unknown);
  std::optional<std::string_view> best;
  std::size_t best_distance = std::max<std::size_t>(1, folded.size() / 3) + 1;
  for (std::string_view candidate : known) {
    const std::size_t distance = edit_distance(folded, fold(candidate));
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

// ---- values ------------------------------------------------------------------------------------

std::string check_bind_address(const std::string& address) {
  if (address == base::kBindAddressDisabled) return {};
  const std::string usage = "must be host:port (\":8080\", \"127.0.0.1:8080\", \"[::1]:8080\") or "
                            "\"0\" to disable";
  base::BindAddressError why;
  const auto bind = base::parse_bind_address(address, &why);
  if (!bind) {
    switch (why.kind) {
      case base::BindAddressError::Kind::kNotHostPort: break;
      case base::BindAddressError::Kind::kBadPort:
        return "has port " + quote(why.port) + "; the port must be a number from 0 to 65535";
      case base::BindAddressError::Kind::kIpv6NotBracketed:
        return usage + " (an IPv6 host goes in brackets), got " + quote(address);
    }
    return usage + ", got " + quote(address);
  }
  // The server would only find out when it cannot resolve it.
  for (char c : bind->host)
    if (std::isspace(static_cast<unsigned char>(c))) return usage + ", got " + quote(address);
  return {};
}

// What a scalar holds, for "must be X, got Y" messages.
std::string describe(const ResolvedScalar& r, const std::string& text) {
  switch (r.type) {
    case ScalarType::kBool: return "the boolean " + text;
    case ScalarType::kInt:
    case ScalarType::kUint:
    case ScalarType::kOutOfRange: return "the integer " + text;
    case ScalarType::kFloat:
    case ScalarType::kNonFinite: return "the number " + text;
    case ScalarType::kNull: return "null";
    case ScalarType::kString: break;
  }
  return "the string " + quote(text);
}

std::string describe(const YAML::Node& node) {
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  if (node.IsScalar()) return "the value " + quote(node.Scalar());
  return "null";
}

// ---- the parser --------------------------------------------------------------------------------

// The fields of one mapping, after unknown and repeated ones were reported.
struct Fields {
  std::string path;  // "" for the top level, "reconcile.rateLimiter", "sources[0]"
  Mark mark;         // where the mapping is
  bool mapping = true;  // false: something else was written (reported), so no field is there
  std::map<std::string, YAML::Node, std::less<>> values;

  // The value of `name`; a null node when it is not written.
  YAML::Node get(std::string_view name) const {
    auto found = values.find(name);
    return found == values.end() ? YAML::Node() : found->second;
  }
  std::string path_of(std::string_view name) const {
    return path.empty() ? std::string(name) : path + "." + std::string(name);
  }
};

template <typename T>
using Check = std::function<std::string(const T&)>;  // "" when fine, else what is wrong

class ConfigParser {
 public:
  ConfigParser(std::string file, fs::path base_dir)
      : file_(std::move(file)), base_dir_(std::move(base_dir)) {}

  ConfigLoad parse(std::string_view text) {
    if (auto bad = desired::find_invalid_utf8(text)) {
      error(*bad, "invalid UTF-8");
      return finish();
    }
    std::vector<YAML::Node> documents;
    try {
      // The manifests' limits: a config file is far smaller, and a runaway one is refused.
      const desired::YamlOptions limits;
      for (const YAML::Node& doc : desired::load_yaml_documents(
               std::string(text), limits.max_parsed_nodes, limits.max_depth))
        if (!doc.IsNull()) documents.push_back(doc);
    } catch (const desired::LimitExceeded& e) {
      error(mark_of(e.mark), e.msg);
      return finish();
    } catch (const YAML::Exception& e) {
      error(mark_of(e.mark), "YAML: " + e.msg);
      return finish();
    }
    if (documents.empty()) {
      error(Mark{1, 1}, "the file is empty; a StewardConfig needs apiVersion, kind and sources");
      return finish();
    }
    if (documents.size() > 1)
      error(documents[1], "a config file holds one YAML document; a second one starts here");
    read_root(documents.front());
    return finish();
  }

 private:
  // ---- errors and marks ----

  void error(Mark mark, std::string message) {
    errors_.push_back({{file_, mark}, std::move(message)});
  }
  void error(const YAML::Node& node, std::string message) {
    error(mark_of(node.Mark()), std::move(message));
  }

  // True when none of `paths` had an error of its own: checks across fields run only then, so one
  // mistake is not reported twice.
  bool all_read(std::initializer_list<std::string_view> paths) const {
    return std::none_of(paths.begin(), paths.end(),
                        [&](std::string_view path) { return failed_.contains(path); });
  }

  // Where the first of `paths` that was written is (for errors about two fields at once).
  Mark mark_at(std::initializer_list<std::string_view> paths) const {
    for (std::string_view path : paths)
      if (auto found = marks_.find(path); found != marks_.end()) return found->second;
    return Mark{1, 1};
  }

  // A maximum of `f` (`upper`) that must not be less than its minimum (`lower`): an error at the
  // maximum, or at the minimum when only that was written; only when both read cleanly.
  void check_not_less(const Fields& f, std::string_view upper, Duration upper_value,
                      std::string_view lower, Duration lower_value) {
    const std::string upper_path = f.path_of(upper);
    const std::string lower_path = f.path_of(lower);
    if (upper_value >= lower_value || !all_read({upper_path, lower_path})) return;
    error(mark_at({upper_path, lower_path}),
          upper_path + " (" + format_duration(upper_value) + ") must not be less than " +
              std::string(lower) + " (" + format_duration(lower_value) + ")");
  }

  ConfigLoad finish() {
    ConfigLoad load;
    std::stable_sort(errors_.begin(), errors_.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return std::pair(a.where.mark.line, a.where.mark.column) <
             std::pair(b.where.mark.line, b.where.mark.column);
    });
    load.errors = std::move(errors_);
    if (load.errors.empty()) load.config = std::move(config_);
    return load;
  }

  // ---- structure ----

  Fields fields(const YAML::Node& node, std::string path, Mark parent_mark,
                std::initializer_list<std::string_view> known) {
    Fields f;
    f.path = std::move(path);
    f.mark = mark_of(node.Mark());
    if (f.mark.line == 0) f.mark = parent_mark;
    if (!f.path.empty()) marks_.emplace(f.path, f.mark);
    if (node.IsNull()) return f;  // written empty: every field keeps its default
    if (!node.IsMap()) {
      error(node, (f.path.empty() ? "the document" : f.path) + " must be a mapping, not " +
                      describe(node));
      f.mapping = false;
      return f;
    }
    const std::string in = f.path.empty() ? "" : " in " + f.path;
    std::map<std::string, Mark, std::less<>> seen;
    for (const auto& entry : node) {
      const YAML::Node& key = entry.first;
      if (!key.IsScalar()) {
        error(key, "field names must be strings" + in);
        continue;
      }
      const std::string& name = key.Scalar();
      const Mark key_mark = mark_of(key.Mark());
      if (auto [first, inserted] = seen.emplace(name, key_mark); !inserted) {
        error(key_mark, "field " + quote(name) + " written twice" + in + " (first at line " +
                            std::to_string(first->second.line) + ")");
        continue;
      }
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        std::string message = "unknown field " + quote(name) + in;
        if (key.Tag() == "?" && name == "<<")
          message += " (merge keys are not supported in a StewardConfig)";
        else if (auto suggestion = closest(name, known))
          message += " (did you mean " + quote(*suggestion) + "?)";
        error(key_mark, std::move(message));
        continue;
      }
      f.values.emplace(name, entry.second);
      if (Mark value_mark = mark_of(entry.second.Mark()); value_mark.line > 0)
        marks_.emplace(f.path_of(name), value_mark);
      else
        marks_.emplace(f.path_of(name), key_mark);
    }
    return f;
  }

  // The scalar `node` resolved as Kubernetes' YAML decoder would; kNull when it is not written;
  // nullopt (reported) when it is not a scalar or its tag is not honoured.
  std::optional<ResolvedScalar> scalar(const YAML::Node& node, const std::string& path,
                                       std::string_view wanted) {
    if (node.IsNull()) return ResolvedScalar{.type = ScalarType::kNull};
    if (!node.IsScalar()) {
      error(node, path + " must be " + std::string(wanted) + ", not " + describe(node));
      return std::nullopt;
    }
    const std::string& tag = node.Tag();
    if (tag == "!") return ResolvedScalar{};  // quoted or block: a string
    if (tag == "?") return desired::resolve_plain_scalar(node.Scalar());
    const std::string_view name =
        tag.starts_with(kTagPrefix) ? std::string_view(tag).substr(kTagPrefix.size()) : "";
    if (name == "str") return ResolvedScalar{};
    if (name == "int" || name == "float" || name == "bool" || name == "null") {
      ResolvedScalar r = desired::resolve_plain_scalar(node.Scalar());
      const bool matches = (name == "int" && (r.type == ScalarType::kInt ||
                                               r.type == ScalarType::kUint)) ||
                           (name == "float" && (r.type == ScalarType::kFloat ||
                                                 r.type == ScalarType::kInt)) ||
                           (name == "bool" && r.type == ScalarType::kBool) ||
                           (name == "null" && r.type == ScalarType::kNull);
      if (matches) return r;
      error(node, path + ": cannot read " + quote(node.Scalar()) + " as !!" + std::string(name));
      return std::nullopt;
    }
    error(node, path + ": unsupported tag " + quote(tag));
    return std::nullopt;
  }

  std::optional<bool> get_bool(const YAML::Node& node, const std::string& path) {
    const char* wanted = "true or false";
    auto r = scalar(node, path, wanted);
    if (!r || r->type == ScalarType::kNull) return std::nullopt;
    if (r->type == ScalarType::kBool) return r->boolean;
    error(node, path + " must be " + wanted + ", got " + describe(*r, node.Scalar()));
    return std::nullopt;
  }

  std::optional<std::int64_t> get_int(const YAML::Node& node, const std::string& path) {
    const char* wanted = "an integer";
    auto r = scalar(node, path, wanted);
    if (!r || r->type == ScalarType::kNull) return std::nullopt;
    if (r->type == ScalarType::kInt) return r->integer;
    if (r->type == ScalarType::kUint || r->type == ScalarType::kOutOfRange)
      error(node, path + ": " + node.Scalar() + " is too large");
    else
      error(node, path + " must be " + wanted + ", got " + describe(*r, node.Scalar()));
    return std::nullopt;
  }

  std::optional<double> get_number(const YAML::Node& node, const std::string& path) {
    const char* wanted = "a number";
    auto r = scalar(node, path, wanted);
    if (!r || r->type == ScalarType::kNull) return std::nullopt;
    if (r->type == ScalarType::kInt) return static_cast<double>(r->integer);
    if (r->type == ScalarType::kFloat) return r->floating;
    if (r->type == ScalarType::kNonFinite)
      error(node, path + " must be a finite number, got " + node.Scalar());
    else
      error(node, path + " must be " + wanted + ", got " + describe(*r, node.Scalar()));
    return std::nullopt;
  }

  std::optional<std::string> get_string(const YAML::Node& node, const std::string& path) {
    const char* wanted = "a string";
    auto r = scalar(node, path, wanted);
    if (!r || r->type == ScalarType::kNull) return std::nullopt;
    if (r->type == ScalarType::kString) return node.Scalar();
    error(node, path + " must be " + wanted + ", got " + describe(*r, node.Scalar()) +
                    " (quote it: " + quote(node.Scalar()) + ")");
    return std::nullopt;
  }

  // Plain `0` and `10` resolve as integers; they are read as duration text so `0` works and `10`
  // gets the "missing unit" message rather than a type error.
  std::optional<Duration> get_duration(const YAML::Node& node, const std::string& path) {
    const char* wanted = "a duration such as \"500ms\", \"10s\" or \"1m30s\"";
    auto r = scalar(node, path, wanted);
    if (!r || r->type == ScalarType::kNull) return std::nullopt;
    if (r->type == ScalarType::kBool) {
      error(node, path + " must be " + wanted + ", got " + describe(*r, node.Scalar()));
      return std::nullopt;
    }
    std::string why;
    if (auto d = base::parse_duration(node.Scalar(), &why)) return d;
    error(node, path + " must be " + wanted + ": " + why);
    return std::nullopt;
  }

  template <typename T, typename Get>
  void read(const Fields& f, std::string_view name, T& out, Get get, const Check<T>& check) {
    const YAML::Node node = f.get(name);
    const std::string path = f.path_of(name);
    const std::size_t errors_before = errors_.size();
    auto value = (this->*get)(node, path);
    if (!value) {
      if (errors_.size() != errors_before) failed_.insert(path);
      return;
    }
    T converted = static_cast<T>(*value);
    if (check) {
      if (std::string problem = check(converted); !problem.empty()) {
        error(node, path + " " + problem);
        failed_.insert(path);
        return;
      }
    }
    out = std::move(converted);
  }

  void read_bool(const Fields& f, std::string_view name, bool& out) {
    read<bool>(f, name, out, &ConfigParser::get_bool, {});
  }
  void read_int(const Fields& f, std::string_view name, int& out, std::int64_t min,
                std::int64_t max) {
    const YAML::Node node = f.get(name);
    const std::string path = f.path_of(name);
    const std::size_t errors_before = errors_.size();
    auto value = get_int(node, path);
    if (!value) {
      if (errors_.size() != errors_before) failed_.insert(path);
      return;
    }
    if (*value < min || *value > max) {
      failed_.insert(path);
      error(node, path + " must be " +
                      (max == INT_MAX ? "at least " + std::to_string(min)
                                      : "from " + std::to_string(min) + " to " +
                                            std::to_string(max)) +
                      ", got " + std::to_string(*value));
      return;
    }
    out = static_cast<int>(*value);
  }
  void read_number(const Fields& f, std::string_view name, double& out,
                   const Check<double>& check) {
    read<double>(f, name, out, &ConfigParser::get_number, check);
  }
  void read_string(const Fields& f, std::string_view name, std::string& out,
                   const Check<std::string>& check = {}) {
    read<std::string>(f, name, out, &ConfigParser::get_string, check);
  }
  void read_duration(const Fields& f, std::string_view name, Duration& out,
                     const Check<Duration>& check) {
    read<Duration>(f, name, out, &ConfigParser::get_duration, check);
  }
  // A path written in the file: relative ones resolve against the config file's folder.
  void read_path(const Fields& f, std::string_view name, fs::path& out, bool allow_empty) {
    std::string text;
    read_string(f, name, text, [&](const std::string& s) -> std::string {
      if (s.empty() && !allow_empty) return "must not be empty";
      if (s.starts_with("~"))
        return quote(s) + " starts with '~', which steward does not expand; write the full path";
      return {};
    });
    if (text.empty()) return;
    fs::path path(text);
    if (path.is_relative() && !base_dir_.empty()) path = base_dir_ / path;
    out = path.lexically_normal();
  }

  // ---- sections ----

  void read_root(const YAML::Node& root) {
    const Fields f = fields(root, "", Mark{1, 1},
                            {"apiVersion", "kind", "cluster", "sources", "reconcile", "metrics",
                             "health", "leaderElection", "logging"});
    if (!f.mapping) return;  // one error is enough for a file that is not a StewardConfig at all
    read_type_field(f, "apiVersion", kConfigApiVersion);
    read_type_field(f, "kind", kConfigKind);
    read_cluster(f);
    read_sources(f);
    read_reconcile(f);
    read_endpoints(f);
    read_leader_election(f);
    read_logging(f);
  }

  void read_type_field(const Fields& f, std::string_view name, std::string_view want) {
    const YAML::Node node = f.get(name);
    if (node.IsNull()) {
      error(f.mark, std::string(name) + " is required (" + std::string(name) + ": " +
                        std::string(want) + ")");
      return;
    }
    std::string value;
    read_string(f, name, value, [&](const std::string& got) -> std::string {
      if (got == want) return {};
      return "must be " + quote(want) + ", got " + quote(got);
    });
  }

  void read_cluster(const Fields& root) {
    const Fields f = fields(root.get("cluster"), "cluster", root.mark,
                            {"kubeconfig", "context", "inCluster", "qps", "burst",
                             "circuitBreaker"});
    ClusterConfig& c = config_.cluster;
    read_path(f, "kubeconfig", c.kubeconfig, true);
    read_string(f, "context", c.context);
    read_bool(f, "inCluster", c.in_cluster);
    read_number(f, "qps", c.qps, positive);
    read_int(f, "burst", c.burst, 1, INT_MAX);
    read_circuit_breaker(f);
    if (c.in_cluster && (!c.kubeconfig.empty() || !c.context.empty()) &&
        all_read({"cluster.kubeconfig", "cluster.context"}))
      error(mark_at({"cluster.inCluster"}),
            "cluster.inCluster uses the pod's service account; it cannot be combined with "
            "cluster.kubeconfig or cluster.context");
  }

  void read_circuit_breaker(const Fields& cluster) {
    const Fields b = fields(cluster.get("circuitBreaker"), "cluster.circuitBreaker", cluster.mark,
                            {"failureThreshold", "openFor", "maxOpenFor", "successesToClose"});
    kube::CircuitBreakerOptions& cb = config_.cluster.circuit_breaker;
    read_int(b, "failureThreshold", cb.failure_threshold, 1, INT_MAX);
    read_duration(b, "openFor", cb.open_for, positive_duration);
    read_duration(b, "maxOpenFor", cb.max_open_for, positive_duration);
    read_int(b, "successesToClose", cb.successes_to_close, 1, INT_MAX);
    // maxOpenFor left out is the larger of 30 s and openFor: `openFor: 1s` alone doubles up to
    // 30 s, `openFor: 60s` alone is a fixed minute.
    if (b.get("maxOpenFor").IsNull()) cb.max_open_for = std::max(cb.max_open_for, cb.open_for);
    check_not_less(b, "maxOpenFor", cb.max_open_for, "openFor", cb.open_for);
  }

  void read_sources(const Fields& root) {
    const YAML::Node list = root.get("sources");
    if (list.IsNull()) {
      error(root.mark, "sources is required: list at least one source with a name and a path");
      return;
    }
    if (!list.IsSequence()) {
      error(list, "sources must be a list, not " + describe(list));
      return;
    }
    if (list.size() == 0) {
      error(list, "sources must list at least one source with a name and a path");
      return;
    }
    std::map<std::string, Mark> names;  // name → where it was first written
    std::size_t index = 0;
    for (const YAML::Node& item : list) {
      const std::string path = "sources[" + std::to_string(index++) + "]";
      const Fields f = fields(item, path, mark_of(list.Mark()),
                              {"name", "path", "defaultNamespace", "prune", "pruneFraction"});
      if (!f.mapping) continue;
      SourceConfig source;
      if (f.get("name").IsNull()) {
        error(f.mark, path + ".name is required");
      } else {
        read_string(f, "name", source.name, [](const std::string& name) -> std::string {
          if (desired::is_dns1123_label(name)) return {};
          return quote(name) + " must be a DNS-1123 label (at most 63 characters of a-z, 0-9 "
                               "and '-', starting and ending with a letter or digit)";
        });
        if (!source.name.empty()) {
          const Mark at = mark_at({f.path_of("name")});
          if (auto [first, inserted] = names.emplace(source.name, at); !inserted)
            error(at, "duplicate source name " + quote(source.name) + " (first at line " +
                          std::to_string(first->second.line) + ")");
        }
      }
      if (f.get("path").IsNull())
        error(f.mark, path + ".path is required");
      else
        read_path(f, "path", source.path, false);
      read_string(f, "defaultNamespace", source.default_namespace, dns_label);
      read_bool(f, "prune", source.prune);
      read_number(f, "pruneFraction", source.prune_fraction, [](const double& v) -> std::string {
        if (v > 0 && v <= 1) return {};
        return "must be more than 0 and at most 1, got " + format_number(v);
      });
      config_.sources.push_back(std::move(source));
    }
  }

  void read_reconcile(const Fields& root) {
    const Fields f = fields(root.get("reconcile"), "reconcile", root.mark,
                            {"workers", "resyncPeriod", "dryRun", "debounce", "rateLimiter"});
    ReconcileConfig& r = config_.reconcile;
    read_int(f, "workers", r.workers, 1, 256);
    read_duration(f, "resyncPeriod", r.resync_period, [](const Duration& d) -> std::string {
      if (d == Duration::zero() || d >= std::chrono::seconds(1)) return {};
      return "must be 0 (off) or at least 1s, got " + format_duration(d);
    });
    read_bool(f, "dryRun", r.dry_run);
    read_duration(f, "debounce", r.debounce, not_negative);

    const Fields l = fields(f.get("rateLimiter"), "reconcile.rateLimiter", f.mark,
                            {"baseDelay", "maxDelay", "qps", "burst"});
    RateLimiterConfig& rl = r.rate_limiter;
    read_duration(l, "baseDelay", rl.base_delay, positive_duration);
    read_duration(l, "maxDelay", rl.max_delay, positive_duration);
    read_number(l, "qps", rl.qps, positive);
    read_int(l, "burst", rl.burst, 1, INT_MAX);
    check_not_less(l, "maxDelay", rl.max_delay, "baseDelay", rl.base_delay);
  }

  void read_endpoints(const Fields& root) {
    const Fields m = fields(root.get("metrics"), "metrics", root.mark, {"bindAddress"});
    read_string(m, "bindAddress", config_.metrics.bind_address, check_bind_address);
    const Fields h = fields(root.get("health"), "health", root.mark, {"bindAddress"});
    read_string(h, "bindAddress", config_.health.bind_address, check_bind_address);
    const std::string& address = config_.health.bind_address;
    // Port 0 asks the kernel for a free port each time, so two of them never clash.
    const bool any_port = address.size() >= 2 && address.compare(address.size() - 2, 2, ":0") == 0;
    if (address != "0" && !any_port && address == config_.metrics.bind_address &&
        all_read({"metrics.bindAddress", "health.bindAddress"}))
      error(mark_at({"health.bindAddress", "metrics.bindAddress"}),
            "health.bindAddress and metrics.bindAddress are both " + quote(address) +
                "; they need different ports");
  }

  void read_leader_election(const Fields& root) {
    const Fields f = fields(root.get("leaderElection"), "leaderElection", root.mark,
                            {"enabled", "namespace", "leaseName", "leaseDuration",
                             "renewDeadline", "retryPeriod"});
    LeaderElectionConfig& le = config_.leader_election;
    read_bool(f, "enabled", le.enabled);
    read_string(f, "namespace", le.ns, [](const std::string& ns) -> std::string {
      return ns.empty() ? std::string() : dns_label(ns);
    });
    read_string(f, "leaseName", le.lease_name, [](const std::string& name) -> std::string {
      if (desired::is_dns1123_subdomain(name)) return {};
      return quote(name) + " must be a DNS-1123 subdomain (at most 253 characters of a-z, 0-9, "
                           "'-' and '.', each part starting and ending with a letter or digit)";
    });
    read_duration(f, "leaseDuration", le.lease_duration, positive_duration);
    read_duration(f, "renewDeadline", le.renew_deadline, positive_duration);
    read_duration(f, "retryPeriod", le.retry_period, positive_duration);
    // client-go's leaderelection.NewLeaderElector refuses the same combinations.
    if (!all_read({"leaderElection.leaseDuration", "leaderElection.renewDeadline",
                   "leaderElection.retryPeriod"}))
      return;
    if (le.renew_deadline >= le.lease_duration)
      error(mark_at({"leaderElection.renewDeadline", "leaderElection.leaseDuration"}),
            "leaderElection.renewDeadline (" + format_duration(le.renew_deadline) +
                ") must be less than leaseDuration (" + format_duration(le.lease_duration) + ")");
    else if (le.renew_deadline.count() <= 1.2 * static_cast<double>(le.retry_period.count()))
      error(mark_at({"leaderElection.retryPeriod", "leaderElection.renewDeadline"}),
            "leaderElection.renewDeadline (" + format_duration(le.renew_deadline) +
                ") must be more than 1.2 times retryPeriod (" + format_duration(le.retry_period) +
                "), or jittered retries could miss it");
  }

  void read_logging(const Fields& root) {
    const Fields f = fields(root.get("logging"), "logging", root.mark, {"level", "format"});
    read_enum(f, "level", config_.logging.level,
              {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError});
    read_enum(f, "format", config_.logging.format, {LogFormat::kJson, LogFormat::kText});
  }

  template <typename Enum>
  void read_enum(const Fields& f, std::string_view name, Enum& out,
                 std::initializer_list<Enum> values) {
    std::string text;
    read_string(f, name, text, [&](const std::string& got) -> std::string {
      std::string names;
      for (Enum value : values) {
        if (to_string(value) == got) return {};
        names += (names.empty() ? "" : ", ") + std::string(to_string(value));
      }
      return "must be one of " + names + ", got " + quote(got);
    });
    for (Enum value : values)
      if (to_string(value) == text) out = value;
  }

  // ---- checks ----

  static std::string positive(const double& v) {
    return v > 0 ? std::string() : "must be more than 0, got " + format_number(v);
  }
  static std::string positive_duration(const Duration& d) {
    if (d > Duration::zero()) return {};
    return "must be more than 0, got " + format_duration(d);
  }
  static std::string not_negative(const Duration& d) {
    if (d >= Duration::zero()) return {};
    return "must not be negative, got " + format_duration(d);
  }
  static std::string dns_label(const std::string& value) {
    if (desired::is_dns1123_label(value)) return {};
    return quote(value) + " must be a DNS-1123 label (at most 63 characters of a-z, 0-9 and '-', "
                          "starting and ending with a letter or digit)";
  }

  const std::string file_;
  const fs::path base_dir_;
  StewardConfig config_ = default_config();
  std::vector<Diagnostic> errors_;
  // Where each field and mapping that was written is, by path ("leaderElection.renewDeadline").
  std::map<std::string, Mark, std::less<>> marks_;
  // Paths of the fields that had an error.
  std::set<std::string, std::less<>> failed_;
};

// ---- compare -----------------------------------------------------------------------------------

std::string show(bool value) { return value ? "true" : "false"; }
std::string show(int value) { return std::to_string(value); }
std::string show(double value) { return format_number(value); }
std::string show(Duration value) { return format_duration(value); }
std::string show(const std::string& value) { return quote(value); }
std::string show(const fs::path& value) { return quote(value.string()); }
std::string show(LogLevel value) { return std::string(to_string(value)); }
std::string show(LogFormat value) { return std::string(to_string(value)); }

std::string show(const SourceConfig& s) {
  return "{name: " + s.name + ", path: " + show(s.path) +
         ", defaultNamespace: " + show(s.default_namespace) + ", prune: " + show(s.prune) +
         ", pruneFraction: " + show(s.prune_fraction) + "}";
}

template <typename T>
void add_if_changed(std::vector<ConfigChange>& out, std::string field, const T& before,
                    const T& after, bool live) {
  if (before == after) return;
  out.push_back({std::move(field), show(before), show(after), live});
}

void compare_sources(const std::vector<SourceConfig>& running,
                     const std::vector<SourceConfig>& next, std::vector<ConfigChange>& out) {
  const auto find = [](const std::vector<SourceConfig>& list,
                       const std::string& name) -> const SourceConfig* {
    for (const SourceConfig& s : list)
      if (s.name == name) return &s;
    return nullptr;
  };
  for (const SourceConfig& before : running) {
    const std::string field = "sources[" + before.name + "]";
    const SourceConfig* after = find(next, before.name);
    if (after == nullptr) {
      out.push_back({field, show(before), "", true});
      continue;
    }
    add_if_changed(out, field + ".path", before.path, after->path, true);
    add_if_changed(out, field + ".defaultNamespace", before.default_namespace,
                   after->default_namespace, true);
    add_if_changed(out, field + ".prune", before.prune, after->prune, true);
    add_if_changed(out, field + ".pruneFraction", before.prune_fraction, after->prune_fraction,
                   true);
  }
  for (const SourceConfig& after : next)
    if (find(running, after.name) == nullptr)
      out.push_back({"sources[" + after.name + "]", "", show(after), true});
}

}  // namespace

StewardConfig default_config() { return StewardConfig{}; }

ConfigLoad parse_config(std::string_view text, const std::string& file_name,
                        const std::filesystem::path& base_dir) {
  return ConfigParser(file_name, base_dir).parse(text);
}

ConfigLoad load_config_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    ConfigLoad load;
    load.errors.push_back({{path.string(), {}}, exists ? "cannot open file" : "no such file"});
    return load;
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  if (ec) absolute = path;
  return parse_config(text.view(), path.string(), absolute.parent_path());
}

std::string ConfigChange::to_string() const {
  return field + ": " + (before.empty() ? "(none)" : before) + " -> " +
         (after.empty() ? "(none)" : after) + (live ? " (live)" : " (restart needed)");
}

std::vector<ConfigChange> compare(const StewardConfig& running, const StewardConfig& next) {
  std::vector<ConfigChange> out;
  const auto& a = running;
  const auto& b = next;
  add_if_changed(out, "cluster.kubeconfig", a.cluster.kubeconfig, b.cluster.kubeconfig, false);
  add_if_changed(out, "cluster.context", a.cluster.context, b.cluster.context, false);
  add_if_changed(out, "cluster.inCluster", a.cluster.in_cluster, b.cluster.in_cluster, false);
  add_if_changed(out, "cluster.qps", a.cluster.qps, b.cluster.qps, false);
  add_if_changed(out, "cluster.burst", a.cluster.burst, b.cluster.burst, false);
  const auto& ba = a.cluster.circuit_breaker;
  const auto& bb = b.cluster.circuit_breaker;
  add_if_changed(out, "cluster.circuitBreaker.failureThreshold", ba.failure_threshold,
                 bb.failure_threshold, false);
  add_if_changed(out, "cluster.circuitBreaker.openFor", ba.open_for, bb.open_for, false);
  add_if_changed(out, "cluster.circuitBreaker.maxOpenFor", ba.max_open_for, bb.max_open_for,
                 false);
  add_if_changed(out, "cluster.circuitBreaker.successesToClose", ba.successes_to_close,
                 bb.successes_to_close, false);
  compare_sources(a.sources, b.sources, out);
  const auto& ra = a.reconcile;
  const auto& rb = b.reconcile;
  add_if_changed(out, "reconcile.workers", ra.workers, rb.workers, true);
  add_if_changed(out, "reconcile.resyncPeriod", ra.resync_period, rb.resync_period, false);
  add_if_changed(out, "reconcile.dryRun", ra.dry_run, rb.dry_run, true);
  add_if_changed(out, "reconcile.debounce", ra.debounce, rb.debounce, false);
  add_if_changed(out, "reconcile.rateLimiter.baseDelay", ra.rate_limiter.base_delay,
                 rb.rate_limiter.base_delay, false);
  add_if_changed(out, "reconcile.rateLimiter.maxDelay", ra.rate_limiter.max_delay,
                 rb.rate_limiter.max_delay, false);
  add_if_changed(out, "reconcile.rateLimiter.qps", ra.rate_limiter.qps, rb.rate_limiter.qps,
                 false);
  add_if_changed(out, "reconcile.rateLimiter.burst", ra.rate_limiter.burst,
                 rb.rate_limiter.burst, false);
  add_if_changed(out, "metrics.bindAddress", a.metrics.bind_address, b.metrics.bind_address,
                 false);
  add_if_changed(out, "health.bindAddress", a.health.bind_address, b.health.bind_address, false);
  const auto& la = a.leader_election;
  const auto& lb = b.leader_election;
  add_if_changed(out, "leaderElection.enabled", la.enabled, lb.enabled, false);
  add_if_changed(out, "leaderElection.namespace", la.ns, lb.ns, false);
  add_if_changed(out, "leaderElection.leaseName", la.lease_name, lb.lease_name, false);
  add_if_changed(out, "leaderElection.leaseDuration", la.lease_duration, lb.lease_duration, false);
  add_if_changed(out, "leaderElection.renewDeadline", la.renew_deadline, lb.renew_deadline, false);
  add_if_changed(out, "leaderElection.retryPeriod", la.retry_period, lb.retry_period, false);
  add_if_changed(out, "logging.level", a.logging.level, b.logging.level, true);
  add_if_changed(out, "logging.format", a.logging.format, b.logging.format, false);
  return out;
}

bool needs_restart(const std::vector<ConfigChange>& changes) {
  return std::any_of(changes.begin(), changes.end(),
                     [](const ConfigChange& c) { return !c.live; });
}

}  // namespace steward::config
