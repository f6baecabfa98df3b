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

TEST_CASE("quoted scalars end at their closing quote, whatever comes between") {
  // The check for a missing closing quote (yaml_documents.hpp) must not trip on these.
  CHECK(json_of("a: \"say \\\"hi\\\"\"\nb: 'it''s'\nc: !!str \"5\"\nd: &x 'y'\ne: *x\n"
                "f: \"two\n  lines\"\ng: \"a \\\\\"\n\"h\": ''\n") ==
        R"({"a":"say \"hi\"","b":"it's","c":"5","d":"y","e":"y","f":"two lines","g":"a \\",)"
        R"("h":""})");
  // After a byte order mark, which yaml-cpp skips (and counts no place for).
  CHECK(json_of("\xEF\xBB\xBF" "a: \"x\"\nb: ['y', \"z\"]\n") == R"({"a":"x","b":["y","z"]})");
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

TEST_CASE("anchors, aliases and merge keys expand") {
  CHECK(json_of("base: &b {x: 1, w: 2}\nuse: *b\nmerged:\n  <<: *b\n  w: 3\n") ==
        R"({"base":{"x":1,"w":2},"use":{"x":1,"w":2},"merged":{"w":3,"x":1}})");
  CHECK(json_of("a: &a {x: 1}\nb: &b {x: 2, z: 2}\nc:\n  <<: [*a, *b]\n") ==
        R"({"a":{"x":1},"b":{"x":2,"z":2},"c":{"x":1,"z":2}})");
}

TEST_CASE("nesting deeper than the limit is an error") {
  const std::string deep = "a: " + std::string(250, '[') + std::string(250, ']') + "\n";
  const auto errors = errors_of(deep);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "t.yaml:1:204: nesting deeper than 200 levels");
  CHECK(errors_of("a: " + std::string(150, '[') + std::string(150, ']') + "\n").empty());
}

// Invalid UTF-8 (overlong forms, surrogates, stray and truncated bytes) is in
// test/desired/hostile_inputs.cpp.
TEST_CASE("UTF-8 beyond ASCII reads: accents, and characters outside the BMP") {
  CHECK(json_of("a: caf\xc3\xa9\nb: \xf0\x9f\x98\x80\n") ==
        "{\"a\":\"caf\xc3\xa9\",\"b\":\"\xf0\x9f\x98\x80\"}");
}

TEST_CASE("NaN and infinities are errors, JSON cannot carry them") {
  CHECK(errors_of("a: .nan\n") ==
        std::vector<std::string>{"t.yaml:1:4: \".nan\" is not a finite number; JSON cannot hold it"});
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

