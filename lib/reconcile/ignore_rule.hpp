#pragma once
// An ignore rule of a source (`sources[].ignore[]` in the StewardConfig, issue 18): fields of the
// objects it targets that steward sets when it creates them and then leaves to whoever changes
// them. Only the data and its syntax are here, header-only, so that the config parser (lib/config)
// checks a rule where it is written without linking the reconciler; what a rule does to an apply
// body and to the drift rule is ignore_rules.hpp's.
//
//   paths     JSON pointers (RFC 6901) into the manifest: "/spec/replicas". A pointer that
//             addresses a map stands for every field under it. Pointers into lists are not
//             supported (a token that is a list index, or "-", is refused): steward would have to
//             match list items by their merge keys as the server does.
//   managers  field managers: a field of the manifest that one of them owns in the live object's
//             managedFields (operation Update or Apply) is theirs. Fields inside lists are never
//             ignored by a managers rule, for the same reason.
// A rule holds exactly one of the two. `target` narrows the objects it applies to; every part
// of it is optional and an empty target matches every object of the source.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace steward::reconcile {

struct IgnoreTarget {
  std::string group;    // "" matches any group (the core group cannot be singled out)
  std::string version;
  std::string kind;
  std::string ns;       // `namespace` in the file
  std::string name;
  std::string label_selector;  // equality-based: "app=web,tier!=db,canary,!legacy"

  bool operator==(const IgnoreTarget&) const = default;
};

struct IgnoreRule {
  std::vector<std::string> paths;     // JSON pointers, as written
  std::vector<std::string> managers;  // field managers
  IgnoreTarget target;

  bool operator==(const IgnoreRule&) const = default;
};

// A JSON pointer split into its unescaped tokens ("/metadata/labels/a~1b" -> metadata, labels,
// a/b), or what is wrong with it.
struct ParsedPointer {
  std::vector<std::string> tokens;
  std::string error;  // "" when it parsed
};

inline ParsedPointer parse_json_pointer(std::string_view pointer) {
  ParsedPointer out;
  if (pointer.empty()) {
    out.error = "is empty (the whole object cannot be ignored)";
    return out;
  }
  if (pointer.front() != '/') {
    out.error = "must start with '/' (a JSON pointer, RFC 6901: \"/spec/replicas\")";
    return out;
  }
  std::string token;
  for (std::size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      out.tokens.push_back(std::move(token));
      token.clear();
      continue;
    }
    if (pointer[i] != '~') {
      token += pointer[i];
      continue;
    }
    if (i + 1 < pointer.size() && (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
      token += pointer[i + 1] == '0' ? '~' : '/';
      ++i;
      continue;
    }
    out.error = "has a '~' not followed by 0 or 1 (write '~0' for '~', '~1' for '/')";
    return out;
  }
  for (const std::string& t : out.tokens) {
    if (t.empty()) {
      out.error = "has an empty token";
      break;
    }
    const bool index = t == "-" || t.find_first_not_of("0123456789") == std::string::npos;
    if (index) {
      out.error = "has the list index \"" + t +
                  "\": pointers into lists are not supported (ignore the whole list instead)";
      break;
    }
  }
  if (out.error.empty() && !out.tokens.empty()) {
    const std::string& first = out.tokens.front();
    if (first == "apiVersion" || first == "kind" || first == "status" ||
        (first == "metadata" &&
         (out.tokens.size() == 1 || out.tokens[1] == "name" || out.tokens[1] == "namespace"))) {
      out.error = "addresses what names the object, which cannot be ignored";
    } else if (first == "metadata" && out.tokens.size() >= 2 &&
               (out.tokens[1] == "labels" || out.tokens[1] == "annotations") &&
               (out.tokens.size() == 2 || out.tokens[2].starts_with("steward.dev/") ||
                out.tokens[2] == "app.kubernetes.io/managed-by" ||
                out.tokens[2] == "applyset.kubernetes.io/part-of")) {
      out.error = "addresses steward's own marks, which cannot be ignored (name the label or "
                  "annotation instead)";
    }
  }
  if (!out.error.empty()) out.tokens.clear();
  return out;
}

// One requirement of an equality-based label selector.
struct LabelRequirement {
  enum class Op { kEquals, kNotEquals, kExists, kNotExists } op = Op::kEquals;
  std::string key;
  std::string value;
};

// "a=b,c!=d,e,!f" ("==" as "="), or nullopt when it is not one (set-based selectors such as
// "env in (a,b)" are not supported).
inline std::optional<std::vector<LabelRequirement>> parse_label_selector(std::string_view text) {
  const auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  const auto valid_part = [](std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '/';
      if (!ok) return false;
    }
    return true;
  };
  std::vector<LabelRequirement> out;
  if (trim(text).empty()) return out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    std::string_view part = trim(text.substr(start, comma - start));
    start = comma + 1;
    LabelRequirement req;
    if (const std::size_t ne = part.find("!="); ne != std::string_view::npos) {
      req.op = LabelRequirement::Op::kNotEquals;
      req.key = trim(part.substr(0, ne));
      req.value = trim(part.substr(ne + 2));
    } else if (const std::size_t eq = part.find('='); eq != std::string_view::npos) {
      req.key = trim(part.substr(0, eq));
      std::string_view value = part.substr(eq + 1);
      if (value.starts_with("=")) value.remove_prefix(1);
      req.value = trim(value);
    } else if (part.starts_with("!")) {
      req.op = LabelRequirement::Op::kNotExists;
      req.key = trim(part.substr(1));
    } else {
      req.op = LabelRequirement::Op::kExists;
      req.key = part;
    }
    if (!valid_part(req.key) || (!req.value.empty() && !valid_part(req.value))) return std::nullopt;
    out.push_back(std::move(req));
  }
  return out;
}

}  // namespace steward::reconcile
