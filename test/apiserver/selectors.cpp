#include "selectors.hpp"

#include <algorithm>
#include <cctype>

namespace steward::testapi {

namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// Splits on commas that are not inside parentheses.
std::vector<std::string> split_top_level(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(trim(cur));
  return out;
}

bool valid_label_key(const std::string& k) {
  if (k.empty() || k.size() > 317) return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '/';
  });
}

// A label value: empty, or up to 63 alphanumerics, '-', '_', '.', beginning and ending alphanumeric.
bool valid_label_value(const std::string& v) {
  if (v.empty()) return true;
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  return v.size() <= 63 && alnum(v.front()) && alnum(v.back()) &&
         std::all_of(v.begin(), v.end(), [&](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

// How kube-apiserver's selector lexer reports a value it cannot read: an operator where the
// value should be ("a===b" is "a", "==", then "=") is "found '=', expected: identifier".
std::string bad_value_error(const std::string& v) {
  if (!v.empty() && (v[0] == '=' || v[0] == '!' || v[0] == '(' || v[0] == ')' || v[0] == ','))
    return "unable to parse requirement: found '" + v.substr(0, v[0] == '!' && v.size() > 1 && v[1] == '=' ? 2 : 1) +
           "', expected: identifier";
  return "unable to parse requirement: values[0][" + v + "]: Invalid value: \"" + v +
         "\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and "
         "must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex "
         "used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
}

}  // namespace

std::optional<LabelSelector> LabelSelector::parse(const std::string& text, std::string& error) {
  LabelSelector sel;
  if (trim(text).empty()) return sel;
  for (const std::string& part : split_top_level(text)) {
    Requirement r;
    if (part.empty()) {
      error = "unable to parse requirement: found '', expected: identifier";
      return std::nullopt;
    }
    std::size_t pos;
    if (part[0] == '!') {
      r.key = trim(part.substr(1));
      r.op = Op::NotExists;
    } else if ((pos = part.find(" notin ")) != std::string::npos || (pos = part.find(" in ")) != std::string::npos) {
      bool notin = part.compare(pos, 7, " notin ") == 0;
      r.key = trim(part.substr(0, pos));
      r.op = notin ? Op::NotIn : Op::In;
      std::string rest = trim(part.substr(pos + (notin ? 7 : 4)));
      if (rest.size() < 2 || rest.front() != '(' || rest.back() != ')') {
        error = "unable to parse requirement: found '" + rest + "', expected: '('";
        return std::nullopt;
      }
      std::string inner = rest.substr(1, rest.size() - 2);
      std::string v;
      for (char c : inner + ",") {
        if (c == ',') {
          r.values.push_back(trim(v));
          v.clear();
        } else {
          v += c;
        }
      }
    } else if ((pos = part.find("!=")) != std::string::npos) {
      r.key = trim(part.substr(0, pos));
      r.op = Op::NotEquals;
      r.values.push_back(trim(part.substr(pos + 2)));
    } else if ((pos = part.find("==")) != std::string::npos) {
      r.key = trim(part.substr(0, pos));
      r.op = Op::Equals;
      r.values.push_back(trim(part.substr(pos + 2)));
    } else if ((pos = part.find('=')) != std::string::npos) {
      r.key = trim(part.substr(0, pos));
      r.op = Op::Equals;
      r.values.push_back(trim(part.substr(pos + 1)));
    } else {
      r.key = part;
      r.op = Op::Exists;
    }
    if (!valid_label_key(r.key)) {
      error = "unable to parse requirement: invalid label key \"" + r.key + "\"";
      return std::nullopt;
    }
    for (const auto& v : r.values) {
      if (!valid_label_value(v)) {
        error = bad_value_error(v);
        return std::nullopt;
      }
    }
    sel.reqs_.push_back(std::move(r));
  }
  return sel;
}

bool LabelSelector::matches(const json::Value& object) const {
  const json::Value* labels = object.at_path("metadata.labels");
  for (const auto& r : reqs_) {
    const json::Value* v = labels ? labels->find(r.key) : nullptr;
    bool has = v && v->is_string();
    std::string value = has ? v->as_string() : std::string{};
    auto in_values = [&] { return std::find(r.values.begin(), r.values.end(), value) != r.values.end(); };
    bool ok = false;
    switch (r.op) {
      case Op::Exists: ok = has; break;
      case Op::NotExists: ok = !has; break;
      case Op::Equals: ok = has && value == r.values[0]; break;
      case Op::NotEquals: ok = !has || value != r.values[0]; break;
      case Op::In: ok = has && in_values(); break;
      case Op::NotIn: ok = !has || !in_values(); break;
    }
    if (!ok) return false;
  }
  return true;
}

std::optional<FieldSelector> FieldSelector::parse(const std::string& text, std::string& error) {
  FieldSelector sel;
  if (trim(text).empty()) return sel;
  for (const std::string& part : split_top_level(text)) {
    Requirement r;
    std::size_t pos;
    if ((pos = part.find("!=")) != std::string::npos) {
      r.field = trim(part.substr(0, pos));
      r.equals = false;
      r.value = trim(part.substr(pos + 2));
    } else if ((pos = part.find("==")) != std::string::npos) {
      r.field = trim(part.substr(0, pos));
      r.equals = true;
      r.value = trim(part.substr(pos + 2));
    } else if ((pos = part.find('=')) != std::string::npos) {
      r.field = trim(part.substr(0, pos));
      r.equals = true;
      r.value = trim(part.substr(pos + 1));
    } else {
      error = "invalid selector: '" + text + "'; can't understand '" + part + "'";
      return std::nullopt;
    }
    if (r.field != "metadata.name" && r.field != "metadata.namespace") {
      error = "\"" + r.field + "\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"";
      return std::nullopt;
    }
    sel.reqs_.push_back(std::move(r));
  }
  return sel;
}

bool FieldSelector::matches(const json::Value& object) const {
  for (const auto& r : reqs_) {
    const json::Value* v = object.at_path(r.field);
    std::string value = v && v->is_string() ? v->as_string() : std::string{};
    if ((value == r.value) != r.equals) return false;
  }
  return true;
}

}  // namespace steward::testapi
