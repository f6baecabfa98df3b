// Log lines: what a log pipeline (JSON) and a person (text) read, that no value can break a line or
// forge a field, that every line names its logger, and the one shape of audit lines.
#include <catch2/catch.hpp>

#include <rapidjson/document.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "observe/audit.hpp"
#include "observe/log.hpp"

using namespace steward::observe;

namespace {

// The lines written while it lives, through a memory stream; restores stdout, info, JSON after.
class CapturedLines {
 public:
  explicit CapturedLines(LogFormat format = LogFormat::kJson, LogLevel level = LogLevel::kInfo) {
    stream_ = open_memstream(&buffer_, &size_);
    set_log_output(stream_);
    set_log_format(format);
    set_log_level(level);
  }
  ~CapturedLines() {
    set_log_output(stdout);
    set_log_format(LogFormat::kJson);
    set_log_level(LogLevel::kInfo);
    std::fclose(stream_);
    std::free(buffer_);
  }
  std::vector<std::string> lines() {
    std::fflush(stream_);
    std::vector<std::string> out;
    const std::string text(buffer_, size_);
    for (std::size_t start = 0; start < text.size();) {
      const std::size_t end = text.find('\n', start);
      out.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    return out;
  }

 private:
  char* buffer_ = nullptr;
  std::size_t size_ = 0;
  std::FILE* stream_ = nullptr;
};

rapidjson::Document parsed(const std::string& line) {
  rapidjson::Document doc;
  doc.Parse(line.c_str(), line.size());
  return doc;
}

// The keys of a JSON line, in order.
std::vector<std::string> keys(const std::string& line) {
  const rapidjson::Document doc = parsed(line);
  std::vector<std::string> out;
  if (!doc.IsObject()) return out;
  for (const auto& member : doc.GetObject()) out.emplace_back(member.name.GetString());
  return out;
}

}  // namespace

TEST_CASE("a JSON log line is one object with ts, level, logger, msg and the fields, escaped") {
  const std::string line = format_log_line(
      LogFormat::kJson, "2026-12-01T08:00:00.000Z", LogLevel::kWarn, "reconcile",
      "reconcile failed", {{"name", "a"}, {"error", "x\n\"y\"\\ \x01 \xc3\xa9"}});
  CHECK(line.find('\n') == std::string::npos);
  const rapidjson::Document doc = parsed(line);
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(keys(line) == std::vector<std::string>{"ts", "level", "logger", "msg", "name", "error"});
  CHECK(std::string(doc["ts"].GetString()) == "2026-12-01T08:00:00.000Z");
  CHECK(std::string(doc["level"].GetString()) == "warn");
  CHECK(std::string(doc["logger"].GetString()) == "reconcile");
  CHECK(std::string(doc["msg"].GetString()) == "reconcile failed");
  CHECK(std::string(doc["error"].GetString()) == "x\n\"y\"\\ \x01 \xc3\xa9");
  // A field cannot forge the logger or close the object: it is a string value.
  const std::string forged = format_log_line(LogFormat::kJson, "t", LogLevel::kInfo, "main", "m",
                                             {{"x", "\",\"logger\":\"leader"}});
  CHECK(std::string(parsed(forged)["logger"].GetString()) == "main");
}

TEST_CASE("a text log line is readable, names its logger and quotes what would break it") {
  CHECK(format_log_line(LogFormat::kText, "2026-12-01T08:00:00.000Z", LogLevel::kInfo, "reconcile",
                        "created", {{"namespace", "default"}, {"key", "a b"}, {"dryRun", "false"}}) ==
        "2026-12-01T08:00:00.000Z INFO  [reconcile] created namespace=default key=\"a b\" "
        "dryRun=false");
  // A value cannot start a new line or a new field; an empty value is visible.
  CHECK(format_log_line(LogFormat::kText, "t", LogLevel::kError, "main", "two\nlines",
                        {{"error", "a=b \"c\"\n\x01"}, {"empty", ""}}) ==
        "t ERROR [main] two lines error=\"a=b \\\"c\\\"\\n\\x01\" empty=\"\"");
}

TEST_CASE("a key given twice is written once, with its last value, in both formats") {
  const std::string json = format_log_line(LogFormat::kJson, "t", LogLevel::kInfo, "main", "m",
                                           {{"a", "1"}, {"b", "2"}, {"a", "3"}});
  CHECK(keys(json) == std::vector<std::string>{"ts", "level", "logger", "msg", "b", "a"});
  CHECK(std::string(parsed(json)["a"].GetString()) == "3");
  CHECK(format_log_line(LogFormat::kText, "t", LogLevel::kInfo, "main", "m",
                        {{"a", "1"}, {"b", "2"}, {"a", "3"}}) == "t INFO  [main] m b=2 a=3");
}

TEST_CASE("a Logger writes its name and bound fields on every line, and only at enabled levels") {
  CapturedLines captured;
  const Logger base{"reconcile"};
  const Logger bound =
      base.with({{"resource", "configmaps"}, {"namespace", "web"}}).with({{"reconcileID", "01"}});
  bound.info("corrected", {{"detail", "data.color"}});
  bound.debug("not written at info");
  bound.warn("the call wins", {{"namespace", "other"}});
  base.error("unbound");
  const auto lines = captured.lines();
  REQUIRE(lines.size() == 3);
  CHECK(keys(lines[0]) == std::vector<std::string>{"ts", "level", "logger", "msg", "resource",
                                                   "namespace", "reconcileID", "detail"});
  CHECK(std::string(parsed(lines[0])["logger"].GetString()) == "reconcile");
  CHECK(std::string(parsed(lines[0])["reconcileID"].GetString()) == "01");
  CHECK(std::string(parsed(lines[1])["namespace"].GetString()) == "other");
  CHECK(keys(lines[2]) == std::vector<std::string>{"ts", "level", "logger", "msg"});
  CHECK(std::string(parsed(lines[2])["level"].GetString()) == "error");
}

TEST_CASE("an audit line has the same fields in the same order wherever it is written") {
  CapturedLines captured(LogFormat::kJson, LogLevel::kDebug);
  // The logger's bound fields never change the shape.
  const Logger reconcile = Logger("reconcile").with({{"resource", "x"}, {"reconcileID", "y"}});
  audit(reconcile, {.verb = "apply",
                    .action = "correct",
                    .resource = "deployments.apps",
                    .ns = "web",
                    .name = "api",
                    .dry_run = true,
                    .code = 200,
                    .result = "success",
                    .reconcile_id = "00000000000000ff"});
  audit(Logger("leader"),
        {.verb = "update",
         .action = "renew",
         .resource = "leases.coordination.k8s.io",
         .ns = "steward-system",
         .name = "steward",
         .code = 0,
         .result = "Network"},
        LogLevel::kDebug);
  const auto lines = captured.lines();
  REQUIRE(lines.size() == 2);
  const std::vector<std::string> shape = {"ts",       "level",     "logger", "msg",
                                          "verb",     "action",    "resource", "namespace",
                                          "name",     "dryRun",    "code",   "result"};
  std::vector<std::string> with_id = shape;
  with_id.push_back("reconcileID");
  CHECK(keys(lines[0]) == with_id);
  CHECK(keys(lines[1]) == shape);
  const rapidjson::Document apply = parsed(lines[0]);
  CHECK(std::string(apply["level"].GetString()) == "info");
  CHECK(std::string(apply["logger"].GetString()) == "reconcile");
  CHECK(std::string(apply["msg"].GetString()) == "audit");
  CHECK(std::string(apply["resource"].GetString()) == "deployments.apps");
  CHECK(std::string(apply["dryRun"].GetString()) == "true");
  CHECK(std::string(apply["code"].GetString()) == "200");
  CHECK(std::string(apply["reconcileID"].GetString()) == "00000000000000ff");
  const rapidjson::Document renew = parsed(lines[1]);
  CHECK(std::string(renew["level"].GetString()) == "debug");
  CHECK(std::string(renew["dryRun"].GetString()) == "false");
  CHECK(std::string(renew["code"].GetString()) == "0");
  CHECK(std::string(renew["result"].GetString()) == "Network");
}

TEST_CASE("an audit line in text format, and none below the level") {
  CapturedLines captured(LogFormat::kText, LogLevel::kInfo);
  audit(Logger("events"), {.verb = "create", .action = "event", .resource = "events.events.k8s.io",
                           .ns = "default", .name = "web.1", .code = 201, .result = "success"},
        LogLevel::kDebug);
  audit(Logger("reconcile"), {.verb = "delete", .action = "prune", .resource = "configmaps",
                              .ns = "", .name = "old", .code = 409, .result = "Conflict",
                              .reconcile_id = "0a"});
  const auto lines = captured.lines();
  REQUIRE(lines.size() == 1);
  const std::string& line = lines[0];
  CHECK(line.substr(line.find(' ')) ==
        " INFO  [reconcile] audit verb=delete action=prune resource=configmaps namespace=\"\" "
        "name=old dryRun=false code=409 result=Conflict reconcileID=0a");
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
