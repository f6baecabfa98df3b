#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kube/json_scan.hpp"
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

namespace {

using steward::kube::WatchDecoder;
using steward::kube::WatchEvent;

std::string describe(const WatchEvent& event) {
  std::string out = std::to_string(static_cast<int>(event.type));
  if (event.object) out += " " + steward::kube::to_json(*event.object);
  if (event.error) out += " " + event.error->to_string();
  return out;
}

// The events of `body` fed to a decoder in pieces of `piece` bytes, then ended.
std::vector<std::string> events_of(const std::string& body, std::size_t piece) {
  WatchDecoder decoder;
  std::vector<std::string> out;
  for (std::size_t at = 0; at < body.size(); at += piece) {
    decoder.feed(std::string_view(body).substr(at, piece));
    while (auto event = decoder.next()) out.push_back(describe(*event));
  }
  if (auto last = decoder.finish()) out.push_back(describe(*last));
  return out;
}

// Reference 24-watch-events-and-bookmark, shortened: two events and a bookmark.
const std::string kBody =
    R"({"type":"ADDED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"b","resourceVersion":"50214"},"data":{"k":"1"}}})"
    "\n"
    R"({"type":"DELETED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"b","resourceVersion":"50216"}}})"
    "\r\n"
    R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"50216","creationTimestamp":null}}})"
    "\n";

}  // namespace

TEST_CASE("a watch body gives the same events however the connection cuts it") {
  const auto whole = events_of(kBody, kBody.size());
  REQUIRE(whole.size() == 3);
  CHECK_THAT(whole[0], Catch::StartsWith("0 ") && Catch::Contains("\"50214\""));
  CHECK_THAT(whole[2], Catch::StartsWith("3 "));
  for (std::size_t piece : {1, 2, 3, 7, 64, 100})
    CHECK(events_of(kBody, piece) == whole);
}

TEST_CASE("blank lines are keep-alives, and a last line without a newline counts when the body ends") {
  const std::string body = "\n \r\n\t\n" + kBody + "\r\n\n" +
                           R"({"type":"MODIFIED","object":{"metadata":{"name":"last"}}})";
  for (std::size_t piece : {std::size_t{1}, std::size_t{5}, body.size()}) {
    const auto events = events_of(body, piece);
    REQUIRE(events.size() == 4);
    CHECK_THAT(events[3], Catch::StartsWith("1 ") && Catch::Contains("last"));
  }
  WatchDecoder decoder;
  decoder.feed("  \r\t");
  CHECK_FALSE(decoder.next());
  CHECK_FALSE(decoder.finish());  // only blanks left: no event
}

TEST_CASE("a watch line nested deeper than the JSON limit is an error event, not a crash") {
  // Found by fuzz/watch_fuzz: RapidJSON's recursive parser overflowed the stack on deep nesting.
  const auto line = [](int arrays) {
    return R"({"type":"ADDED","object":{"a":)" + std::string(arrays, '[') +
           std::string(arrays, ']') + "}}";
  };
  const auto too_deep = decode_watch_event(line(100'000));
  REQUIRE(too_deep.type == Type::error);
  CHECK_THAT(too_deep.error->message(), Catch::Contains("nested deeper than 1000 levels"));
  // The event and its object are two levels; at the limit the line still decodes.
  const auto at_limit = decode_watch_event(line(steward::kube::kMaxJsonDepth - 2));
  CHECK(at_limit.type == Type::added);
  CHECK(decode_watch_event(line(steward::kube::kMaxJsonDepth - 1)).type == Type::error);
}

TEST_CASE("a watch line over the size limit is an error that ends the stream, however it is cut") {
  const std::string good = R"({"type":"ADDED","object":{"metadata":{"name":"a"}}})";  // 52 bytes
  const std::string big = R"({"type":"ADDED","object":{"metadata":{"name":")" +
                          std::string(40, 'x') + R"("}}})";  // 88 bytes
  const std::string body = good + "\n" + big + "\n" + good + "\n";
  for (std::size_t piece : {std::size_t{1}, std::size_t{7}, body.size()}) {
    WatchDecoder decoder(64);
    std::vector<std::string> events;
    for (std::size_t at = 0; at < body.size(); at += piece) {
      decoder.feed(std::string_view(body).substr(at, piece));
      while (auto event = decoder.next()) events.push_back(describe(*event));
    }
    if (auto last = decoder.finish()) events.push_back(describe(*last));
    REQUIRE(events.size() == 2);  // the line after the long one is not read: the watch is over
    CHECK_THAT(events[0], Catch::StartsWith("0 ") && Catch::Contains("\"a\""));
    CHECK_THAT(events[1], Catch::StartsWith("4 ") &&
                              Catch::Contains("watch event line longer than 64 bytes"));
  }
  // Noticed before the line ends: 65 bytes without a newline are enough.
  WatchDecoder decoder(64);
  decoder.feed(std::string(64, ' '));
  CHECK_FALSE(decoder.next());
  decoder.feed(" ");
  const auto event = decoder.next();
  REQUIRE(event);
  REQUIRE(event->error);
  CHECK_FALSE(event->error->is_gone());  // a watch error, re-watched after a backoff, not a 410
  // A line of exactly the limit is read.
  WatchDecoder at_limit(good.size());
  at_limit.feed(good + "\n");
  const auto read = at_limit.next();
  REQUIRE(read);
  CHECK(read->type == Type::added);
}
