// yaml_to_json: YAML read as Kubernetes reads it, with places, and refusing what it must.

#include <catch2/catch.hpp>

#include <string>

#include "desired/scalar_resolve.hpp"
#include "desired/yaml_json.hpp"
#include "kube/object.hpp"

using namespace steward::desired;
using steward::kube::to_json;

namespace {

// The single document of `yaml` as compact JSON; fails the test on errors.
std::string json_of(const std::string& yaml) {
  YamlStream stream = yaml_to_json(yaml, "t.yaml");
  for (const auto& e : stream.errors) FAIL(e.to_string());
  REQUIRE(stream.documents.size() == 1);
  return to_json(*stream.documents[0].json);
}

// The errors of `yaml`, formatted.
std::vector<std::string> errors_of(const std::string& yaml, const YamlOptions& options = {}) {
  std::vector<std::string> out;
  for (const auto& e : yaml_to_json(yaml, "t.yaml", options).errors) out.push_back(e.to_string());
  return out;
}

}  // namespace

TEST_CASE("plain scalars resolve as Kubernetes' YAML 1.1 decoder does") {
  CHECK(json_of("a: yes\nb: No\nc: on\nd: OFF\ne: y\nf: True\ng: false\n") ==
        R"({"a":true,"b":false,"c":true,"d":false,"e":true,"f":true,"g":false})");
  CHECK(json_of("a: ~\nb: null\nc:\nd: NULL\n") == R"({"a":null,"b":null,"c":null,"d":null})");
  CHECK(json_of("a: 10\nb: -5\nc: 0x1F\nd: 0o17\ne: 017\nf: 1_000\ng: 0b101\n") ==
        R"({"a":10,"b":-5,"c":31,"d":15,"e":15,"f":1000,"g":5})");
  CHECK(json_of("a: 18446744073709551615\n") == R"({"a":18446744073709551615})");
  CHECK(json_of("a: 1.5\nb: .5\nc: 1e3\nd: -2.5E-1\n") == R"({"a":1.5,"b":0.5,"c":1000.0,"d":-0.25})");
  // Not numbers or booleans: strings, as go-yaml leaves them.
  CHECK(json_of("a: 1.2.3\nb: yess\nc: 0x\nd: 12abc\ne: 2001-12-14\n") ==
        R"({"a":"1.2.3","b":"yess","c":"0x","d":"12abc","e":"2001-12-14"})");
}

TEST_CASE("a decimal too large for 64 bits becomes a float, as in go-yaml") {
  const ResolvedScalar r = resolve_plain_scalar("99999999999999999999");
  CHECK(r.type == ResolvedScalar::Type::kFloat);
  CHECK(r.floating == Approx(1e20));
  CHECK(resolve_plain_scalar("09").type == ResolvedScalar::Type::kFloat);
}

TEST_CASE("quoted, block and !!str scalars stay strings") {
  CHECK(json_of("a: \"yes\"\nb: 'on'\nc: !!str 5\nd: |\n  true\ne: \"10\"\n") ==
        R"({"a":"yes","b":"on","c":"5","d":"true\n","e":"10"})");
}

TEST_CASE("explicit standard tags are honoured and checked") {
  CHECK(json_of("a: !!int 7\nb: !!float 7\nc: !!bool yes\nd: !!null ~\n") ==
        R"({"a":7,"b":7.0,"c":true,"d":null})");
  CHECK(errors_of("a: !!int seven\n") ==
        std::vector<std::string>{"t.yaml:1:4: cannot read string \"seven\" as !!int"});
  CHECK(errors_of("a: !Ref x\n") == std::vector<std::string>{"t.yaml:1:4: unsupported tag \"!Ref\""});
}

TEST_CASE("non-string keys become strings as sigs.k8s.io/yaml makes them") {
  CHECK(json_of("on: 1\n2: b\n\"on\": c\n") == R"({"true":1,"2":"b","on":"c"})");
  // Even `y:` is the boolean true in YAML 1.1, a known Kubernetes gotcha.
  CHECK(json_of("y: 1\n") == R"({"true":1})");
}

TEST_CASE("a key given twice in one mapping is an error at the second") {
  CHECK(errors_of("a: 1\nb:\n  c: 1\n  c: 2\n") ==
        std::vector<std::string>{"t.yaml:4:3: duplicate key \"c\" (first at line 3)"});
  // Different spellings of one resolved key are duplicates too.
  CHECK(errors_of("on: 1\ntrue: 2\n").size() == 1);
}

TEST_CASE("anchors, aliases and merge keys expand") {
  CHECK(json_of("base: &b {x: 1, w: 2}\nuse: *b\nmerged:\n  <<: *b\n  w: 3\n") ==
        R"({"base":{"x":1,"w":2},"use":{"x":1,"w":2},"merged":{"w":3,"x":1}})");
  CHECK(json_of("a: &a {x: 1}\nb: &b {x: 2, z: 2}\nc:\n  <<: [*a, *b]\n") ==
        R"({"a":{"x":1},"b":{"x":2,"z":2},"c":{"x":1,"z":2}})");
}

TEST_CASE("an alias bomb is rejected without expanding it") {
  std::string bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  char previous = 'a';
  for (char name = 'b'; name <= 'i'; ++name, ++previous) {
    bomb += std::string(1, name) + ": &" + name + " [";
    for (int i = 0; i < 9; ++i) bomb += std::string(i ? "," : "") + "*" + previous;
    bomb += "]\n";
  }
  const auto errors = errors_of(bomb);  // 9^9 ≈ 387 million values if expanded
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Catch::Contains("more than 1000000 values (alias bomb?)"));
}

TEST_CASE("nesting deeper than the limit is an error") {
  const std::string deep = "a: " + std::string(250, '[') + std::string(250, ']') + "\n";
  const auto errors = errors_of(deep);
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Catch::StartsWith("t.yaml:1:") && Catch::EndsWith("nesting deeper than 200 levels"));
  // Far deeper input is stopped by the parser itself, still as an error.
  CHECK(errors_of(std::string(100000, '[')).size() == 1);
  CHECK(errors_of("a: " + std::string(150, '[') + std::string(150, ']') + "\n").empty());
}

TEST_CASE("invalid UTF-8 is an error at the first bad byte") {
  CHECK(errors_of("a: ok\nb: caf\xc3\xa9\nc: x\xff\n") ==
        std::vector<std::string>{"t.yaml:3:5: invalid UTF-8"});
  CHECK(errors_of("a: \xc0\xaf\n").size() == 1);          // overlong '/'
  CHECK(errors_of("a: \xed\xa0\x80\n").size() == 1);      // surrogate
  CHECK(errors_of("a: \xf0\x9f\x98\x80\n").empty());      // an emoji is fine
}

TEST_CASE("NaN and infinities are errors, JSON cannot carry them") {
  CHECK(errors_of("a: .nan\n") ==
        std::vector<std::string>{"t.yaml:1:4: \".nan\" is not a finite number; JSON cannot hold it"});
}

TEST_CASE("a syntax error reports the parser's place") {
  const auto errors = errors_of("a: [1, 2\nb: 3\n");
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Catch::StartsWith("t.yaml:") && Catch::Contains("YAML:"));
}

TEST_CASE("multi-document streams skip empty documents and keep positions") {
  YamlStream stream = yaml_to_json("---\n---\n# only a comment\n---\na: 1\nmeta:\n  name: x\n---\nnull\n",
                                   "t.yaml");
  REQUIRE(stream.errors.empty());
  REQUIRE(stream.documents.size() == 1);
  const JsonDocument& doc = stream.documents[0];
  CHECK(doc.start == Mark{5, 1});
  CHECK(doc.at("/meta/name") == Mark{7, 9});
  CHECK(doc.at("/meta/name/deeper/still") == Mark{7, 9});  // nearest recorded ancestor
}

TEST_CASE("JSON with tabs reads as YAML") {
  CHECK(json_of("{\n\t\"a\": 1,\n\t\"b\": [true, \"x\"]\n}\n") == R"({"a":1,"b":[true,"x"]})");
}

TEST_CASE("a ',' outside [ ] and { } is a syntax error, not an endless loop") {
  // Found by fuzz/manifest_fuzz: yaml-cpp 0.7's LoadAll never returned on these and grew its list
  // of (null) documents until the process was killed (yaml-cpp issue #1040).
  CHECK(errors_of("{\"kind\": \"ConfigMap\"},\n") ==
        std::vector<std::string>{"t.yaml:1:22: YAML: unexpected ',' outside [ ] and { }"});
  CHECK(errors_of(",") ==
        std::vector<std::string>{"t.yaml:1:1: YAML: unexpected ',' outside [ ] and { }"});
  CHECK(errors_of("a: 1\n---\n[a], b\n") ==
        std::vector<std::string>{"t.yaml:3:4: YAML: unexpected ',' outside [ ] and { }"});
  // Commas where YAML allows them are untouched.
  CHECK(json_of("a: [1, 2]\nb: {c: 3, d: 4}\ne: x, y\n") ==
        R"({"a":[1,2],"b":{"c":3,"d":4},"e":"x, y"})");
}

TEST_CASE("aliases expanded through merge keys count against the same budget") {
  // Each level merges the previous mapping 9 times: 9^8 values if expanded.
  std::string bomb = "a: &a {k0: x, k1: x, k2: x, k3: x, k4: x, k5: x, k6: x, k7: x, k8: x}\n";
  char previous = 'a';
  for (char name = 'b'; name <= 'i'; ++name, ++previous) {
    bomb += std::string(1, name) + ": &" + name + " {";
    for (int i = 0; i < 9; ++i)
      bomb += std::string(i ? ", " : "") + "m" + std::to_string(i) + ": {<<: *" + previous + "}";
    bomb += "}\n";
  }
  YamlOptions small;
  small.max_nodes = 10'000;
  const auto errors = errors_of(bomb, small);
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0], Catch::Contains("more than 10000 values (alias bomb?)"));
}

TEST_CASE("an anchor used inside its own node is stopped by the depth limit") {
  // yaml-cpp registers an anchor before reading its node, so `&a [*a]` is a cycle.
  CHECK(errors_of("a: &a [*a, *a]\n") ==
        std::vector<std::string>{"t.yaml:1:4: nesting deeper than 200 levels"});
}
