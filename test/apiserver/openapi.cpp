#include "openapi.hpp"

#include "openapi_proto.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace steward::testapi {

namespace {

const std::string kCrdKey = "apiextensions.k8s.io/customresourcedefinitions";
const std::string kProtobufSubtype = "com.github.proto-openapi.spec.v2@v1.0+protobuf";
const std::string kDocs = "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md";

// The descriptions kube-apiserver gives the properties it adds to a CRD's schema (builder.go).
json::Value described(const std::string& description, const char* type_or_ref, bool is_ref) {
  json::Value p = json::Value::object();
  p["description"] = description;
  p[is_ref ? "$ref" : "type"] = type_or_ref;
  return p;
}
json::Value api_version_property() {
  return described(
      "APIVersion defines the versioned schema of this representation of an object. Servers should convert "
      "recognized schemas to the latest internal value, and may reject unrecognized values. More info: " +
          kDocs + "#resources",
      "string", false);
}
json::Value kind_property() {
  return described(
      "Kind is a string value representing the REST resource this object represents. Servers may infer this "
      "from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: " +
          kDocs + "#types-kinds",
      "string", false);
}
json::Value object_meta_property() {
  return described("Standard object's metadata. More info: " + kDocs + "#metadata",
                   "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", true);
}

bool flag(const json::Value& s, const char* key) {
  const json::Value* v = s.find(key);
  return v && v->is_bool() && v->as_bool();
}

void sort_properties(json::Value& s) {
  if (json::Value* props = s.find("properties"); props && props->is_object())
    std::sort(props->as_object().begin(), props->as_object().end(),
              [](const json::Member& a, const json::Member& b) { return a.key < b.key; });
}

// x-kubernetes-embedded-resource: the object is a Kubernetes object of its own (addEmbeddedProperties).
void add_embedded_properties(json::Value& s) {
  if (!s.is_object()) return;
  if (json::Value* props = s.find("properties"); props && props->is_object())
    for (auto& m : props->as_object()) add_embedded_properties(m.value);
  if (json::Value* items = s.find("items")) add_embedded_properties(*items);
  if (json::Value* extra = s.find("additionalProperties"); extra && extra->is_object()) add_embedded_properties(*extra);
  if (flag(s, "x-kubernetes-preserve-unknown-fields") || !flag(s, "x-kubernetes-embedded-resource")) return;
  json::Value& props = s["properties"];
  props["apiVersion"] = described("apiVersion defines the versioned schema of this representation of an object. "
                                  "More info: " + kDocs + "#resources",
                                  "string", false);
  props["kind"] = described("kind is a string value representing the type of this object. In CamelCase. More info: " +
                                kDocs + "#types-kinds",
                            "string", false);
  props["metadata"] = object_meta_property();
  sort_properties(s);
  json::Value& required = s["required"];
  if (!required.is_array()) required = json::Value::array();
  for (const char* name : {"kind", "apiVersion"}) {
    bool present = std::any_of(required.as_array().begin(), required.as_array().end(),
                               [&](const json::Value& r) { return r.is_string() && r.as_string() == name; });
    if (!present) required.as_array().push_back(name);
  }
}

json::Value gvk_extension(const std::string& group, const std::string& version, const std::string& kind) {
  json::Value gvk = json::Value::object();
  gvk["group"] = group;
  gvk["kind"] = kind;
  gvk["version"] = version;
  json::Value list = json::Value::array();
  list.as_array().push_back(std::move(gvk));
  return list;
}

// util.ToRESTFriendlyName("example.com/v1/Widget"): the group's labels reversed, "com.example.v1.Widget".
std::string definition_name(const std::string& group, const std::string& version, const std::string& kind) {
  std::vector<std::string> labels;
  std::stringstream in(group);
  for (std::string label; std::getline(in, label, '.');) labels.push_back(label);
  std::string out;
  for (auto it = labels.rbegin(); it != labels.rend(); ++it) out += *it + ".";
  return out + version + "." + kind;
}

// GetOperationIDAndTags: "example.com" -> "exampleCom".
std::string camel_group(const std::string& group) {
  std::string out;
  bool upper = false;
  for (char c : group) {
    if (c == '.') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

json::Value string_parameter(const std::string& name, const std::string& in, const std::string& description,
                             bool required) {
  json::Value p = json::Value::object();
  p["uniqueItems"] = true;
  p["type"] = "string";
  p["description"] = description;
  p["name"] = name;
  p["in"] = in;
  if (required) p["required"] = true;
  return p;
}

// The PATCH operation and path parameters kube-apiserver publishes for a custom resource's item
// path and its /status (builder.go's buildRoute), which kubectl reads before a server-side dry run.
json::Value crd_patch_path(const std::string& group, const std::string& version, const std::string& kind,
                           bool namespaced, bool status, const std::string& definition) {
  std::string tag = camel_group(group) + "_" + version;
  std::string title_group = tag.substr(0, tag.find('_'));
  title_group[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title_group[0])));
  std::string title_version = version;
  title_version[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title_version[0])));
  json::Value op = json::Value::object();
  op["description"] = std::string("partially update ") + (status ? "status of " : "") + "the specified " + kind;
  json::Value consumes = json::Value::array();
  for (const char* c : {"application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"})
    consumes.as_array().push_back(c);
  op["consumes"] = std::move(consumes);
  json::Value produces = json::Value::array();
  for (const char* c : {"application/json", "application/yaml"}) produces.as_array().push_back(c);
  op["produces"] = std::move(produces);
  op["schemes"] = json::Value(json::Array{json::Value("https")});
  op["tags"] = json::Value(json::Array{json::Value(tag)});
  op["operationId"] = "patch" + title_group + title_version + (namespaced ? "Namespaced" : "") + kind + (status ? "Status" : "");
  json::Value body = json::Value::object();
  body["name"] = "body";
  body["in"] = "body";
  body["required"] = true;
  body["schema"] = json::Value::object();
  body["schema"]["$ref"] = "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch";
  json::Value params = json::Value::array();
  params.as_array().push_back(std::move(body));
  params.as_array().push_back(string_parameter(
      "dryRun", "query",
      "When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun "
      "directive will result in an error response and no further processing of the request. Valid values are: - "
      "All: all dry run stages will be processed",
      false));
  params.as_array().push_back(string_parameter(
      "fieldManager", "query",
      "fieldManager is a name associated with the actor or entity that is making these changes. The value must be "
      "less than or 128 characters long, and only contain printable characters, as defined by "
      "https://golang.org/pkg/unicode/#IsPrint.",
      false));
  op["parameters"] = std::move(params);
  json::Value responses = json::Value::object();
  responses["200"]["description"] = "OK";
  responses["200"]["schema"] = json::Value::object();
  responses["200"]["schema"]["$ref"] = "#/definitions/" + definition;
  responses["401"]["description"] = "Unauthorized";
  op["responses"] = std::move(responses);
  op["x-kubernetes-action"] = "patch";
  json::Value gvk = json::Value::object();
  gvk["group"] = group;
  gvk["kind"] = kind;
  gvk["version"] = version;
  op["x-kubernetes-group-version-kind"] = std::move(gvk);

  json::Value item = json::Value::object();
  item["patch"] = std::move(op);
  json::Value path_params = json::Value::array();
  path_params.as_array().push_back(string_parameter("name", "path", "name of the " + kind, true));
  if (namespaced)
    path_params.as_array().push_back(
        string_parameter("namespace", "path", "object name and auth scope, such as for teams and projects", true));
  path_params.as_array().push_back(
      string_parameter("pretty", "query", "If 'true', then the output is pretty printed.", false));
  item["parameters"] = std::move(path_params);
  return item;
}

bool established(const json::Value& crd) {
  const json::Value* conditions = crd.at_path("status.conditions");
  if (!conditions || !conditions->is_array()) return false;
  return std::any_of(conditions->as_array().begin(), conditions->as_array().end(), [](const json::Value& c) {
    return c.str("type") == "Established" && c.str("status") == "True";
  });
}

std::string hex_sha512(const std::string& data) {
  unsigned char digest[SHA512_DIGEST_LENGTH];
  SHA512(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : digest) {
    out += digits[c >> 4];
    out += digits[c & 0xf];
  }
  return out;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// One clause of an Accept header, as goautoneg parses it.
struct AcceptClause {
  std::string type, subtype;
  double q = 1;
};

std::vector<AcceptClause> parse_accept(const std::string& header) {
  std::vector<AcceptClause> out;
  std::stringstream parts(header.empty() ? std::string("*/*") : header);
  std::string part;
  while (std::getline(parts, part, ',')) {
    std::stringstream fields(part);
    std::string media, param;
    std::getline(fields, media, ';');
    media = trim(media);
    if (media.empty()) continue;
    AcceptClause c;
    auto slash = media.find('/');
    c.type = media.substr(0, slash);
    c.subtype = slash == std::string::npos ? "*" : media.substr(slash + 1);
    while (std::getline(fields, param, ';')) {
      param = trim(param);
      if (param.rfind("q=", 0) == 0) {
        try {
          c.q = std::stod(param.substr(2));
        } catch (const std::exception&) {
          c.q = 0;
        }
      }
    }
    out.push_back(std::move(c));
  }
  std::stable_sort(out.begin(), out.end(), [](const AcceptClause& a, const AcceptClause& b) {
    if (a.q != b.q) return a.q > b.q;
    if ((a.type != "*") != (b.type != "*")) return a.type != "*";
    return a.subtype != "*" && b.subtype == "*";
  });
  return out;
}

bool matches(const AcceptClause& c, const std::string& type, const std::string& subtype) {
  return (c.type == type || c.type == "*") && (c.subtype == subtype || c.subtype == "*");
}

}  // namespace

json::Value crd_schema_to_v2(const json::Value& schema) {
  if (!schema.is_object()) return schema;
  json::Value out = json::Value::object();
  for (const auto& m : schema.as_object()) {
    if (m.key == "allOf" || m.key == "oneOf" || m.key == "anyOf" || m.key == "not" || m.key == "default" ||
        m.key == "nullable")
      continue;
    out[m.key] = m.value;
  }
  bool keeps_unknown = flag(schema, "x-kubernetes-preserve-unknown-fields");
  if (flag(schema, "nullable") || keeps_unknown) {
    // kubectl breaks on untyped values with items or properties, and on objects that keep
    // unknown fields.
    if (flag(schema, "nullable") || out.str("type") == "object") out.erase("type");
    out.erase("items");
    out.erase("properties");
  }
  if (json::Value* props = out.find("properties"); props && props->is_object()) {
    json::Value* required = out.find("required");
    for (auto& m : props->as_object()) {
      if (flag(m.value, "nullable") && required && required->is_array())
        std::erase_if(required->as_array(), [&](const json::Value& r) { return r.is_string() && r.as_string() == m.key; });
      m.value = crd_schema_to_v2(m.value);
    }
    if (required && required->is_array() && required->as_array().empty()) out.erase("required");
    sort_properties(out);
  }
  if (json::Value* items = out.find("items")) *items = crd_schema_to_v2(*items);
  if (json::Value* extra = out.find("additionalProperties"); extra && extra->is_object()) {
    if (flag(*extra, "nullable")) out.erase("required");
    *out.find("additionalProperties") = crd_schema_to_v2(*extra);
  }
  if (out.str("type") == "array" && !out.find("items")) out.erase("type");
  return out;
}

void add_crd_to_document(const json::Value& crd, json::Value& document) {
  if (!established(crd)) return;
  document["definitions"];  // both members exist before references to them are taken
  document["paths"];
  json::Value& definitions = *document.find("definitions");
  json::Value& paths = *document.find("paths");
  bool namespaced = crd.at_path("spec.scope") && crd.at_path("spec.scope")->is_string() &&
                    crd.at_path("spec.scope")->as_string() == "Namespaced";
  const json::Value* spec = crd.find("spec");
  const json::Value* versions = spec ? spec->find("versions") : nullptr;
  if (!versions || !versions->is_array()) return;
  std::string group = spec->str("group");
  std::string kind = spec->at_path("names.kind") ? spec->at_path("names.kind")->as_string() : "";
  std::string plural = spec->at_path("names.plural") ? spec->at_path("names.plural")->as_string() : "";
  std::string list_kind = spec->at_path("names.listKind") ? spec->at_path("names.listKind")->as_string() : "";
  if (list_kind.empty()) list_kind = kind + "List";
  for (const auto& v : versions->as_array()) {
    if (!flag(v, "served")) continue;
    std::string version = v.str("name");
    const json::Value* schema = v.at_path("schema.openAPIV3Schema");
    json::Value def;
    if (!schema || !schema->is_object() || flag(*schema, "x-kubernetes-preserve-unknown-fields") ||
        flag(*spec, "preserveUnknownFields")) {
      def = json::Value::object();
      def["type"] = "object";
    } else {
      def = crd_schema_to_v2(*schema);
      json::Value& props = def["properties"];
      if (!props.is_object()) props = json::Value::object();
      props["metadata"] = object_meta_property();
      props["apiVersion"] = api_version_property();
      props["kind"] = kind_property();
      sort_properties(def);
      add_embedded_properties(def);
    }
    def["x-kubernetes-group-version-kind"] = gvk_extension(group, version, kind);
    std::string name = definition_name(group, version, kind);

    json::Value list = json::Value::object();
    list["description"] = list_kind + " is a list of " + kind;
    json::Value required = json::Value::array();
    required.as_array().push_back("items");
    list["required"] = std::move(required);
    json::Value& props = list["properties"];
    props["apiVersion"] = api_version_property();
    json::Value items = json::Value::object();
    items["description"] = "List of " + plural + ". More info: " + kDocs;
    items["type"] = "array";
    items["items"] = json::Value::object();
    items["items"]["$ref"] = "#/definitions/" + name;
    props["items"] = std::move(items);
    props["kind"] = kind_property();
    props["metadata"] = described("Standard list metadata. More info: " + kDocs + "#types-kinds",
                                  "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta", true);
    list["x-kubernetes-group-version-kind"] = gvk_extension(group, version, list_kind);

    definitions[name] = std::move(def);
    definitions[definition_name(group, version, list_kind)] = std::move(list);
    std::string root = "/apis/" + group + "/" + version + (namespaced ? "/namespaces/{namespace}/" : "/") + plural + "/{name}";
    paths[root] = crd_patch_path(group, version, kind, namespaced, false, name);
    if (v.at_path("subresources.status")) paths[root + "/status"] = crd_patch_path(group, version, kind, namespaced, true, name);
  }
}

OpenApi OpenApi::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("steward-testapi: cannot read the OpenAPI document " + path);
  std::stringstream text;
  text << in.rdbuf();
  try {
    return OpenApi(json::parse(text.str()));
  } catch (const json::ParseError& e) {
    throw std::runtime_error("steward-testapi: " + path + ": " + e.what());
  }
}

OpenApi::OpenApi(json::Value builtin) : builtin_(std::move(builtin)) {
  if (!builtin_.is_object() || !builtin_.find("definitions"))
    throw std::runtime_error("steward-testapi: the OpenAPI document has no definitions");
}

json::Value OpenApi::document(const Store& store) const {
  json::Value doc = builtin_;
  auto crds = store.list(kCrdKey, "", "", 0, [](const json::Value&) { return true; });
  for (const auto& crd : crds.items) add_crd_to_document(*crd, doc);
  return doc;
}

Response OpenApi::serve(const Request& req, const Store& store) const {
  Response r;
  r.headers.emplace_back("Vary", "Accept");
  for (const auto& clause : parse_accept(req.accept)) {
    bool json = matches(clause, "application", "json");
    if (!json && !matches(clause, "application", kProtobufSubtype)) continue;
    json::Value doc = document(store);
    r.body = json ? json::write(doc) : openapi_v2_protobuf(doc);
    r.content_type = json ? "text/plain; charset=utf-8" : "application/octet-stream";
    std::string etag = "\"" + hex_sha512(r.body) + "\"";
    r.headers.emplace_back("Etag", etag);
    if (!req.if_none_match.empty() &&
        (req.if_none_match == "*" || req.if_none_match.find(etag) != std::string::npos)) {
      r.status = 304;
      r.body.clear();
      r.content_type.clear();
    }
    return r;
  }
  r.status = 406;
  r.content_type.clear();
  return r;
}

}  // namespace steward::testapi
