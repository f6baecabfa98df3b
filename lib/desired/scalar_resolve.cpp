#include "desired/scalar_resolve.hpp"

#include <array>
#include <charconv>
#include <limits>
#include <string>

namespace steward::desired {

namespace {

using Type = ResolvedScalar::Type;

bool one_of(std::string_view text, std::initializer_list<std::string_view> words) {
  for (std::string_view word : words)
    if (text == word) return true;
  return false;
}

// The fixed words of go-yaml v2's resolve map.
bool resolve_word(std::string_view text, ResolvedScalar& out) {
  if (one_of(text, {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})) {
    out.type = Type::kBool;
    out.boolean = true;
    return true;
  }
  if (one_of(text, {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})) {
    out.type = Type::kBool;
    out.boolean = false;
    return true;
  }
  if (one_of(text, {"", "~", "null", "Null", "NULL"})) {
    out.type = Type::kNull;
    return true;
  }
  if (one_of(text, {".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
                    "-.inf", "-.Inf", "-.INF"})) {
    out.type = Type::kNonFinite;
    return true;
  }
  return false;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 99;
}

// Go's strconv.ParseInt/ParseUint with base 0 (sign, then 0x / 0o / 0b / leading-0 octal).
// Returns false when the text is not an integer at all; sets kOutOfRange when it is one but does
// not fit 64 bits.
bool parse_go_integer(std::string_view text, ResolvedScalar& out) {
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return false;
  unsigned base = 10;
  if (text.size() >= 2 && text[0] == '0') {
    const char p = text[1];
    if (p == 'x' || p == 'X') base = 16, text.remove_prefix(2);
    else if (p == 'o' || p == 'O') base = 8, text.remove_prefix(2);
    else if (p == 'b' || p == 'B') base = 2, text.remove_prefix(2);
    else base = 8, text.remove_prefix(1);
  }
  if (text.empty()) return false;
  std::uint64_t magnitude = 0;
  bool overflow = false;
  for (char c : text) {
    const int d = digit_value(c);
    if (d >= static_cast<int>(base)) return false;
    if (magnitude > (std::numeric_limits<std::uint64_t>::max() - static_cast<unsigned>(d)) / base)
      overflow = true;
    else
      magnitude = magnitude * base + static_cast<unsigned>(d);
  }
  constexpr std::uint64_t kMaxInt = std::numeric_limits<std::int64_t>::max();
  if (overflow || (negative && magnitude > kMaxInt + 1)) {
    out.type = Type::kOutOfRange;
  } else if (negative) {
    out.type = Type::kInt;
    out.integer = magnitude == kMaxInt + 1 ? std::numeric_limits<std::int64_t>::min()
                                           : -static_cast<std::int64_t>(magnitude);
  } else if (magnitude <= kMaxInt) {
    out.type = Type::kInt;
    out.integer = static_cast<std::int64_t>(magnitude);
  } else {
    out.type = Type::kUint;
    out.unsigned_integer = magnitude;
  }
  return true;
}

// go-yaml's yamlStyleFloat: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool is_yaml_style_float(std::string_view s) {
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    return i > start;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  } else {
    if (!digits()) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

bool parse_float(std::string_view s, ResolvedScalar& out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);  // from_chars takes no '+'
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (end != s.data() + s.size()) return false;
  if (ec == std::errc::result_out_of_range) {
    out.type = Type::kNonFinite;
    return true;
  }
  if (ec != std::errc()) return false;
  out.type = Type::kFloat;
  out.floating = value;
  return true;
}

}  // namespace

ResolvedScalar resolve_plain_scalar(std::string_view text) {
  ResolvedScalar out;
  if (resolve_word(text, out)) return out;
  if (text.empty()) return out;
  const char first = text[0];
  if (first == '.') {
    // go-yaml: anything strconv.ParseFloat accepts.
    if (parse_float(text, out)) return out;
    out = {};
    return out;
  }
  if (!is_digit(first) && first != '+' && first != '-') return out;  // a string
  std::string plain(text);
  std::erase(plain, '_');
  ResolvedScalar integer;
  if (parse_go_integer(plain, integer)) {
    // A decimal beyond 64 bits still matches the float pattern, which go-yaml tries next.
    if (integer.type != Type::kOutOfRange || !is_yaml_style_float(plain)) return integer;
  }
  if (is_yaml_style_float(plain) && parse_float(plain, out)) return out;
  out = {};
  return out;
}

}  // namespace steward::desired
