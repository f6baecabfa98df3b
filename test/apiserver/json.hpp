// A small mutable JSON tree for the test API server. Objects keep insertion order (the real server's
// output order is mostly struct order, which we approximate by the order fields were written), and
// integers stay integers so `replicas: 1` never becomes `1.0`. Parsing and printing use RapidJSON.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace steward::testapi::json {

struct Member;
class Value;
using Array = std::vector<Value>;
using Object = std::vector<Member>;

class Value {
 public:
  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  Value(int i) : v_(static_cast<std::int64_t>(i)) {}
  Value(std::int64_t i) : v_(i) {}
  Value(double d) : v_(d) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(Array a) : v_(std::move(a)) {}
  Value(Object o) : v_(std::move(o)) {}

  static Value object() { return Value(Object{}); }
  static Value array() { return Value(Array{}); }

  bool is_null() const { return v_.index() == 0; }
  bool is_bool() const { return v_.index() == 1; }
  bool is_int() const { return v_.index() == 2; }
  bool is_double() const { return v_.index() == 3; }
  bool is_number() const { return is_int() || is_double(); }
  bool is_string() const { return v_.index() == 4; }
  bool is_array() const { return v_.index() == 5; }
  bool is_object() const { return v_.index() == 6; }

  bool as_bool() const { return std::get<bool>(v_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(v_); }
  double as_double() const { return is_int() ? static_cast<double>(as_int()) : std::get<double>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  Array& as_array() { return std::get<Array>(v_); }
  const Object& as_object() const { return std::get<Object>(v_); }
  Object& as_object() { return std::get<Object>(v_); }

  // Object access. find() returns nullptr when absent or when this is not an object.
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  // Inserts a null member when absent; turns a null value into an object first. Inserting may move
  // the other members: do not hold a reference to a sibling across it.
  Value& operator[](std::string_view key);
  bool erase(std::string_view key);
  // Follows a dotted path of object keys ("spec.template.metadata"); nullptr when any step is absent.
  const Value* at_path(std::string_view dotted) const;

  // The string at key, or "" when absent or not a string.
  std::string str(std::string_view key) const;

  // Deep equality; object member order does not matter (as for Go maps and structs).
  friend bool operator==(const Value& a, const Value& b);

 private:
  std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, Array, Object> v_;
};

struct Member {
  std::string key;
  Value value;
};

struct ParseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws ParseError with RapidJSON's message and offset.
Value parse(std::string_view text);
std::string write(const Value& v);

// RFC 7386 JSON merge patch: null deletes, objects merge recursively, everything else replaces.
void merge_patch(Value& target, const Value& patch);

}  // namespace steward::testapi::json
