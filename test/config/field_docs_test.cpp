// docs/configuration.md's field tables and fuzz/steward_config.dict's field names are made from
// the field table (config/field_docs.hpp); the checked-in files must say what it says. On a
// difference the test prints the text that belongs between the markers, to paste.

#include <catch2/catch.hpp>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "config/field_docs.hpp"
#include "config/field_table.hpp"

using namespace steward::config;

namespace {

std::string read_source_file(const std::string& relative) {
  std::ifstream in(std::string(STEWARD_SOURCE_DIR) + "/" + relative, std::ios::binary);
  INFO(relative);
  REQUIRE(in.is_open());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The text from the line `begin` to the line `end`, both included; "" when either is missing.
std::string block(const std::string& text, const std::string& begin, const std::string& end) {
  const std::size_t start = text.find(begin);
  if (start == std::string::npos) return {};
  const std::size_t stop = text.find(end, start + begin.size());
  if (stop == std::string::npos) return {};
  return text.substr(start, stop + end.size() - start);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("docs/configuration.md's field tables are the field table's") {
  const std::string page = read_source_file("docs/configuration.md");
  const std::string end = "<!-- end fields -->\n";
  std::size_t rows = 0;
  for (const DocTable& table : doc_tables()) {
    const std::string begin = "<!-- " + table.marker + " -->\n";
    const std::string expected = begin + table.text + end;
    const std::string found = block(page, begin, end);
    if (found != expected)
      std::cout << "docs/configuration.md: in place of its table \"" << table.marker
                << "\", paste (made from lib/config/fields.cpp):\n"
                << expected;
    CHECK(found == expected);
    rows += count(table.text, "\n| `");
  }
  // No table left over from a section that is gone.
  CHECK(count(page, "<!-- fields:") == doc_tables().size());
  // Every field has its row: a source's, and the rest but apiVersion, kind and sources.
  std::size_t fields = source_fields().size();
  for (const Field<StewardConfig>& field : config_fields())
    if (!std::holds_alternative<Constant>(field.value) &&
        !std::holds_alternative<SourceList<StewardConfig>>(field.value))
      ++fields;
  CHECK(rows == fields);
}

TEST_CASE("fuzz/steward_config.dict holds every field name and fixed value") {
  const std::string dict = read_source_file("fuzz/steward_config.dict");
  const std::string begin = "# --- fields: generated from lib/config/fields.cpp\n";
  const std::string end = "# --- end fields\n";
  const std::string expected = begin + fuzz_dictionary_fields() + end;
  const std::string found = block(dict, begin, end);
  if (found != expected)
    std::cout << "fuzz/steward_config.dict: in place of its generated part, paste:\n" << expected;
  CHECK(found == expected);
}
