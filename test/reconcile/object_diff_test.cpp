// unified_diff and object_diff: what `steward diff` prints for an object.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "reconcile/object_diff.hpp"
#include "support/json.hpp"

using steward::reconcile::object_diff;
using steward::reconcile::unified_diff;
using steward::test::parse_json;

namespace {

std::vector<std::string> numbered(int from, int to) {
  std::vector<std::string> lines;
  for (int i = from; i <= to; ++i) lines.push_back(std::to_string(i));
  return lines;
}

}  // namespace

TEST_CASE("equal texts have no diff") {
  CHECK(unified_diff(numbered(1, 5), numbered(1, 5), "a", "b").empty());
  CHECK(unified_diff({}, {}, "a", "b").empty());
}

TEST_CASE("a changed line shows with three lines of context, numbered as GNU diff numbers it") {
  auto after = numbered(1, 10);
  after[5] = "six";
  CHECK(unified_diff(numbered(1, 10), after, "live/x", "desired/x") ==
        "--- live/x\n"
        "+++ desired/x\n"
        "@@ -3,7 +3,7 @@\n"
        " 3\n 4\n 5\n-6\n+six\n 7\n 8\n 9\n");
}

TEST_CASE("changes close together share a hunk, changes far apart get one each") {
  auto close = numbered(1, 20);
  close[3] = "x";
  close[9] = "y";  // 5 unchanged lines between: within 2 * 3 + 1
  CHECK(unified_diff(numbered(1, 20), close, "a", "b") ==
        "--- a\n+++ b\n"
        "@@ -1,13 +1,13 @@\n"
        " 1\n 2\n 3\n-4\n+x\n 5\n 6\n 7\n 8\n 9\n-10\n+y\n 11\n 12\n 13\n");

  auto apart = numbered(1, 20);
  apart[1] = "x";
  apart[16] = "y";
  CHECK(unified_diff(numbered(1, 20), apart, "a", "b") ==
        "--- a\n+++ b\n"
        "@@ -1,5 +1,5 @@\n 1\n-2\n+x\n 3\n 4\n 5\n"
        "@@ -14,7 +14,7 @@\n 14\n 15\n 16\n-17\n+y\n 18\n 19\n 20\n");
}

TEST_CASE("insertions and deletions are the shortest script, and an empty side counts from 0") {
  CHECK(unified_diff({"a", "b", "c"}, {"a", "x", "b", "c", "d"}, "a", "b", 0) ==
        "--- a\n+++ b\n@@ -1,0 +2 @@\n+x\n@@ -3,0 +5 @@\n+d\n");
  CHECK(unified_diff({"a", "b", "c", "d"}, {"b", "d"}, "a", "b", 1) ==
        "--- a\n+++ b\n@@ -1,4 +1,2 @@\n-a\n b\n-c\n d\n");
  CHECK(unified_diff({}, {"x", "y"}, "/dev/null", "b") ==
        "--- /dev/null\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y\n");
  CHECK(unified_diff({"x"}, {}, "a", "/dev/null") == "--- a\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n");
  // Repeated lines: the diff is one insertion, not a rewrite.
  CHECK(unified_diff({"-", "-", "-"}, {"-", "-", "x", "-"}, "a", "b", 0) ==
        "--- a\n+++ b\n@@ -2,0 +3 @@\n+x\n");
}

TEST_CASE("a large rewrite still gives a correct diff") {
  std::vector<std::string> before;
  std::vector<std::string> after;
  for (int i = 0; i < 3000; ++i) {
    before.push_back("b" + std::to_string(i));
    after.push_back("a" + std::to_string(i));
  }
  const std::string diff = unified_diff(before, after, "a", "b", 0);
  CHECK(diff.rfind("--- a\n+++ b\n@@ -1,3000 +1,3000 @@\n-b0\n", 0) == 0);
  CHECK(diff.find("+a2999\n") != std::string::npos);
}

TEST_CASE("objects are compared as sorted YAML: member order is no change, a field's values show") {
  auto live = parse_json(R"({"metadata":{"name":"web","namespace":"default"},"apiVersion":"v1",
                       "kind":"ConfigMap","data":{"color":"green","size":"1"}})");
  auto reordered = parse_json(R"({"apiVersion":"v1","kind":"ConfigMap",
                            "data":{"size":"1","color":"green"},
                            "metadata":{"namespace":"default","name":"web"}})");
  CHECK(object_diff(&live, &reordered, "a", "b").empty());

  auto desired = parse_json(R"({"apiVersion":"v1","kind":"ConfigMap",
                                "data":{"size":"1","color":"blue"},
                                "metadata":{"namespace":"default","name":"web"}})");
  CHECK(object_diff(&live, &desired, "live/v1/ConfigMap/default/web",
                    "desired/v1/ConfigMap/default/web") ==
        "--- live/v1/ConfigMap/default/web\n"
        "+++ desired/v1/ConfigMap/default/web\n"
        "@@ -1,6 +1,6 @@\n"
        " apiVersion: v1\n"
        " data:\n"
        "-  color: green\n"
        "+  color: blue\n"
        "   size: \"1\"\n"
        " kind: ConfigMap\n"
        " metadata:\n");
}

TEST_CASE("a new object is all additions, a removed one all removals") {
  auto object = parse_json(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"}})");
  CHECK(object_diff(nullptr, &object, "/dev/null", "desired/v1/Namespace/team") ==
        "--- /dev/null\n+++ desired/v1/Namespace/team\n@@ -0,0 +1,4 @@\n"
        "+apiVersion: v1\n+kind: Namespace\n+metadata:\n+  name: team\n");
  CHECK(object_diff(&object, nullptr, "live/v1/Namespace/team", "/dev/null") ==
        "--- live/v1/Namespace/team\n+++ /dev/null\n@@ -1,4 +0,0 @@\n"
        "-apiVersion: v1\n-kind: Namespace\n-metadata:\n-  name: team\n");
}
