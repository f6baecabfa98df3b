#include "openapi_proto.hpp"

#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace steward::testapi {

namespace {

// Protocol buffers' wire format: what proto.Marshal writes for proto3 messages. Fields go in
// field-number order, scalars equal to their zero value are left out, set oneof members never.
class Message {
 public:
  void varint_field(int field, std::uint64_t v) {
    tag(field, 0);
    varint(v);
  }
  void bool_field(int field, bool v) {
    if (v) varint_field(field, 1);
  }
  void int_field(int field, std::int64_t v) {
    if (v != 0) varint_field(field, static_cast<std::uint64_t>(v));
  }
  void double_field(int field, double v) {
    if (v == 0) return;
    tag(field, 1);
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    for (int i = 0; i < 8; ++i) out_ += static_cast<char>((bits >> (8 * i)) & 0xff);
  }
  void string_field(int field, const std::string& v) {
    if (!v.empty()) bytes_field(field, v);
  }
  // Repeated strings and embedded messages: written even when empty.
  void bytes_field(int field, const std::string& v) {
    tag(field, 2);
    varint(v.size());
    out_ += v;
  }
  void message_field(int field, const Message& m) { bytes_field(field, m.out_); }
  const std::string& bytes() const { return out_; }

 private:
  void tag(int field, int wire_type) { varint((static_cast<std::uint64_t>(field) << 3) | static_cast<unsigned>(wire_type)); }
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_ += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out_ += static_cast<char>(v);
  }
  std::string out_;
};

[[noreturn]] void bad(const std::string& where, const char* wanted) {
  throw std::invalid_argument("openapi: " + where + " is not " + wanted);
}

const std::string& string_of(const json::Value& v, const std::string& where) {
  if (!v.is_string()) bad(where, "a string");
  return v.as_string();
}

bool is_extension(const std::string& key) { return key.size() > 2 && key.compare(0, 2, "x-") == 0; }

// gnostic's Any: `yaml` (field 2) holds the value's text.
Message any(const json::Value& v) {
  Message m;
  m.string_field(2, json::write(v));
  return m;
}

// NamedAny entries (`vendor_extension`) for every x- key of an object, in the object's order.
void extensions(Message& m, int field, const json::Value& obj) {
  for (const auto& member : obj.as_object()) {
    if (!is_extension(member.key)) continue;
    Message named;
    named.string_field(1, member.key);
    named.message_field(2, any(member.value));
    m.message_field(field, named);
  }
}

Message schema(const json::Value& s, const std::string& where);

Message named_schemas(const json::Value& obj, const std::string& where) {
  if (!obj.is_object()) bad(where, "an object");
  Message m;
  for (const auto& member : obj.as_object()) {
    Message named;
    named.string_field(1, member.key);
    named.message_field(2, schema(member.value, where + "." + member.key));
    m.message_field(1, named);
  }
  return m;
}

Message schema(const json::Value& s, const std::string& where) {
  if (!s.is_object()) bad(where, "an object");
  Message m;
  auto text = [&](int field, const char* key) {
    if (const json::Value* v = s.find(key)) m.string_field(field, string_of(*v, where + "." + key));
  };
  auto number = [&](int field, const char* key) {
    if (const json::Value* v = s.find(key)) {
      if (!v->is_number()) bad(where + "." + key, "a number");
      m.double_field(field, v->as_double());
    }
  };
  auto integer = [&](int field, const char* key) {
    if (const json::Value* v = s.find(key)) {
      if (!v->is_int()) bad(where + "." + key, "an integer");
      m.int_field(field, v->as_int());
    }
  };
  auto flag = [&](int field, const char* key) {
    if (const json::Value* v = s.find(key)) {
      if (!v->is_bool()) bad(where + "." + key, "a boolean");
      m.bool_field(field, v->as_bool());
    }
  };
  text(1, "$ref");
  text(2, "format");
  text(3, "title");
  text(4, "description");
  if (const json::Value* v = s.find("default")) m.message_field(5, any(*v));
  number(6, "multipleOf");
  number(7, "maximum");
  flag(8, "exclusiveMaximum");
  number(9, "minimum");
  flag(10, "exclusiveMinimum");
  integer(11, "maxLength");
  integer(12, "minLength");
  text(13, "pattern");
  integer(14, "maxItems");
  integer(15, "minItems");
  flag(16, "uniqueItems");
  integer(17, "maxProperties");
  integer(18, "minProperties");
  if (const json::Value* v = s.find("required")) {
    if (!v->is_array()) bad(where + ".required", "an array");
    for (const auto& r : v->as_array()) m.bytes_field(19, string_of(r, where + ".required"));
  }
  if (const json::Value* v = s.find("enum")) {
    if (!v->is_array()) bad(where + ".enum", "an array");
    for (const auto& e : v->as_array()) m.message_field(20, any(e));
  }
  if (const json::Value* v = s.find("additionalProperties")) {
    Message item;  // oneof {Schema schema = 1; bool boolean = 2}
    if (v->is_bool()) item.varint_field(2, v->as_bool() ? 1 : 0);
    else item.message_field(1, schema(*v, where + ".additionalProperties"));
    m.message_field(21, item);
  }
  if (const json::Value* v = s.find("type")) {
    Message type;  // TypeItem {repeated string value = 1}
    if (v->is_array()) {
      for (const auto& t : v->as_array()) type.bytes_field(1, string_of(t, where + ".type"));
    } else {
      type.bytes_field(1, string_of(*v, where + ".type"));
    }
    m.message_field(22, type);
  }
  if (const json::Value* v = s.find("items")) {
    Message items;  // ItemsItem {repeated Schema schema = 1}
    if (v->is_array()) {
      for (const auto& i : v->as_array()) items.message_field(1, schema(i, where + ".items"));
    } else {
      items.message_field(1, schema(*v, where + ".items"));
    }
    m.message_field(23, items);
  }
  if (const json::Value* v = s.find("allOf")) {
    if (!v->is_array()) bad(where + ".allOf", "an array");
    for (const auto& a : v->as_array()) m.message_field(24, schema(a, where + ".allOf"));
  }
  if (const json::Value* v = s.find("properties")) m.message_field(25, named_schemas(*v, where + ".properties"));
  text(26, "discriminator");
  flag(27, "readOnly");
  if (const json::Value* v = s.find("externalDocs"); v && v->is_object()) {
    Message docs;
    docs.string_field(1, v->str("description"));
    docs.string_field(2, v->str("url"));
    m.message_field(29, docs);
  }
  if (const json::Value* v = s.find("example")) m.message_field(30, any(*v));
  extensions(m, 31, s);
  return m;
}

Message info(const json::Value& v) {
  if (!v.is_object()) bad("info", "an object");
  Message m;
  m.string_field(1, v.str("title"));
  m.string_field(2, v.str("version"));
  m.string_field(3, v.str("description"));
  m.string_field(4, v.str("termsOfService"));
  extensions(m, 7, v);
  return m;
}

// SecurityDefinitionsItem is a oneof by type; Kubernetes names only API keys (BearerToken) and
// basic authentication.
Message security_definitions(const json::Value& v) {
  if (!v.is_object()) bad("securityDefinitions", "an object");
  Message m;
  for (const auto& member : v.as_object()) {
    const json::Value& d = member.value;
    Message scheme, item;
    if (d.str("type") == "apiKey") {
      scheme.string_field(1, d.str("type"));
      scheme.string_field(2, d.str("name"));
      scheme.string_field(3, d.str("in"));
      scheme.string_field(4, d.str("description"));
      extensions(scheme, 5, d);
      item.message_field(2, scheme);
    } else if (d.str("type") == "basic") {
      scheme.string_field(1, d.str("type"));
      scheme.string_field(2, d.str("description"));
      extensions(scheme, 3, d);
      item.message_field(1, scheme);
    } else {
      bad("securityDefinitions." + member.key, "an apiKey or basic scheme");
    }
    Message named;
    named.string_field(1, member.key);
    named.message_field(2, item);
    m.message_field(1, named);
  }
  return m;
}

// SecurityRequirement {repeated NamedStringArray additional_properties = 1}.
Message security_requirement(const json::Value& v) {
  if (!v.is_object()) bad("security", "a list of objects");
  Message m;
  for (const auto& member : v.as_object()) {
    if (!member.value.is_array()) bad("security." + member.key, "an array");
    Message strings;
    for (const auto& s : member.value.as_array()) strings.bytes_field(1, string_of(s, "security." + member.key));
    Message named;
    named.string_field(1, member.key);
    named.message_field(2, strings);
    m.message_field(1, named);
  }
  return m;
}

void strings(Message& m, int field, const json::Value* v, const std::string& where) {
  if (!v) return;
  if (!v->is_array()) bad(where, "an array");
  for (const auto& s : v->as_array()) m.bytes_field(field, string_of(s, where));
}

// Query, formData, path and header parameters share their fields; query and formData have
// allow_empty_value (5) before `type`, which moves every later field number up by one.
Message non_body_parameter(const json::Value& p, const std::string& where) {
  std::string in = p.str("in");
  int o = in == "query" || in == "formData" ? 1 : 0;
  Message sub;
  auto text = [&](int field, const char* key) { sub.string_field(field, p.str(key)); };
  auto number = [&](int field, const char* key) {
    if (const json::Value* v = p.find(key); v && v->is_number()) sub.double_field(field, v->as_double());
  };
  auto integer = [&](int field, const char* key) {
    if (const json::Value* v = p.find(key); v && v->is_int()) sub.int_field(field, v->as_int());
  };
  auto flag = [&](int field, const char* key) {
    if (const json::Value* v = p.find(key); v && v->is_bool()) sub.bool_field(field, v->as_bool());
  };
  flag(1, "required");
  text(2, "in");
  text(3, "description");
  text(4, "name");
  if (o) flag(5, "allowEmptyValue");
  text(5 + o, "type");
  text(6 + o, "format");
  if (p.find("items")) bad(where + ".items", "supported (no Kubernetes parameter has items)");
  text(8 + o, "collectionFormat");
  if (const json::Value* v = p.find("default")) sub.message_field(9 + o, any(*v));
  number(10 + o, "maximum");
  flag(11 + o, "exclusiveMaximum");
  number(12 + o, "minimum");
  flag(13 + o, "exclusiveMinimum");
  integer(14 + o, "maxLength");
  integer(15 + o, "minLength");
  text(16 + o, "pattern");
  integer(17 + o, "maxItems");
  integer(18 + o, "minItems");
  flag(19 + o, "uniqueItems");
  if (const json::Value* v = p.find("enum"); v && v->is_array())
    for (const auto& e : v->as_array()) sub.message_field(20 + o, any(e));
  number(21 + o, "multipleOf");
  extensions(sub, 22 + o, p);
  int kind = in == "header" ? 1 : in == "formData" ? 2 : in == "query" ? 3 : in == "path" ? 4 : 0;
  if (kind == 0) bad(where + ".in", "header, formData, query, path or body");
  Message non_body;
  non_body.message_field(kind, sub);
  return non_body;
}

// ParametersItem: oneof {Parameter parameter = 1 (oneof {BodyParameter = 1; NonBodyParameter = 2});
// JsonReference json_reference = 2}.
Message parameters_item(const json::Value& p, const std::string& where) {
  if (!p.is_object()) bad(where, "an object");
  Message item;
  if (const json::Value* ref = p.find("$ref")) {
    Message json_reference;
    json_reference.string_field(1, string_of(*ref, where + ".$ref"));
    json_reference.string_field(2, p.str("description"));
    item.message_field(2, json_reference);
    return item;
  }
  Message parameter;
  if (p.str("in") == "body") {
    Message body;
    body.string_field(1, p.str("description"));
    body.string_field(2, p.str("name"));
    body.string_field(3, p.str("in"));
    if (const json::Value* v = p.find("required"); v && v->is_bool()) body.bool_field(4, v->as_bool());
    if (const json::Value* v = p.find("schema")) body.message_field(5, schema(*v, where + ".schema"));
    extensions(body, 6, p);
    parameter.message_field(1, body);
  } else {
    parameter.message_field(2, non_body_parameter(p, where));
  }
  item.message_field(1, parameter);
  return item;
}

void parameters(Message& m, int field, const json::Value* v, const std::string& where) {
  if (!v) return;
  if (!v->is_array()) bad(where, "an array");
  for (const auto& p : v->as_array()) m.message_field(field, parameters_item(p, where));
}

// Responses {repeated NamedResponseValue response_code = 1 {name, ResponseValue {oneof Response
// response = 1 {description = 1, SchemaItem schema = 2 {oneof Schema schema = 1}}}}}.
Message responses(const json::Value& v, const std::string& where) {
  if (!v.is_object()) bad(where, "an object");
  Message m;
  for (const auto& member : v.as_object()) {
    if (is_extension(member.key)) continue;
    const json::Value& r = member.value;
    if (!r.is_object()) bad(where + "." + member.key, "an object");
    Message response;
    response.string_field(1, r.str("description"));
    if (const json::Value* s = r.find("schema")) {
      Message item;
      item.message_field(1, schema(*s, where + "." + member.key + ".schema"));
      response.message_field(2, item);
    }
    extensions(response, 5, r);
    Message value;
    value.message_field(1, response);
    Message named;
    named.string_field(1, member.key);
    named.message_field(2, value);
    m.message_field(1, named);
  }
  extensions(m, 2, v);
  return m;
}

Message operation(const json::Value& op, const std::string& where) {
  if (!op.is_object()) bad(where, "an object");
  Message m;
  strings(m, 1, op.find("tags"), where + ".tags");
  m.string_field(2, op.str("summary"));
  m.string_field(3, op.str("description"));
  m.string_field(5, op.str("operationId"));
  strings(m, 6, op.find("produces"), where + ".produces");
  strings(m, 7, op.find("consumes"), where + ".consumes");
  parameters(m, 8, op.find("parameters"), where + ".parameters");
  if (const json::Value* v = op.find("responses")) m.message_field(9, responses(*v, where + ".responses"));
  strings(m, 10, op.find("schemes"), where + ".schemes");
  if (const json::Value* v = op.find("deprecated"); v && v->is_bool()) m.bool_field(11, v->as_bool());
  extensions(m, 13, op);
  return m;
}

// Paths {repeated NamedAny vendor_extension = 1; repeated NamedPathItem path = 2}.
Message paths(const json::Value& v) {
  if (!v.is_object()) bad("paths", "an object");
  Message m;
  extensions(m, 1, v);
  for (const auto& member : v.as_object()) {
    if (is_extension(member.key)) continue;
    const json::Value& item = member.value;
    std::string where = "paths." + member.key;
    if (!item.is_object()) bad(where, "an object");
    Message path_item;
    path_item.string_field(1, item.str("$ref"));
    int field = 2;
    for (const char* method : {"get", "put", "post", "delete", "options", "head", "patch"}) {
      if (const json::Value* op = item.find(method)) path_item.message_field(field, operation(*op, where + "." + method));
      ++field;
    }
    parameters(path_item, 9, item.find("parameters"), where + ".parameters");
    extensions(path_item, 10, item);
    Message named;
    named.string_field(1, member.key);
    named.message_field(2, path_item);
    m.message_field(2, named);
  }
  return m;
}

}  // namespace

std::string openapi_v2_protobuf(const json::Value& doc) {
  if (!doc.is_object()) bad("the document", "an object");
  Message m;
  m.string_field(1, doc.str("swagger"));
  if (const json::Value* v = doc.find("info")) m.message_field(2, info(*v));
  m.string_field(3, doc.str("host"));
  m.string_field(4, doc.str("basePath"));
  strings(m, 5, doc.find("schemes"), "schemes");
  strings(m, 6, doc.find("consumes"), "consumes");
  strings(m, 7, doc.find("produces"), "produces");
  if (const json::Value* v = doc.find("paths")) m.message_field(8, paths(*v));
  if (const json::Value* v = doc.find("definitions")) m.message_field(9, named_schemas(*v, "definitions"));
  if (const json::Value* v = doc.find("security")) {
    if (!v->is_array()) bad("security", "an array");
    for (const auto& r : v->as_array()) m.message_field(12, security_requirement(r));
  }
  if (const json::Value* v = doc.find("securityDefinitions")) m.message_field(13, security_definitions(*v));
  extensions(m, 16, doc);
  return m.bytes();
}

}  // namespace steward::testapi
