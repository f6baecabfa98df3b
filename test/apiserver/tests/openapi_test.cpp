// /openapi/v2 (openapi.hpp): the protobuf form kubectl reads, content negotiation as kube-openapi's
// handler does it, the built-in definitions against the registry, and a CRD's definitions as the
// real apiextensions OpenAPI controller publishes them (seen on kube-apiserver 1.20.2 with a CRD
// like the one below: nullable and x-kubernetes-preserve-unknown-fields lose their type, default
// goes, minimum stays, metadata/apiVersion/kind are added).
#include "openapi.hpp"
#include "openapi_proto.hpp"
#include "registry.hpp"
#include "test_server.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <set>

using namespace steward::testapi;
using namespace steward::testapi::testing;

namespace {

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 0xf];
  }
  return out;
}

// The length-delimited fields of one protobuf message, by field number (enough to walk a document).
std::multimap<int, std::string> fields(const std::string& msg) {
  std::multimap<int, std::string> out;
  std::size_t i = 0;
  auto varint = [&] {
    std::uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      auto b = static_cast<unsigned char>(msg.at(i++));
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (i < msg.size()) {
    std::uint64_t tag = varint();
    int field = static_cast<int>(tag >> 3);
    switch (tag & 7) {
      case 0: varint(); break;
      case 1: i += 8; break;
      case 2: {
        auto n = static_cast<std::size_t>(varint());
        out.emplace(field, msg.substr(i, n));
        i += n;
        break;
      }
      default: FAIL("unexpected wire type " << (tag & 7));
    }
  }
  return out;
}

std::string only(const std::multimap<int, std::string>& f, int field) {
  REQUIRE(f.count(field) == 1);
  return f.find(field)->second;
}

const char* kWidgetCrd = R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.com"},"spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"widgets","singular":"widget","kind":"Widget","listKind":"WidgetList"},"versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","description":"A widget.","properties":{"spec":{"type":"object","required":["size","color"],"properties":{"size":{"type":"integer","minimum":1,"default":3},"color":{"type":"string","nullable":true},"free":{"type":"object","x-kubernetes-preserve-unknown-fields":true},"port":{"x-kubernetes-int-or-string":true,"anyOf":[{"type":"integer"},{"type":"string"}]}}}}}}},{"name":"v2","served":false,"storage":false,"schema":{"openAPIV3Schema":{"type":"object"}}}]}})";

}  // namespace

TEST_CASE("the protobuf document has gnostic's field numbers and wire types") {
  json::Value doc = json::parse(
      R"({"swagger":"2.0","definitions":{"A":{"additionalProperties":false,"type":"object","properties":{"n":{"type":"integer","minimum":1}},"x-k":"v"}}})");
  // Document{swagger=1:"2.0", definitions=9:{NamedSchema{name "A", Schema{additionalProperties=21
  // {boolean=2:false}, type=22{"object"}, properties=25{NamedSchema{"n", Schema{minimum=9:1.0,
  // type=22{"integer"}}}}, vendor_extension=31{NamedAny{"x-k", Any{yaml=2:"\"v\""}}}}}}}.
  CHECK(hex(openapi_v2_protobuf(doc)) ==
        "0a03322e30"
        "4a45" "0a43" "0a0141" "123e"
        "aa01021000"
        "b201080a066f626a656374"
        "ca011c" "0a1a" "0a016e" "1215" "49000000000000f03f" "b201090a07696e7465676572"
        "fa010c" "0a03782d6b" "1205" "1203227622");
  CHECK_THROWS_AS(openapi_v2_protobuf(json::parse(R"({"definitions":{"A":{"type":7}}})")), std::invalid_argument);
}

TEST_CASE("the built-in definitions cover every kind the registry serves, with its group-version-kind") {
  OpenApi openapi = OpenApi::load(STEWARD_TESTAPI_OPENAPI_V2);
  Store store;
  json::Value doc = openapi.document(store);
  std::set<std::string> gvks;
  for (const auto& d : doc.find("definitions")->as_object())
    if (const json::Value* list = d.value.find("x-kubernetes-group-version-kind"))
      for (const auto& g : list->as_array()) gvks.insert(g.str("group") + "/" + g.str("version") + "/" + g.str("kind"));
  Registry registry;
  for (const auto& t : registry.all()) {
    INFO(t.kind);
    CHECK(gvks.count(t.group + "/" + t.version + "/" + t.kind));
    CHECK(gvks.count(t.group + "/" + t.version + "/" + t.list_kind));
  }
  CHECK(gvks.count("autoscaling/v1/Scale"));  // deployments/scale
  // Every $ref resolves inside the file: nothing reachable was trimmed away.
  std::function<void(const json::Value&)> refs = [&](const json::Value& v) {
    if (v.is_object()) {
      for (const auto& m : v.as_object()) {
        if (m.key == "$ref" && m.value.is_string()) {  // JSONSchemaProps has a property named $ref
          std::string name = m.value.as_string().substr(std::string("#/definitions/").size());
          INFO(name);
          CHECK(doc.find("definitions")->find(name) != nullptr);
        } else {
          refs(m.value);
        }
      }
    } else if (v.is_array()) {
      for (const auto& e : v.as_array()) refs(e);
    }
  };
  refs(doc);
  // kubectl 1.20 dry-runs a kind on the server only when its PATCH operation takes dryRun.
  const json::Value* patch = doc.find("paths")->find("/api/v1/namespaces/{namespace}/configmaps/{name}");
  REQUIRE(patch);
  bool dry_run = false;
  for (const auto& p : patch->at_path("patch.parameters")->as_array()) dry_run = dry_run || p.str("name") == "dryRun";
  CHECK(dry_run);
  CHECK(patch->at_path("patch.x-kubernetes-group-version-kind")->str("kind") == "ConfigMap");
  CHECK(doc.at_path("info.version")->as_string() == "v1.20.2");
}

TEST_CASE("a CRD's schema becomes the v2 definitions kube-apiserver publishes for it") {
  json::Value crd = json::parse(kWidgetCrd);
  json::Value doc = json::Value::object();
  add_crd_to_document(crd, doc);
  CHECK(doc.as_object().empty());  // not Established yet

  json::Value established = json::parse(R"([{"type":"Established","status":"True"}])");
  crd["status"]["conditions"] = established;
  add_crd_to_document(crd, doc);
  const json::Value& defs = *doc.find("definitions");
  REQUIRE(defs.as_object().size() == 2);  // v2 is not served
  // The item path's PATCH, with dryRun (kubectl 1.20 asks before a server-side dry run), as the
  // real server wrote it for this CRD (no /status: the CRD has no status subresource).
  REQUIRE(doc.find("paths")->as_object().size() == 1);
  const json::Value* patch = doc.find("paths")->find("/apis/example.com/v1/namespaces/{namespace}/widgets/{name}");
  REQUIRE(patch);
  CHECK(patch->at_path("patch.operationId")->as_string() == "patchExampleComV1NamespacedWidget");
  CHECK(json::write(*patch->at_path("patch.tags")) == R"(["exampleCom_v1"])");
  CHECK(patch->at_path("patch.parameters")->as_array()[1].str("name") == "dryRun");
  CHECK(json::write(*patch->at_path("patch.x-kubernetes-group-version-kind")) ==
        R"({"group":"example.com","kind":"Widget","version":"v1"})");
  CHECK(patch->at_path("patch.responses.200.schema")->str("$ref") == "#/definitions/com.example.v1.Widget");
  const json::Value* widget = defs.find("com.example.v1.Widget");
  REQUIRE(widget);
  CHECK(json::write(*widget->find("x-kubernetes-group-version-kind")) ==
        R"([{"group":"example.com","kind":"Widget","version":"v1"}])");
  CHECK(widget->at_path("properties.metadata")->str("$ref") == "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  CHECK(widget->at_path("properties.kind")->str("type") == "string");
  const json::Value* spec = widget->at_path("properties.spec");
  REQUIRE(spec);
  CHECK(json::write(*spec) ==
        R"({"type":"object","required":["size"],"properties":{"color":{},"free":{"x-kubernetes-preserve-unknown-fields":true},"port":{"x-kubernetes-int-or-string":true},"size":{"type":"integer","minimum":1}}})");
  const json::Value* list = defs.find("com.example.v1.WidgetList");
  REQUIRE(list);
  CHECK(list->str("description") == "WidgetList is a list of Widget");
  CHECK(list->at_path("properties.items.items")->str("$ref") == "#/definitions/com.example.v1.Widget");
  CHECK(list->at_path("properties.metadata")->str("$ref") == "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta");
}

TEST_CASE("/openapi/v2 negotiates JSON or protobuf as kube-openapi's handler, with ETag and 304") {
  TestServer s;
  auto get = [&](const std::map<std::string, std::string>& headers) {
    return request(s.endpoint(), "GET", "/openapi/v2", "", "application/json", headers);
  };
  auto json_doc = get({});  // no Accept: */*, and JSON is listed first
  REQUIRE(json_doc.status == 200);
  CHECK(json_doc.headers["content-type"] == "text/plain; charset=utf-8");  // net/http sniffs the bytes
  CHECK(json_doc.headers["vary"] == "Accept");
  CHECK(json_doc.json().find("definitions")->find("io.k8s.api.core.v1.ConfigMap") != nullptr);
  CHECK(get({{"Accept", "application/json, */*"}}).body == json_doc.body);

  // What kubectl 1.20 and 1.32 send.
  auto pb = get({{"Accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"}});
  REQUIRE(pb.status == 200);
  CHECK(pb.headers["content-type"] == "application/octet-stream");
  auto top = fields(pb.body);
  CHECK(only(top, 1) == "2.0");
  bool configmap = false;
  for (const auto& [n, named] : fields(only(top, 9))) {
    auto f = fields(named);
    if (only(f, 1) != "io.k8s.api.core.v1.ConfigMap") continue;
    configmap = true;
    auto schema = fields(only(f, 2));
    CHECK(only(fields(only(schema, 22)), 1) == "object");
    auto ext = fields(only(schema, 31));
    CHECK(only(ext, 1) == "x-kubernetes-group-version-kind");
    CHECK(only(fields(only(ext, 2)), 2) == R"([{"group":"","kind":"ConfigMap","version":"v1"}])");
  }
  CHECK(configmap);
  // A q of 0.5 for JSON puts protobuf first.
  CHECK(get({{"Accept", "application/json;q=0.5, application/com.github.proto-openapi.spec.v2@v1.0+protobuf"}}).body ==
        pb.body);

  auto refused = get({{"Accept", "text/plain"}});
  CHECK(refused.status == 406);
  CHECK(refused.body.empty());

  std::string etag = pb.headers["etag"];
  CHECK(etag.size() == 130);  // the quoted hex SHA-512 of the body
  CHECK(etag != json_doc.headers["etag"]);
  auto cached = get({{"Accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"}, {"If-None-Match", etag}});
  CHECK(cached.status == 304);
  CHECK(cached.body.empty());

  // An Established CRD adds its definitions, and the document's ETag changes with them.
  REQUIRE(s.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", kWidgetCrd).status == 201);
  auto after = get({{"Accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"}, {"If-None-Match", etag}});
  CHECK(after.status == 200);
  CHECK(after.headers["etag"] != etag);
  CHECK(get({}).json().find("definitions")->find("com.example.v1.Widget") != nullptr);

  // /openapi/v3 stays unserved, as on kube-apiserver 1.20: kubectl 1.32 falls back to v2.
  CHECK(s.get("/openapi/v3").status == 404);
}
