#include "json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>

namespace steward::testapi::json {

const Value* Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& m : as_object())
    if (m.key == key) return &m.value;
  return nullptr;
}

Value* Value::find(std::string_view key) {
  return const_cast<Value*>(static_cast<const Value*>(this)->find(key));
}

Value& Value::operator[](std::string_view key) {
  if (is_null()) v_ = Object{};
  auto& obj = as_object();
  for (auto& m : obj)
    if (m.key == key) return m.value;
  obj.push_back(Member{std::string(key), Value{}});
  return obj.back().value;
}

bool Value::erase(std::string_view key) {
  if (!is_object()) return false;
  auto& obj = as_object();
  auto it = std::find_if(obj.begin(), obj.end(), [&](const Member& m) { return m.key == key; });
  if (it == obj.end()) return false;
  obj.erase(it);
  return true;
}

const Value* Value::at_path(std::string_view dotted) const {
  const Value* cur = this;
  while (cur && !dotted.empty()) {
    auto dot = dotted.find('.');
    cur = cur->find(dotted.substr(0, dot));
    dotted = dot == std::string_view::npos ? std::string_view{} : dotted.substr(dot + 1);
  }
  return cur;
}

std::string Value::str(std::string_view key) const {
  const Value* v = find(key);
  return v && v->is_string() ? v->as_string() : std::string{};
}

bool operator==(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_int() && b.is_int()) return a.as_int() == b.as_int();
    return a.as_double() == b.as_double();
  }
  if (a.v_.index() != b.v_.index()) return false;
  if (a.is_object()) {
    const auto& x = a.as_object();
    const auto& y = b.as_object();
    if (x.size() != y.size()) return false;
    for (const auto& m : x) {
      const Value* other = b.find(m.key);
      if (!other || !(m.value == *other)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    const auto& x = a.as_array();
    const auto& y = b.as_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (!(x[i] == y[i])) return false;
    return true;
  }
  if (a.is_string()) return a.as_string() == b.as_string();
  if (a.is_bool()) return a.as_bool() == b.as_bool();
  return true;  // both null
}

namespace {

// SAX handler that builds a Value tree; a stack of open containers plus the pending object key.
struct Builder {
  std::vector<Value> stack;
  std::vector<std::string> keys;
  Value root;

  bool add(Value v) {
    if (stack.empty()) {
      root = std::move(v);
    } else if (stack.back().is_array()) {
      stack.back().as_array().push_back(std::move(v));
    } else {
      stack.back().as_object().push_back(Member{std::move(keys.back()), std::move(v)});
      keys.pop_back();
    }
    return true;
  }
  bool Null() { return add(Value{}); }
  bool Bool(bool b) { return add(Value(b)); }
  bool Int(int i) { return add(Value(static_cast<std::int64_t>(i))); }
  bool Uint(unsigned u) { return add(Value(static_cast<std::int64_t>(u))); }
  bool Int64(std::int64_t i) { return add(Value(i)); }
  bool Uint64(std::uint64_t u) {
    if (u > static_cast<std::uint64_t>(INT64_MAX)) return add(Value(static_cast<double>(u)));
    return add(Value(static_cast<std::int64_t>(u)));
  }
  bool Double(double d) { return add(Value(d)); }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return false; }
  bool String(const char* s, rapidjson::SizeType n, bool) { return add(Value(std::string(s, n))); }
  bool StartObject() {
    stack.push_back(Value::object());
    return true;
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    keys.emplace_back(s, n);
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    Value v = std::move(stack.back());
    stack.pop_back();
    return add(std::move(v));
  }
  bool StartArray() {
    stack.push_back(Value::array());
    return true;
  }
  bool EndArray(rapidjson::SizeType) { return EndObject(0); }
};

void write_value(rapidjson::Writer<rapidjson::StringBuffer>& w, const Value& v) {
  if (v.is_null()) {
    w.Null();
  } else if (v.is_bool()) {
    w.Bool(v.as_bool());
  } else if (v.is_int()) {
    w.Int64(v.as_int());
  } else if (v.is_double()) {
    w.Double(v.as_double());
  } else if (v.is_string()) {
    w.String(v.as_string().data(), static_cast<rapidjson::SizeType>(v.as_string().size()));
  } else if (v.is_array()) {
    w.StartArray();
    for (const auto& e : v.as_array()) write_value(w, e);
    w.EndArray();
  } else {
    w.StartObject();
    for (const auto& m : v.as_object()) {
      w.Key(m.key.data(), static_cast<rapidjson::SizeType>(m.key.size()));
      write_value(w, m.value);
    }
    w.EndObject();
  }
}

}  // namespace

Value parse(std::string_view text) {
  Builder b;
  rapidjson::Reader reader;
  rapidjson::MemoryStream ms(text.data(), text.size());
  auto res = reader.Parse<rapidjson::kParseStopWhenDoneFlag | rapidjson::kParseFullPrecisionFlag>(ms, b);
  if (res.IsError()) {
    throw ParseError(std::string(rapidjson::GetParseError_En(res.Code())) + " at offset " +
                     std::to_string(res.Offset()));
  }
  // Anything but whitespace after the value is an error, as for Go's decoder.
  for (std::size_t i = ms.Tell(); i < text.size(); ++i)
    if (!std::isspace(static_cast<unsigned char>(text[i]))) throw ParseError("unexpected data after JSON value");
  return std::move(b.root);
}

std::string write(const Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  write_value(w, v);
  return std::string(buf.GetString(), buf.GetSize());
}

void merge_patch(Value& target, const Value& patch) {
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (!target.is_object()) target = Value::object();
  for (const auto& m : patch.as_object()) {
    if (m.value.is_null()) {
      target.erase(m.key);
    } else {
      merge_patch(target[m.key], m.value);
    }
  }
}

}  // namespace steward::testapi::json
