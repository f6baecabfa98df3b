#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "kube/json_scan.hpp"
#include "kube/watch_decoder.hpp"

using steward::kube::decode_watch_event;
using steward::kube::scan_body;
using steward::kube::WatchEvent;

TEST_CASE("a list body yields each item's bytes and the list metadata") {
  const std::string body = R"({"kind":"ConfigMapList","apiVersion":"v1",
    "metadata":{"resourceVersion":"42","continue":"tok"},
    "items":[{"metadata":{"name":"a","labels":{"items":"x"}},"data":{"k":"[1]"}},
             {"metadata":{"name":"b"},"nested":{"items":[{"no":1}]}}]})";
  const auto scanned = scan_body(body);
  REQUIRE(scanned.error.empty());
  CHECK(scanned.kind == "ConfigMapList");
  CHECK(scanned.api_version == "v1");
  CHECK(scanned.resource_version == "42");
  CHECK(scanned.continue_token == "tok");
  REQUIRE(scanned.items.size() == 2);
  CHECK(body.substr(scanned.items[0].begin, scanned.items[0].end - scanned.items[0].begin) ==
        R"({"metadata":{"name":"a","labels":{"items":"x"}},"data":{"k":"[1]"}})");
  CHECK(body.substr(scanned.items[1].begin, scanned.items[1].end - scanned.items[1].begin) ==
        R"({"metadata":{"name":"b"},"nested":{"items":[{"no":1}]}})");
}

TEST_CASE("a watch event yields its type and its object's bytes, not nested ones") {
  const std::string line =
      R"({"type":"MODIFIED","object":{"kind":"ConfigMap","metadata":{"resourceVersion":"7"},"object":{"type":"x"}}})";
  const auto scanned = scan_body(line);
  REQUIRE(scanned.error.empty());
  CHECK(scanned.type == "MODIFIED");
  CHECK(scanned.kind.empty());              // the object's kind is not the event's
  CHECK(scanned.resource_version.empty());  // nor its metadata
  CHECK(line.substr(scanned.object.begin, scanned.object.end - scanned.object.begin) ==
        R"({"kind":"ConfigMap","metadata":{"resourceVersion":"7"},"object":{"type":"x"}})");
}

TEST_CASE("broken JSON is reported with its offset, never read past the end") {
  const std::string text = R"({"items":[{"a":1},)";
  const auto scanned = scan_body(std::string_view(text));
  CHECK_FALSE(scanned.error.empty());
  const auto truncated = scan_body(std::string_view("{\"a\":1}garbage", 7));
  CHECK(truncated.error.empty());
}

TEST_CASE("a body nested deeper than kMaxJsonDepth is refused at the offset where it got too deep") {
  // RapidJSON parses recursively: without the limit a list body of 100,000 '[' overflowed the
  // stack (found by fuzz/watch_fuzz through the same scanner).
  const std::string deep = R"({"items":[)" + std::string(100'000, '[') + "]]}";
  const auto scanned = scan_body(deep);
  CHECK(scanned.error == "nested deeper than 1000 levels at offset 1009");
  CHECK(scanned.items.empty());
}

namespace {

struct Taken {
  std::vector<std::string> items;  // each item as JSON
  std::vector<std::string> kinds;  // the list's kind when each was taken
};

steward::kube::ItemSink take_into(Taken& taken) {
  return [&taken](std::shared_ptr<steward::kube::Object> item,
                  const steward::kube::ScannedBody& list) {
    taken.items.push_back(steward::kube::to_json(*item));
    taken.kinds.push_back(list.kind);
  };
}

}  // namespace

TEST_CASE("list items are built from the scan's own tokens and taken as each one ends") {
  const std::string body = R"({"kind":"ConfigMapList","apiVersion":"v1",
    "metadata":{"resourceVersion":"42"},
    "items":[{"metadata":{"name":"a"},"data":{"n":[1,-2,3.5,true,null]}},
             {"metadata":{"name":"b"}}]})";
  Taken taken;
  const auto scanned = scan_body(body, take_into(taken));
  REQUIRE(scanned.error.empty());
  CHECK(taken.items == std::vector<std::string>{
                           R"({"metadata":{"name":"a"},"data":{"n":[1,-2,3.5,true,null]}})",
                           R"({"metadata":{"name":"b"}})"});
  CHECK(taken.kinds == std::vector<std::string>{"ConfigMapList", "ConfigMapList"});
  CHECK(scanned.items.size() == 2);
  CHECK(scanned.resource_version == "42");
}

TEST_CASE("items read before the list's kind and apiVersion are taken once the body has ended") {
  const std::string body =
      R"({"items":[{"a":1},{"b":2}],"kind":"ConfigMapList","apiVersion":"v1"})";
  Taken taken;
  const auto scanned = scan_body(body, take_into(taken));
  REQUIRE(scanned.error.empty());
  CHECK(taken.items == std::vector<std::string>{R"({"a":1})", R"({"b":2})"});
  CHECK(taken.kinds == std::vector<std::string>{"ConfigMapList", "ConfigMapList"});

  // A body that breaks after them gives none of the held items.
  Taken none;
  CHECK_FALSE(scan_body(R"({"items":[{"a":1}],"kind":)", take_into(none)).error.empty());
  CHECK(none.items.empty());
}

TEST_CASE("a watch event's object is built by the scan, and not when the line is broken") {
  const std::string line = R"({"type":"ADDED","object":{"kind":"ConfigMap","data":{"k":"v"}}})";
  const auto scanned = scan_body(line);
  REQUIRE(scanned.event_object);
  CHECK(steward::kube::to_json(*scanned.event_object) ==
        R"({"kind":"ConfigMap","data":{"k":"v"}})");
  CHECK_FALSE(scan_body(line.substr(0, line.size() - 1)).event_object);
}

TEST_CASE("a list item or a watch event's object that is not a JSON object is an error") {
  const auto list = scan_body(R"({"kind":"ConfigMapList","apiVersion":"v1","items":[{"a":1},[1,2]]})");
  CHECK_THAT(list.error, Catch::StartsWith("a list item that is not an object at offset"));
  const auto event = scan_body(R"({"type":"ADDED","object":[{"metadata":{}}]})");
  CHECK_THAT(event.error, Catch::StartsWith("an event object that is not an object at offset"));
  // Scalars are not containers, but no more an object: the decoder finds no object.
  CHECK(decode_watch_event(R"({"type":"ADDED","object":7})").type == WatchEvent::Type::error);
  CHECK(decode_watch_event(R"({"type":"ADDED","object":[7]})").type == WatchEvent::Type::error);
  // Arrays inside an item are its own business.
  CHECK(scan_body(R"({"items":[{"a":[1,[2]]}]})").error.empty());
}
