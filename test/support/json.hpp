#pragma once
// JSON written in a test, as a document; text that does not parse fails the test.

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include <string>

namespace steward::test {

inline rapidjson::Document parse_json(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}

}  // namespace steward::test
