// Log lines: what a log pipeline (JSON) and a person (text) read, and that no value can break a
// line or forge a field.
#include <catch2/catch.hpp>

#include <rapidjson/document.h>

#include "observe/log.hpp"

using namespace steward::observe;

TEST_CASE("a JSON log line is one object with ts, level, msg and the fields, escaped") {
  const std::string line =
      format_log_line(LogFormat::kJson, "2026-12-01T08:00:00.000Z", LogLevel::kWarn,
                      "reconcile failed", {{"key", "ConfigMap default/a"}, {"error", "x\n\"y\""}});
  CHECK(line.find('\n') == std::string::npos);
  rapidjson::Document doc;
  doc.Parse(line.c_str(), line.size());
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(std::string(doc["ts"].GetString()) == "2026-12-01T08:00:00.000Z");
  CHECK(std::string(doc["level"].GetString()) == "warn");
  CHECK(std::string(doc["msg"].GetString()) == "reconcile failed");
  CHECK(std::string(doc["key"].GetString()) == "ConfigMap default/a");
  CHECK(std::string(doc["error"].GetString()) == "x\n\"y\"");
}

TEST_CASE("a text log line is readable and quotes what would break it") {
  CHECK(format_log_line(LogFormat::kText, "2026-12-01T08:00:00.000Z", LogLevel::kInfo, "created",
                        {{"key", "ConfigMap default/a"}, {"dryRun", "false"}}) ==
        "2026-12-01T08:00:00.000Z INFO  created key=\"ConfigMap default/a\" dryRun=false");
  // A value cannot start a new line or a new field; an empty value is visible.
  CHECK(format_log_line(LogFormat::kText, "t", LogLevel::kError, "two\nlines",
                        {{"error", "a=b \"c\"\n\x01"}, {"empty", ""}}) ==
        "t ERROR two lines error=\"a=b \\\"c\\\"\\n\\x01\" empty=\"\"");
}

TEST_CASE("log formats and levels have the names the config uses") {
  CHECK(to_string(LogFormat::kJson) == "json");
  CHECK(to_string(LogFormat::kText) == "text");
  LogLevel level = LogLevel::kInfo;
  CHECK(parse_log_level("debug", level));
  CHECK(level == LogLevel::kDebug);
  CHECK_FALSE(parse_log_level("verbose", level));
  CHECK(to_string(LogLevel::kError) == "error");
}
