// The StewardConfig parser: walks the YAML as the field table (fields.cpp) lays the file out.
// Each mapping is checked for unknown and repeated names, then each of its fields is read as its
// kind says and checked, each section inside it read the same way, and then the rules of the
// mapping (rules.cpp) run. Every error is collected (findings.hpp); the config is returned only
// when there is none.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <type_traits>
#include <utility>

#include "base/quote.hpp"
#include "config/field_table.hpp"
#include "config/suggest.hpp"
#include "config/yaml_values.hpp"
#include "desired/utf8.hpp"
#include "desired/yaml_documents.hpp"
#include "desired/yaml_json.hpp"

namespace steward::config {
namespace {

namespace fs = std::filesystem;
using base::quote;
using desired::Mark;

// The fields of one mapping, after unknown and repeated ones were reported.
struct Mapping {
  std::string path;  // "" for the top level, "reconcile.rateLimiter", "sources[0]"
  Mark mark;         // where the mapping is
  bool is_mapping = true;  // false: something else was written (reported), so no field is there
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

// The names the mapping at `prefix` of `table` holds, in table order: each field's own name, and
// the name of each section inside it.
template <typename Root>
std::vector<std::string_view> names_under(std::span<const Field<Root>> table,
                                          std::string_view prefix) {
  std::vector<std::string_view> names;
  for (const Field<Root>& field : table) {
    std::string_view rest = field.path;
    if (!prefix.empty()) {
      if (!rest.starts_with(prefix) || rest.substr(prefix.size(), 1) != ".") continue;
      rest.remove_prefix(prefix.size() + 1);
    }
    const std::string_view name = rest.substr(0, rest.find('.'));
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

template <typename Root>
const Field<Root>* field_at(std::span<const Field<Root>> table, std::string_view path) {
  for (const Field<Root>& field : table)
    if (field.path == path) return &field;
  return nullptr;  // a section
}

class ConfigParser {
 public:
  ConfigParser(std::string file, fs::path base_dir)
      : found_(std::move(file)), values_(found_), base_dir_(std::move(base_dir)) {}

  ConfigLoad parse(std::string_view text) {
    if (auto bad = desired::find_invalid_utf8(text)) {
      found_.error(*bad, "invalid UTF-8");
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
      found_.error(mark_of(e.mark), e.msg);
      return finish();
    } catch (const YAML::Exception& e) {
      found_.error(mark_of(e.mark), "YAML: " + e.msg);
      return finish();
    }
    if (documents.empty()) {
      found_.error(Mark{1, 1},
                   "the file is empty; a StewardConfig needs apiVersion, kind and sources");
      return finish();
    }
    if (documents.size() > 1)
      error(documents[1], "a config file holds one YAML document; a second one starts here");
    // Not a mapping at all: one error is enough for a file that is not a StewardConfig.
    read_section(documents.front(), "", Mark{1, 1}, config_fields(), "", config_);
    return finish();
  }

 private:
  void error(const YAML::Node& node, std::string message) {
    found_.error(mark_of(node.Mark()), std::move(message));
  }

  ConfigLoad finish() {
    ConfigLoad load;
    load.errors = found_.take_errors();
    if (load.errors.empty()) load.config = std::move(config_);
    return load;
  }

  // ---- structure ----

  Mapping mapping(const YAML::Node& node, std::string path, Mark parent_mark,
                  std::span<const std::string_view> known) {
    Mapping m;
    m.path = std::move(path);
    m.mark = mark_of(node.Mark());
    if (m.mark.line == 0) m.mark = parent_mark;
    if (!m.path.empty()) found_.written(m.path, m.mark, !node.IsNull());
    if (node.IsNull()) return m;  // written empty: every field keeps its default
    if (!node.IsMap()) {
      error(node, (m.path.empty() ? "the document" : m.path) + " must be a mapping, not " +
                      describe(node));
      m.is_mapping = false;
      return m;
    }
    const std::string in = m.path.empty() ? "" : " in " + m.path;
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
        found_.error(key_mark, "field " + quote(name) + " written twice" + in + " (first at line " +
                                   std::to_string(first->second.line) + ")");
        continue;
      }
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        std::string message = "unknown field " + quote(name) + in;
        if (key.Tag() == "?" && name == "<<")
          message += " (merge keys are not supported in a StewardConfig)";
        else if (auto suggestion = closest(name, known))
          message += " (did you mean " + quote(*suggestion) + "?)";
        found_.error(key_mark, std::move(message));
        continue;
      }
      m.values.emplace(name, entry.second);
      const Mark value_mark = mark_of(entry.second.Mark());
      found_.written(m.path_of(name), value_mark.line > 0 ? value_mark : key_mark,
                     !entry.second.IsNull());
    }
    return m;
  }

  // Reads the mapping `node`, which holds the fields of `table` under `prefix` ("" for all of
  // them), into `root`; `path` names it in messages. False when it is not a mapping (reported;
  // every field in it keeps its default).
  template <typename Root>
  bool read_section(const YAML::Node& node, std::string path, Mark parent_mark,
                    std::span<const Field<Root>> table, std::string_view prefix, Root& root) {
    const std::vector<std::string_view> names = names_under(table, prefix);
    const Mapping m = mapping(node, std::move(path), parent_mark, names);
    if (!m.is_mapping) return false;
    for (std::string_view name : names) {
      const std::string inner =
          prefix.empty() ? std::string(name) : std::string(prefix) + "." + std::string(name);
      if (const Field<Root>* field = field_at(table, inner))
        read_field(m, name, *field, root);
      else
        read_section(m.get(name), m.path_of(name), m.mark, table, inner, root);
    }
    if constexpr (std::is_same_v<Root, StewardConfig>) {
      for (const Rule& rule : config_rules())
        if (rule.section == m.path) rule.check(root, found_);
    }
    return true;
  }

  template <typename Root>
  void read_field(const Mapping& m, std::string_view name, const Field<Root>& field, Root& root) {
    if (field.required && m.get(name).IsNull()) {
      found_.error(m.mark, m.path_of(name) + " is required");
      return;
    }
    std::visit(Overloaded{
                   [&](const Constant& c) { read_constant(m, name, c.value); },
                   [&](const SourceList<Root>& s) { read_sources(m, name, s.at.get(root)); },
                   [&](const Flag<Root>& f) {
                     read(m, name, f.at.get(root), &YamlValues::boolean, Check<bool>());
                   },
                   [&](const Integer<Root>& i) { read_int(m, name, i.at.get(root), i.min, i.max); },
                   [&](const Number<Root>& n) {
                     read(m, name, n.at.get(root), &YamlValues::number, n.check);
                   },
                   [&](const Text<Root>& t) {
                     read(m, name, t.at.get(root), &YamlValues::string, t.check);
                   },
                   [&](const FilePath<Root>& p) {
                     read_path(m, name, p.at.get(root), p.may_be_empty);
                   },
                   [&](const Period<Root>& p) {
                     read(m, name, p.at.get(root), &YamlValues::duration, p.check);
                   },
                   [&](const Choice<Root>& c) { read_choice(m, name, c, root); },
                   [&](const IgnoreList<Root>& l) { read_ignore(m, name, l.at.get(root)); },
                   [&](const TextList<Root>& l) {
                     const YAML::Node node = m.get(name);
                     if (node.IsNull()) return;
                     if (auto read = read_strings(node, m.path_of(name), l.check)) {
                       l.at.get(root) = std::move(*read);
                     }
                   },
               },
               field.value);
  }

  // ---- values ----

  template <typename T, typename Get>
  void read(const Mapping& m, std::string_view name, T& out, Get get, const Check<T>& check) {
    const YAML::Node node = m.get(name);
    const std::string path = m.path_of(name);
    const std::size_t errors_before = found_.error_count();
    auto value = (values_.*get)(node, path);
    if (!value) {
      if (found_.error_count() != errors_before) found_.failed(path);
      return;
    }
    T converted = static_cast<T>(*value);
    if (check) {
      if (std::string problem = check(converted); !problem.empty()) {
        error(node, path + " " + problem);
        found_.failed(path);
        return;
      }
    }
    out = std::move(converted);
  }

  void read_int(const Mapping& m, std::string_view name, int& out, std::int64_t min,
                std::int64_t max) {
    std::int64_t value = out;
    read(m, name, value, &YamlValues::integer, Check<std::int64_t>([&](const std::int64_t& v) {
           if (v >= min && v <= max) return std::string();
           return "must be " +
                  (max == INT_MAX ? "at least " + std::to_string(min)
                                  : "from " + std::to_string(min) + " to " + std::to_string(max)) +
                  ", got " + std::to_string(v);
         }));
    out = static_cast<int>(value);
  }

  // A path written in the file: relative ones resolve against the config file's folder.
  void read_path(const Mapping& m, std::string_view name, fs::path& out, bool may_be_empty) {
    std::string text;
    read(m, name, text, &YamlValues::string, Check<std::string>([&](const std::string& s) {
           if (s.empty() && !may_be_empty) return std::string("must not be empty");
           if (s.starts_with("~"))
             return quote(s) + " starts with '~', which steward does not expand; write the full "
                               "path";
           return std::string();
         }));
    if (text.empty()) return;
    fs::path path(text);
    if (path.is_relative() && !base_dir_.empty()) path = base_dir_ / path;
    out = path.lexically_normal();
  }

  template <typename Root>
  void read_choice(const Mapping& m, std::string_view name, const Choice<Root>& choice,
                   Root& root) {
    std::string text;
    read(m, name, text, &YamlValues::string, Check<std::string>([&](const std::string& got) {
           std::string names;
           for (std::string_view known : choice.names) {
             if (known == got) return std::string();
             names += (names.empty() ? "" : ", ") + std::string(known);
           }
           return "must be one of " + names + ", got " + quote(got);
         }));
    if (!text.empty()) choice.set(root, text);
  }

  // apiVersion and kind.
  void read_constant(const Mapping& m, std::string_view name, std::string_view want) {
    if (m.get(name).IsNull()) {
      found_.error(m.mark, std::string(name) + " is required (" + std::string(name) + ": " +
                               std::string(want) + ")");
      return;
    }
    std::string value;
    read(m, name, value, &YamlValues::string, Check<std::string>([&](const std::string& got) {
           if (got == want) return std::string();
           return "must be " + quote(want) + ", got " + quote(got);
         }));
  }

  // A list of strings at `path`, each checked by `check` ("" when fine); nullopt when it is not
  // a list (reported).
  std::optional<std::vector<std::string>> read_strings(
      const YAML::Node& node, const std::string& path,
      const std::function<std::string(const std::string&)>& check) {
    if (!node.IsSequence()) {
      error(node, path + " must be a list, not " + describe(node));
      return std::nullopt;
    }
    std::vector<std::string> out;
    std::size_t index = 0;
    for (const YAML::Node& item : node) {
      const std::string item_path = path + "[" + std::to_string(index++) + "]";
      auto text = values_.string(item, item_path);
      if (!text) {
        if (item.IsNull()) error(item, item_path + " must not be empty");
        continue;
      }
      if (std::string problem = check ? check(*text) : std::string(); !problem.empty()) {
        error(item, item_path + " " + quote(*text) + " " + problem);
        continue;
      }
      out.push_back(std::move(*text));
    }
    return out;
  }

  // sources[].ignore (reconcile/ignore_rule.hpp). A rule holds exactly one of paths and managers,
  // not empty: two kinds of rule in one would make it unclear which the target narrows.
  void read_ignore(const Mapping& m, std::string_view name, std::vector<reconcile::IgnoreRule>& out) {
    const YAML::Node list = m.get(name);
    const std::string path = m.path_of(name);
    if (list.IsNull()) return;
    if (!list.IsSequence()) {
      error(list, path + " must be a list of rules, not " + describe(list));
      return;
    }
    static const std::vector<std::string_view> kRuleNames = {"paths", "managers", "target"};
    static const std::vector<std::string_view> kTargetNames = {"group", "version", "kind",
                                                               "namespace", "name",
                                                               "labelSelector"};
    std::size_t index = 0;
    for (const YAML::Node& item : list) {
      const std::string rule_path = path + "[" + std::to_string(index++) + "]";
      const Mapping rule_map = mapping(item, rule_path, m.mark, kRuleNames);
      if (!rule_map.is_mapping) continue;
      if (item.IsNull()) {
        found_.error(rule_map.mark, rule_path + " is an empty rule: give it paths or managers");
        continue;
      }
      reconcile::IgnoreRule rule;
      const YAML::Node paths = rule_map.get("paths");
      const YAML::Node managers = rule_map.get("managers");
      if (paths.IsNull() == managers.IsNull()) {
        found_.error(rule_map.mark,
                     rule_path + (paths.IsNull() ? " needs paths or managers"
                                                 : " has both paths and managers: write two rules"));
        continue;
      }
      const std::size_t errors_before = found_.error_count();
      if (!paths.IsNull()) {
        auto read = read_strings(paths, rule_path + ".paths", [](const std::string& p) {
          const reconcile::ParsedPointer parsed = reconcile::parse_json_pointer(p);
          return parsed.error.empty() ? std::string() : "is not a pointer steward can ignore: it " +
                                                            parsed.error;
        });
        if (read) rule.paths = std::move(*read);
      } else {
        auto read = read_strings(managers, rule_path + ".managers", [](const std::string& manager) {
          if (manager.empty()) return std::string("must not be empty");
          if (manager == "steward")
            return std::string("is steward's own field manager, whose fields are steward's");
          return std::string();
        });
        if (read) rule.managers = std::move(*read);
      }
      if (found_.error_count() == errors_before && rule.paths.empty() && rule.managers.empty()) {
        error(paths.IsNull() ? managers : paths,
              rule_path + (paths.IsNull() ? ".managers" : ".paths") +
                  " is empty: list at least one");
      }
      const YAML::Node target = rule_map.get("target");
      const Mapping target_map = mapping(target, rule_path + ".target", rule_map.mark, kTargetNames);
      if (target_map.is_mapping && !target.IsNull()) {
        reconcile::IgnoreTarget& t = rule.target;
        for (auto [field, slot] : {std::pair<std::string_view, std::string*>{"group", &t.group},
                                   {"version", &t.version},
                                   {"kind", &t.kind},
                                   {"namespace", &t.ns},
                                   {"name", &t.name},
                                   {"labelSelector", &t.label_selector}}) {
          if (auto text = values_.string(target_map.get(field), target_map.path_of(field)))
            *slot = std::move(*text);
        }
        if (!t.label_selector.empty() && !reconcile::parse_label_selector(t.label_selector)) {
          error(target_map.get("labelSelector"),
                target_map.path_of("labelSelector") + " " + quote(t.label_selector) +
                    " is not an equality-based label selector (\"app=web,tier!=db,canary,!old\")");
        }
      }
      if (found_.error_count() == errors_before) out.push_back(std::move(rule));
    }
  }

  void read_sources(const Mapping& m, std::string_view name, std::vector<SourceConfig>& out) {
    const YAML::Node list = m.get(name);
    if (list.IsNull()) {
      found_.error(m.mark,
                   "sources is required: list at least one source with a name and a path");
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
      SourceConfig source;
      if (!read_section(item, path, mark_of(list.Mark()), source_fields(), "", source)) continue;
      if (!source.name.empty()) {
        const Mark at = found_.mark_at({path + ".name"});
        if (auto [first, inserted] = names.emplace(source.name, at); !inserted)
          found_.error(at, "duplicate source name " + quote(source.name) + " (first at line " +
                               std::to_string(first->second.line) + ")");
      }
      out.push_back(std::move(source));
    }
    check_depends_on(out);
  }

  // sources[].dependsOn: every name is another source's, and following them never comes back.
  void check_depends_on(const std::vector<SourceConfig>& sources) {
    std::map<std::string, std::size_t, std::less<>> index;
    for (std::size_t i = 0; i < sources.size(); ++i) index.emplace(sources[i].name, i);
    const auto mark = [&](std::size_t i) {
      return found_.mark_at({"sources[" + std::to_string(i) + "].dependsOn"});
    };
    bool names_ok = true;
    for (std::size_t i = 0; i < sources.size(); ++i) {
      for (const std::string& name : sources[i].depends_on) {
        if (name == sources[i].name) {
          found_.error(mark(i), "source " + quote(name) + " depends on itself");
          names_ok = false;
        } else if (!index.contains(name)) {
          found_.error(mark(i), "source " + quote(sources[i].name) + " depends on " + quote(name) +
                                    ", which is not a source");
          names_ok = false;
        }
      }
    }
    if (!names_ok) return;
    // Depth-first search; a source met again on the current path closes a cycle.
    enum class Seen { kNo, kOnPath, kDone };
    std::vector<Seen> seen(sources.size(), Seen::kNo);
    std::vector<std::size_t> path;
    std::function<bool(std::size_t)> visit = [&](std::size_t i) {
      seen[i] = Seen::kOnPath;
      path.push_back(i);
      for (const std::string& name : sources[i].depends_on) {
        const std::size_t next = index.find(name)->second;
        if (seen[next] == Seen::kOnPath) {
          std::string cycle;
          auto from = std::find(path.begin(), path.end(), next);
          for (auto it = from; it != path.end(); ++it) cycle += sources[*it].name + " -> ";
          found_.error(mark(i), "dependsOn makes a cycle: " + cycle + sources[next].name);
          return false;
        }
        if (seen[next] == Seen::kNo && !visit(next)) return false;
      }
      path.pop_back();
      seen[i] = Seen::kDone;
      return true;
    };
    for (std::size_t i = 0; i < sources.size(); ++i) {
      if (seen[i] == Seen::kNo && !visit(i)) return;
    }
  }

  Findings found_;
  YamlValues values_;
  const fs::path base_dir_;
  StewardConfig config_ = default_config();
};

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

}  // namespace steward::config
