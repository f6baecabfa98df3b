// to_yaml: JSON written as block YAML, laid out as kubectl does, that reads back to the same value.

#include <catch2/catch.hpp>

#include <string>

#include "desired/desired_object.hpp"
#include "desired/yaml_json.hpp"
#include "desired/yaml_writer.hpp"
#include "support/json.hpp"

using namespace steward::desired;
using steward::test::parse_json;

namespace {

// to_yaml of `text`, checked to read back (yaml_to_json) to the same value.
std::string round_trip(const std::string& text) {
  const rapidjson::Document value = parse_json(text);
  const std::string yaml = to_yaml(value);
  INFO(yaml);
  YamlStream back = yaml_to_json(yaml, "t.yaml");
  for (const auto& e : back.errors) FAIL(e.to_string());
  REQUIRE(back.documents.size() == 1);
  CHECK(canonical_json(*back.documents[0].json) == canonical_json(value));
  return yaml;
}

}  // namespace

TEST_CASE("maps are written with sorted keys and lists at their key's indent, as kubectl does") {
  CHECK(round_trip(R"({"metadata":{"name":"web","labels":{"b":"2","a":"1"}},"apiVersion":"v1",
                       "spec":{"ports":[{"port":80,"name":"http"},{"port":443}],"empty":{},
                       "none":[],"matrix":[[1,2],[]]}})") ==
        "apiVersion: v1\n"
        "metadata:\n"
        "  labels:\n"
        "    a: \"1\"\n"
        "    b: \"2\"\n"
        "  name: web\n"
        "spec:\n"
        "  empty: {}\n"
        "  matrix:\n"
        "  - - 1\n"
        "    - 2\n"
        "  - []\n"
        "  none: []\n"
        "  ports:\n"
        "  - name: http\n"
        "    port: 80\n"
        "  - port: 443\n");
}

TEST_CASE("strings that would read back as another type or as YAML syntax are quoted") {
  CHECK(round_trip(R"({"cpu":"0.5","n":0.5,"i":3,"f":1.0,"t":true,"s":"yes","z":null,"e":"",
                       "nul":"null","oct":"017","x":"0x1F","u":18446744073709551615})") ==
        "cpu: \"0.5\"\n"
        "e: \"\"\n"
        "f: 1.0\n"
        "i: 3\n"
        "\"n\": 0.5\n"  // a key too: plain n is false
        "nul: \"null\"\n"
        "oct: \"017\"\n"
        "s: \"yes\"\n"
        "t: true\n"
        "u: 18446744073709551615\n"
        "x: \"0x1F\"\n"
        "z: null\n");
  CHECK(round_trip(R"({"a":"- item","b":"key: value","c":"x #comment","d":"ends:","e":" pad",
                       "f":"*alias","g":"&anchor","h":"!tag","i":"{a}","j":"[b]","k":"'q'",
                       "l":"\"dq\"","m":"%dir","n":"@at","o":"`bt`","p":"|","q":">","r":"?",
                       "<<":"merge","s":"~","t":"-1","u":".inf","v":"back\\slash"})")
            .find("\"- item\"") != std::string::npos);
}

TEST_CASE("ordinary strings stay plain") {
  CHECK(round_trip(R"({"image":"nginx:1.25","host":"a.b.example.com","path":"/var/run",
                       "app.kubernetes.io/managed-by":"steward","sel":"a=b,c!=d",
                       "date":"2001-12-14",
                       "words":"hello world"})") ==
        "app.kubernetes.io/managed-by: steward\n"
        "date: 2001-12-14\n"
        "host: a.b.example.com\n"
        "image: nginx:1.25\n"
        "path: /var/run\n"
        "sel: a=b,c!=d\n"
        "words: hello world\n");
}

TEST_CASE("multi-line strings are literal blocks, with the chomping their trailing newlines need") {
  CHECK(round_trip(R"({"clip":"a\nb\n","strip":"a\n\nb","keep":"a\n\n\n","tabs":"x\ty\n"})") ==
        "clip: |\n"
        "  a\n"
        "  b\n"
        "keep: |+\n"
        "  a\n"
        "\n"
        "\n"
        "strip: |-\n"
        "  a\n"
        "\n"
        "  b\n"
        "tabs: |\n"
        "  x\ty\n");
  CHECK(round_trip(R"({"l":["one\ntwo\n",{"k":"three\nfour"}]})") ==
        "l:\n"
        "- |\n"
        "  one\n"
        "  two\n"
        "- k: |-\n"
        "    three\n"
        "    four\n");
  CHECK(round_trip(R"({"lead":"\nafter an empty line\n"})") ==
        "lead: |\n\n  after an empty line\n");
}

TEST_CASE("strings a literal block cannot carry exactly are double-quoted with escapes") {
  CHECK(round_trip(R"({"a":"  first line indented\nx\n"})") ==
        "a: \"  first line indented\\nx\\n\"\n");
  CHECK(round_trip(R"({"a":"crlf\r\nline\r\n"})") == "a: \"crlf\\r\\nline\\r\\n\"\n");
  CHECK(round_trip(R"({"a":"\n  indented after an empty line\n"})") ==
        "a: \"\\n  indented after an empty line\\n\"\n");
  CHECK(round_trip(R"({"a":"x\n   \ny"})") == "a: \"x\\n   \\ny\"\n");
  CHECK(round_trip(R"({"a":"\tx\ny"})") == "a: \"\\tx\\ny\"\n");
  CHECK(round_trip(R"({"a":"\n\n"})") == "a: \"\\n\\n\"\n");
  CHECK(round_trip(R"({"a":"bell\u0007"})") == "a: \"bell\\x07\"\n");
  CHECK(round_trip(R"({"a":"nel\u0085 ls\u2028 ps\u2029 bom\ufeff"})") ==
        "a: \"nel\\u0085 ls\\u2028 ps\\u2029 bom\\uFEFF\"\n");
  CHECK(round_trip(R"({"a":"caf\u00e9"})") == "a: \"caf\u00e9\"\n");
  CHECK(round_trip(R"({"a":"caf\u00e9\nna\u00efve\n"})") == "a: |\n  caf\u00e9\n  na\u00efve\n");
}

TEST_CASE("a value that is not a map is written whole") {
  CHECK(to_yaml(parse_json("{}")) == "{}\n");
  CHECK(to_yaml(parse_json("[]")) == "[]\n");
  CHECK(to_yaml(parse_json("[1,\"a\"]")) == "- 1\n- a\n");
  CHECK(to_yaml(parse_json("\"...\"")) == "\"...\"\n");
  CHECK(to_yaml(parse_json("2")) == "2\n");
}
