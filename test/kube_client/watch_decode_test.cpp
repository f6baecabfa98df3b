#include <catch2/catch.hpp>

#include "kube/watch.hpp"

using steward::kube::decode_watch_event;
using steward::kube::string_at;
using Type = steward::kube::WatchEvent::Type;

TEST_CASE("watch events decode into typed events with their own objects") {
  auto added = decode_watch_event(
      R"({"type":"ADDED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"a","resourceVersion":"5"}}})");
  REQUIRE(added.type == Type::added);
  REQUIRE(added.object);
  CHECK(string_at(*added.object, {"metadata", "name"}) == "a");

  auto bookmark = decode_watch_event(
      R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"12"}}})");
  REQUIRE(bookmark.type == Type::bookmark);
  CHECK(string_at(*bookmark.object, {"metadata", "resourceVersion"}) == "12");
}

TEST_CASE("a 410 ERROR event (reference 22-watch-too-old-rv) is a gone error") {
  auto event = decode_watch_event(
      R"json({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (254)","reason":"Expired","code":410}})json");
  REQUIRE(event.type == Type::error);
  REQUIRE(event.error);
  CHECK(event.error->is_gone());
  CHECK(event.error->code() == 410);
}

TEST_CASE("undecodable lines become error events, not crashes") {
  for (const char* line : {"not json", R"({"type":"WHAT","object":{}})", R"({"type":"ADDED"})",
                           R"({"type":"ADDED","object":{"unterminated":)"}) {
    auto event = decode_watch_event(line);
    CHECK(event.type == Type::error);
    CHECK(event.error.has_value());
  }
}
