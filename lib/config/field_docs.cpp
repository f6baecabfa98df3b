#include "config/field_docs.hpp"

#include <algorithm>
#include <cstdio>

#include "config/field_table.hpp"

namespace steward::config {
namespace {

// The table of the fields outside any section ("instance").
constexpr std::string_view kTopLevel = "top-level";

// The sections of each table, in the page's order. A field of a section no table names is missing
// from the page, which test/config/field_docs_test.cpp reports.
const std::vector<std::vector<std::string_view>>& page_tables() {
  static const std::vector<std::vector<std::string_view>> tables = {
      {kTopLevel}, {"cluster"},        {"sources"}, {"reconcile"}, {"metrics", "health"},
      {"leaderElection"}, {"logging"},
  };
  return tables;
}

bool in_section(std::string_view path, std::string_view section) {
  if (section == kTopLevel) return path.find('.') == std::string_view::npos;
  return path.starts_with(section) && path.substr(section.size(), 1) == ".";
}

template <typename Root>
std::string row(const Field<Root>& field, std::string_view name, const Root& defaults) {
  const std::string default_text = field.default_doc.empty() ? "`" + show(field, defaults) + "`"
                                                              : std::string(field.default_doc);
  return "| `" + std::string(name) + "` | " + default_text + " | " +
         (field.apply == Apply::kLive ? "yes" : "no") + " | " + std::string(field.doc) + " |\n";
}

bool has_own_row(const Value<StewardConfig>& value) {
  return !std::holds_alternative<Constant>(value) &&
         !std::holds_alternative<SourceList<StewardConfig>>(value);
}

std::string table_of(const std::vector<std::string_view>& sections) {
  std::string out = "| field | default | live | meaning |\n| --- | --- | --- | --- |\n";
  if (sections == std::vector<std::string_view>{"sources"}) {
    const SourceConfig defaults;
    for (const Field<SourceConfig>& field : source_fields())
      out += row(field, field.path, defaults);
    return out;
  }
  const StewardConfig defaults = default_config();
  for (const Field<StewardConfig>& field : config_fields()) {
    const std::string_view path = field.path;
    for (std::string_view section : sections) {
      if (!has_own_row(field.value) || !in_section(path, section)) continue;
      const bool short_name = sections.size() == 1 && section != kTopLevel;
      out += row(field, short_name ? path.substr(section.size() + 1) : path, defaults);
    }
  }
  return out;
}

// A libFuzzer dictionary entry: quoted, with '"', '\' and anything not printable ASCII escaped.
std::string dict_entry(std::string_view token) {
  std::string out = "\"";
  for (unsigned char c : token) {
    if (c == '"' || c == '\\' || c < 0x20 || c > 0x7e) {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"\n";
}

class Tokens {
 public:
  void add(std::string_view token) {
    if (std::find(seen_.begin(), seen_.end(), token) != seen_.end()) return;
    seen_.push_back(token);
    text_ += dict_entry(token);
  }
  // Each name of a dotted path: "cluster", "circuitBreaker", "openFor".
  void add_path(std::string_view path) {
    for (std::size_t start = 0; start <= path.size();) {
      const std::size_t dot = std::min(path.find('.', start), path.size());
      add(path.substr(start, dot - start));
      start = dot + 1;
    }
  }
  const std::string& text() const { return text_; }

 private:
  std::vector<std::string_view> seen_;
  std::string text_;
};

}  // namespace

std::vector<DocTable> doc_tables() {
  std::vector<DocTable> tables;
  for (const auto& sections : page_tables()) {
    std::string marker = "fields:";
    for (std::string_view section : sections) marker += " " + std::string(section);
    tables.push_back({std::move(marker), table_of(sections)});
  }
  return tables;
}

std::string fuzz_dictionary_fields() {
  Tokens tokens;
  std::vector<std::string_view> choices;
  for (const Field<StewardConfig>& field : config_fields()) {
    tokens.add_path(field.path);
    if (const auto* constant = std::get_if<Constant>(&field.value)) tokens.add(constant->value);
    if (std::holds_alternative<SourceList<StewardConfig>>(field.value))
      for (const Field<SourceConfig>& source_field : source_fields()) {
        tokens.add_path(source_field.path);
        if (std::holds_alternative<IgnoreList<SourceConfig>>(source_field.value))
          for (std::string_view name : {"paths", "managers", "target", "group", "version", "kind",
                                        "namespace", "name", "labelSelector"})
            tokens.add(name);
      }
    if (const auto* choice = std::get_if<Choice<StewardConfig>>(&field.value))
      choices.insert(choices.end(), choice->names.begin(), choice->names.end());
  }
  for (std::string_view name : choices) tokens.add(name);
  return tokens.text();
}

}  // namespace steward::config
