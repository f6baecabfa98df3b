#include "desired/hostile_inputs.hpp"

namespace steward::test {

namespace {

// A ConfigMap whose line 5 on is `rest`: `data:` and what follows, or more metadata.
std::string configmap(const std::string& name_line, const std::string& rest = "") {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n" + name_line + rest;
}
std::string with_data(const std::string& data_lines) {
  return configmap("  name: data\n", "data:\n" + data_lines);
}
std::string repeat(std::string_view unit, std::size_t times) {
  std::string out;
  out.reserve(unit.size() * times);
  for (std::size_t i = 0; i < times; ++i) out += unit;
  return out;
}

// "Billion laughs": level a holds 10 strings, each further level 10 aliases of the one before.
std::string alias_bomb(int levels, int width) {
  std::string text = "a: &a [";
  for (int i = 0; i < width; ++i) text += std::string(i ? "," : "") + "\"lol\"";
  text += "]\n";
  for (char name = 'b'; name < 'a' + levels; ++name) {
    text += std::string(1, name) + ": &" + name + " [";
    for (int i = 0; i < width; ++i) text += std::string(i ? "," : "") + "*" + char(name - 1);
    text += "]\n";
  }
  return text;
}

// The same through merge keys: each level merges the previous mapping `width` times.
std::string merge_bomb(int levels, int width) {
  std::string text = "a: &a {";
  for (int i = 0; i < width; ++i)
    text += std::string(i ? ", " : "") + "k" + std::to_string(i) + ": x";
  text += "}\n";
  for (char name = 'b'; name < 'a' + levels; ++name) {
    text += std::string(1, name) + ": &" + name + " {";
    for (int i = 0; i < width; ++i) {
      text += std::string(i ? ", " : "") + "m" + std::to_string(i) + ": {<<: *" + char(name - 1) +
              "}";
    }
    text += "}\n";
  }
  return text;
}

// A block mapping `depth` levels deep, one more space of indentation a level.
std::string deep_block_mapping(int depth) {
  std::string text;
  for (int level = 0; level < depth; ++level) text += std::string(level, ' ') + "a:\n";
  return text + std::string(depth, ' ') + "a: x\n";
}

constexpr std::size_t kMiB = 1024 * 1024;
constexpr const char* kTooLarge = " bytes; steward reads manifest files of at most 8388608 bytes";
constexpr const char* kSubdomain = "must be a DNS-1123 subdomain";
constexpr const char* kLabel = "must be a DNS-1123 label";

}  // namespace

std::vector<HostileInput> hostile_inputs() {
  std::vector<HostileInput> rows;
  const auto add = [&rows](std::string name, std::string file, std::string content,
                           std::string message, desired::Mark at) {
    rows.push_back({std::move(name), std::move(file), std::move(content), std::move(message), at});
  };

  // ---- huge: refused by size before a byte is parsed, or by node count before a tree is built
  {
    std::string text = with_data("  blob: ");
    text += std::string(64 * kMiB, 'x') + "\n";
    const std::string size = std::to_string(text.size());
    add("64 MiB of one scalar", "huge-scalar.yaml", std::move(text), "file is " + size + kTooLarge,
        {});
  }
  {
    std::string text = with_data("");
    for (int i = 0; i < 1'000'000; ++i) text += "  k" + std::to_string(i) + ": v\n";
    const std::string size = std::to_string(text.size());
    add("1,000,000 keys", "huge-keys.yaml", std::move(text), "file is " + size + kTooLarge, {});
  }
  {
    // 2 MB, under the size limit. Nodes before the list's first element: the root mapping, the
    // keys and values apiVersion, v1, kind, ConfigMap, metadata, its mapping, name, data, data,
    // its mapping, list and the sequence: 13. The 400,001st node is element 399,987 (from 0),
    // at column 10 + 2 * 399,987 of line 6 ("  list: [" is 9 characters).
    add("1,000,000 values in 2 MB", "many-values.yaml",
        with_data("  list: [" + repeat("0,", 1'000'000) + "0]\n"),
        "more than 400000 keys and values in one file", {6, 10 + 2 * 399'987});
  }

  // ---- deep nesting
  // The root is level 0, so the first value too deep is the 202nd bracket.
  add("100,000 '[' closed by 100,000 ']'", "deep-flow-sequence.yaml",
      std::string(100'000, '[') + std::string(100'000, ']') + "\n",
      "nesting deeper than 200 levels", {1, 202});
  // Unclosed, yaml-cpp reads each '[' as a sequence that is also the key of an implicit mapping:
  // two levels a bracket, so the 101st is too deep.
  add("100,000 '[' never closed", "deep-flow-unclosed.yaml", std::string(100'000, '['),
      "nesting deeper than 200 levels", {1, 101});
  // Likewise the first `{` is a mapping and the key of the root mapping: mapping N (from 0) is
  // N + 1 levels deep, and mapping 200 starts at column 1 + 4 * 200.
  add("100,000 '{a: ' never closed", "deep-flow-mapping.yaml", repeat("{a: ", 100'000),
      "nesting deeper than 200 levels", {1, 801});
  add("100,000-deep block sequence", "deep-block-sequence.yaml", repeat("- ", 100'000) + "x\n",
      "nesting deeper than 200 levels", {1, 1 + 2 * 201});
  // 100,000 levels of block mapping need 5 * 10^9 bytes of indentation: the size limit refuses
  // those. 3,000 levels (4.5 MB) are past yaml-cpp's own depth guard; level N is on line N + 1.
  add("3,000-deep block mapping", "deep-block-mapping.yaml", deep_block_mapping(3'000),
      "nesting deeper than 200 levels", {202, 202});

  // ---- aliases and merge keys
  // Levels a to e expand to 123,456 values; f, on line 6, would be 1,111,111: the error is at
  // f's value, where the expansion that passes the budget is written.
  add("alias bomb, 10 levels of 10 (10^10 values)", "alias-bomb.yaml", alias_bomb(10, 10),
      "document expands to more than 1000000 values (alias bomb?)", {6, 4});
  // Levels a to f expand to 747,331 values, g's first member (line 7, column 12) to 664,301.
  add("merge-key bomb, 9 levels of 9", "merge-bomb.yaml", merge_bomb(9, 9),
      "document expands to more than 1000000 values (alias bomb?)", {7, 12});
  add("an anchor used inside its own node", "alias-cycle.yaml", "a: &a [*a, *a]\n",
      "nesting deeper than 200 levels", {1, 4});
  // Each merge converts the mapping again, one level deeper, until `b`'s value is too deep.
  add("a mapping merging itself", "merge-cycle.yaml", "a: &a {b: 1, <<: *a}\n",
      "nesting deeper than 200 levels", {1, 11});
  add("a merge of a scalar", "merge-scalar.yaml", configmap("  name: m\n  <<: 5\n"),
      "map merge (<<) requires a mapping or a sequence of mappings", {5, 7});

  // ---- invalid UTF-8, in a key and in a value
  add("a lone continuation byte in a key", "utf8-continuation.yaml", with_data("  k\x80y: v\n"),
      "invalid UTF-8", {6, 4});
  add("an overlong '/' in a value", "utf8-overlong.yaml", with_data("  key: \xc0\xaf\n"),
      "invalid UTF-8", {6, 8});
  add("a UTF-16 surrogate in a value", "utf8-surrogate.yaml", with_data("  key: \xed\xa0\x80\n"),
      "invalid UTF-8", {6, 8});
  add("a truncated sequence in a key", "utf8-truncated-key.yaml", with_data("  ke\xe2\x82y: v\n"),
      "invalid UTF-8", {6, 5});
  add("a sequence cut by the end of the file", "utf8-truncated-end.yaml",
      with_data("  key: caf\xc3"), "invalid UTF-8", {6, 11});
  add("0xFF after multi-byte characters", "utf8-ff.yaml", with_data("  key: caf\xc3\xa9 \xff\n"),
      "invalid UTF-8", {6, 14});

  // ---- duplicate keys
  add("a duplicate key at the top level", "duplicate-top.yaml",
      "apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata:\n  name: d\n",
      "duplicate key \"kind\" (first at line 2)", {3, 1});
  add("a duplicate key nested in labels", "duplicate-nested.yaml",
      configmap("  name: d\n", "  labels:\n    app: a\n    app: b\n"),
      "duplicate key \"app\" (first at line 6)", {7, 5});
  add("one key in two spellings (on, true)", "duplicate-spelling.yaml",
      with_data("  on: a\n  true: b\n"), "duplicate key \"true\" (first at line 6)", {7, 3});

  // ---- wrong types for every field the loader reads
  add("apiVersion a number", "type-apiversion-number.yaml",
      "apiVersion: 1\nkind: ConfigMap\nmetadata: {name: t}\n",
      "apiVersion must be a non-empty string", {1, 13});
  add("apiVersion a list", "type-apiversion-list.yaml",
      "apiVersion: [v1]\nkind: ConfigMap\nmetadata: {name: t}\n",
      "apiVersion must be a non-empty string", {1, 13});
  add("apiVersion null", "type-apiversion-null.yaml",
      "apiVersion: null\nkind: ConfigMap\nmetadata: {name: t}\n", "apiVersion is required", {1, 1});
  add("kind a mapping", "type-kind-mapping.yaml",
      "apiVersion: v1\nkind: {a: b}\nmetadata: {name: t}\n", "kind must be a non-empty string",
      {2, 7});
  add("kind empty", "type-kind-empty.yaml", "apiVersion: v1\nkind: \"\"\nmetadata: {name: t}\n",
      "kind must be a non-empty string", {2, 7});
  add("metadata a string", "type-metadata-string.yaml",
      "apiVersion: v1\nkind: ConfigMap\nmetadata: t\n", "metadata must be a mapping", {3, 11});
  add("metadata a list", "type-metadata-list.yaml",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n- name: t\n", "metadata must be a mapping",
      {4, 1});
  add("metadata null", "type-metadata-null.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n",
      "metadata is required", {1, 1});
  add("metadata.name a number", "type-name-number.yaml", configmap("  name: 42\n"),
      "metadata.name must be a non-empty string", {4, 9});
  add("metadata.name a boolean", "type-name-boolean.yaml", configmap("  name: yes\n"),
      "metadata.name must be a non-empty string", {4, 9});
  add("metadata.name null", "type-name-null.yaml", configmap("  name:\n"),
      "metadata.name is required", {4, 3});
  add("metadata.namespace a number", "type-namespace-number.yaml",
      configmap("  name: t\n", "  namespace: 5\n"), "metadata.namespace must be a string", {5, 14});
  add("metadata.namespace a list", "type-namespace-list.yaml",
      configmap("  name: t\n", "  namespace: [a]\n"), "metadata.namespace must be a string",
      {5, 14});
  add("metadata.labels a string", "type-labels-string.yaml",
      configmap("  name: t\n", "  labels: web\n"),
      "metadata.labels must be a mapping, not a string", {5, 11});
  add("a label value a number", "type-label-number.yaml",
      configmap("  name: t\n", "  labels:\n    version: 2\n"),
      "label \"version\" must be a string, not a number (quote it)", {6, 14});
  add("a label value null", "type-label-null.yaml",
      configmap("  name: t\n", "  labels:\n    version:\n"),
      "label \"version\" must be a string, not null", {6, 5});
  add("metadata.annotations a list", "type-annotations-list.yaml",
      configmap("  name: t\n", "  annotations: [a, b]\n"),
      "metadata.annotations must be a mapping, not a list", {5, 16});
  add("an annotation value a mapping", "type-annotation-mapping.yaml",
      configmap("  name: t\n", "  annotations:\n    note: {a: b}\n"),
      "annotation \"note\" must be a string, not a mapping", {6, 11});
  add("a List's items a mapping", "type-items-mapping.yaml",
      "apiVersion: v1\nkind: List\nitems: {a: b}\n",
      "items of a List must be a list, not a mapping", {3, 8});
  add("a List item null", "type-item-null.yaml", "apiVersion: v1\nkind: List\nitems:\n- ~\n",
      "a manifest must be a mapping (an object)", {4, 3});
  add("a List item a string", "type-item-string.yaml",
      "apiVersion: v1\nkind: List\nitems:\n- web\n", "a manifest must be a mapping (an object)",
      {4, 3});
  add("a document that is a list", "type-document-list.yaml",
      "- apiVersion: v1\n- kind: ConfigMap\n", "a manifest must be a mapping (an object)", {1, 1});
  add("a document that is a number", "type-document-number.yaml", "42\n",
      "a manifest must be a mapping (an object)", {1, 1});

  // ---- names
  add("an uppercase name", "name-uppercase.yaml", configmap("  name: Web\n"),
      "metadata.name \"Web\" " + std::string(kSubdomain), {4, 9});
  add("a name of 254 characters", "name-too-long.yaml",
      configmap("  name: " + std::string(254, 'a') + "\n"), kSubdomain, {4, 9});
  add("a Namespace name of 64 characters", "name-namespace-too-long.yaml",
      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + std::string(64, 'a') + "\n", kLabel,
      {4, 9});
  add("a Service name with a dot", "name-service-dot.yaml",
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: web.v2\n",
      "metadata.name \"web.v2\" " + std::string(kLabel), {4, 9});
  add("a name starting with '-'", "name-leading-dash.yaml", configmap("  name: -web\n"),
      "metadata.name \"-web\" " + std::string(kSubdomain), {4, 9});
  add("a name with '/'", "name-slash.yaml", configmap("  name: a/b\n"),
      "metadata.name \"a/b\" " + std::string(kSubdomain), {4, 9});
  add("an RBAC name with '/'", "name-rbac-slash.yaml",
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: a/b\n",
      "must be a valid path segment", {4, 9});
  add("an RBAC name '..'", "name-rbac-dotdot.yaml",
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: ..\n",
      "must be a valid path segment", {4, 9});
  add("an empty name", "name-empty.yaml", configmap("  name: \"\"\n"),
      "metadata.name must be a non-empty string", {4, 9});
  add("a namespace that is not a label", "name-namespace.yaml",
      configmap("  name: t\n", "  namespace: Team\n"), "namespace \"Team\" " + std::string(kLabel),
      {5, 14});

  // ---- syntax
  add("a tab in the indentation", "syntax-tab.yaml",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: t\n",
      "YAML: illegal map value (a tab indents this line; YAML indents with spaces only)", {4, 1});
  // The rest of the file would otherwise be the name.
  add("an unterminated quote", "syntax-quote.yaml",
      configmap("  name: \"web\n", "data:\n  color: green\n"),
      "YAML: the quoted string starting here has no closing \"", {4, 9});
  // yaml-cpp skips a byte order mark and counts places after it.
  add("an unterminated quote after a byte order mark", "syntax-quote-bom.yaml",
      "\xEF\xBB\xBF" + configmap("  name: q\n", "data:\n  a: \"x\n  b: c\n"),
      "YAML: the quoted string starting here has no closing \"", {6, 6});
  add("an unterminated single quote in a value", "syntax-single-quote.yaml",
      with_data("  a: 'it''s\n  b: c\n"), "YAML: the quoted string starting here has no closing '",
      {6, 6});
  add("an unclosed flow mapping", "syntax-flow.yaml", with_data("  a: {b: c\n  d: e\n"),
      "YAML: end of map flow not found: the '{' here is never closed", {6, 6});
  return rows;
}

}  // namespace steward::test
