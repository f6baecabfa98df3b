#pragma once
// What docs/configuration.md and fuzz/steward_config.dict say about each field, made from the
// field table (field_table.hpp), so that neither is written by hand a second time.
// test/config/field_docs_test.cpp compares the checked-in files with these and, when they differ,
// prints the text to paste.

#include <string>
#include <vector>

namespace steward::config {

// One table of docs/configuration.md's "Fields", between `<!-- MARKER -->` and
// `<!-- end fields -->`: a row per field of the sections the marker names ("fields: cluster",
// "fields: metrics health"), with its default, whether it is live, and its doc line. A table of
// one section names its fields relative to it ("circuitBreaker.openFor").
struct DocTable {
  std::string marker;
  std::string text;  // the markdown table, header included, each line ending in '\n'
};

// Every table, in the page's order; together they hold every field but apiVersion and kind.
std::vector<DocTable> doc_tables();

// fuzz/steward_config.dict's generated part, one quoted token a line: every field and section
// name in file order, the value apiVersion and kind must have after each, then the names a Choice
// (logging.level, logging.format) accepts.
std::string fuzz_dictionary_fields();

}  // namespace steward::config
