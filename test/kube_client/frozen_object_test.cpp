#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "kube/frozen_object.hpp"

using namespace steward;

namespace {

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}

// Whether every array and every string `value` points at lies in [begin, end), strings at one of
// `outside` aside (names that may point at their static copy).
bool lies_within(const rapidjson::Value& value, const char* begin, const char* end,
                 const std::vector<std::string>& outside = {}) {
  auto inside = [&](const void* p) {
    const char* at = static_cast<const char*>(p);
    return at >= begin && at < end;
  };
  auto string_inside = [&](const rapidjson::Value& s) {
    const std::string text(s.GetString(), s.GetStringLength());
    if (std::find(outside.begin(), outside.end(), text) != outside.end()) return true;
    // Short strings live inside the value itself, which is inside too.
    return inside(s.GetString());
  };
  if (value.IsString()) return string_inside(value);
  if (value.IsObject()) {
    if (value.MemberCount() > 0 && !inside(&*value.MemberBegin())) return false;
    for (const auto& member : value.GetObject()) {
      if (!string_inside(member.name)) return false;
      if (!lies_within(member.value, begin, end, outside)) return false;
    }
  } else if (value.IsArray()) {
    if (value.Size() > 0 && !inside(value.Begin())) return false;
    for (const auto& element : value.GetArray()) {
      if (!lies_within(element, begin, end, outside)) return false;
    }
  }
  return true;
}

const std::string kConfigMap = R"({"apiVersion":"v1","kind":"ConfigMap",
  "metadata":{"name":"a-name-longer-than-inline","namespace":"ns","uid":"0b1e6f1c-1f5e-4a8e-9d5a-3e0d2c9a7b11",
              "resourceVersion":"12","creationTimestamp":"2026-11-25T10:00:00Z",
              "labels":{"app.kubernetes.io/managed-by":"steward","a-label-key-nobody-else-uses":"x"}},
  "data":{"empty":"","nul":"a\u0000b-and-long-enough-to-be-pooled","text":"0123456789abcdefghijklmnop"},
  "numbers":[0,-1,4294967295,-9223372036854775807,18446744073709551615,0.5,1e300],
  "flags":[true,false,null],"nested":[[],{},[{"k":[1,{"deep":"value-that-is-not-short"}]}]]})";

}  // namespace

TEST_CASE("a frozen copy equals its original and lies in one block of the bytes it needs") {
  const auto original = parse(kConfigMap);
  const kube::ObjectPtr frozen = kube::freeze(original);
  REQUIRE(frozen);
  CHECK(*frozen == original);
  CHECK(kube::to_json(*frozen) == kube::to_json(original));
  const char* begin = reinterpret_cast<const char*>(frozen.get());
  const char* end = begin + kube::frozen_bytes(original);
  CHECK(lies_within(*frozen, begin, end,
                    {"resourceVersion", "creationTimestamp", "app.kubernetes.io/managed-by"}));
  // Scalars and empty containers too.
  for (const char* text : {"7", R"("a string that is long enough")", "[]", "{}", "null"}) {
    const auto value = parse(text);
    const auto copy = kube::freeze(value);
    CHECK(*copy == value);
    const char* at = reinterpret_cast<const char*>(copy.get());
    CHECK(lies_within(*copy, at, at + kube::frozen_bytes(value)));
  }
}

TEST_CASE("common long names are shared by every frozen object, other strings are their own") {
  const auto original = parse(kConfigMap);
  const auto a = kube::freeze(original);
  const auto b = kube::freeze(original);
  auto name_text = [](const rapidjson::Value& object, const char* member) {
    return object.FindMember(member)->name.GetString();
  };
  const auto& meta_a = (*a)["metadata"];
  const auto& meta_b = (*b)["metadata"];
  CHECK(name_text(meta_a, "resourceVersion") == name_text(meta_b, "resourceVersion"));
  CHECK(name_text(meta_a["labels"], "app.kubernetes.io/managed-by") ==
        name_text(meta_b["labels"], "app.kubernetes.io/managed-by"));
  CHECK(name_text(meta_a["labels"], "a-label-key-nobody-else-uses") !=
        name_text(meta_b["labels"], "a-label-key-nobody-else-uses"));
  CHECK(meta_a["uid"].GetString() != meta_b["uid"].GetString());
}

TEST_CASE("a frozen copy owns its strings, even those its original only referred to") {
  std::string text = "a string the original does not own, long enough for the pool";
  rapidjson::Document original;
  original.SetObject();
  original.AddMember("referred", rapidjson::StringRef(text.c_str(), text.size()),
                     original.GetAllocator());
  const auto frozen = kube::freeze(original);
  const std::string before = text;
  text.assign(text.size(), '#');  // what the original pointed at changes under it
  CHECK(std::string((*frozen)["referred"].GetString()) == before);
}
