#include "strategic_merge.hpp"

#include "api_error.hpp"
#include "field_set.hpp"

#include <algorithm>

namespace steward::testapi {

namespace {

using Names = std::vector<std::string>;

json::Value without_directives(const json::Value& v) {
  if (!v.is_object()) return v;
  json::Value out = json::Value::object();
  for (const auto& m : v.as_object())
    if (m.key.empty() || m.key[0] != '$') out[m.key] = without_directives(m.value);
  return out;
}

bool same_key(const json::Value& a, const json::Value& b, const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    const json::Value* x = a.find(k);
    const json::Value* y = b.find(k);
    if (!x && !y) continue;
    if (!x || !y || !(*x == *y)) {
      // A port's protocol defaults to TCP: a patch naming only the port still finds it.
      if (k == "protocol" && ((!x && y && y->is_string() && y->as_string() == "TCP") ||
                              (!y && x && x->is_string() && x->as_string() == "TCP")))
        continue;
      return false;
    }
  }
  return true;
}

void merge(json::Value& target, const json::Value& patch, Names& names);

void merge_list(json::Value& target, const json::Value& patch, Names& names) {
  auto keys = keyed_list_keys(names);
  if (keys.empty() || !target.is_array()) {
    json::Value replaced = json::Value::array();
    for (const auto& item : patch.as_array()) replaced.as_array().push_back(without_directives(item));
    target = std::move(replaced);
    return;
  }
  auto& arr = target.as_array();
  for (const auto& item : patch.as_array()) {
    if (!item.is_object()) continue;
    auto it = std::find_if(arr.begin(), arr.end(), [&](const json::Value& t) { return t.is_object() && same_key(t, item, keys); });
    std::string directive = item.str("$patch");
    if (directive == "delete") {
      if (it != arr.end()) arr.erase(it);
    } else if (it == arr.end()) {
      arr.push_back(without_directives(item));
    } else if (directive == "replace") {
      *it = without_directives(item);
    } else {
      merge(*it, item, names);
    }
  }
}

void merge(json::Value& target, const json::Value& patch, Names& names) {
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (patch.str("$patch") == "replace") {
    target = without_directives(patch);
    return;
  }
  if (!target.is_object()) target = json::Value::object();
  for (const auto& m : patch.as_object()) {
    const std::string prefix = "$deleteFromPrimitiveList/";
    if (m.key.rfind(prefix, 0) == 0) {
      json::Value* list = target.find(m.key.substr(prefix.size()));
      if (list && list->is_array() && m.value.is_array()) {
        auto& arr = list->as_array();
        for (const auto& v : m.value.as_array()) std::erase_if(arr, [&](const json::Value& e) { return e == v; });
      }
      continue;
    }
    if (!m.key.empty() && m.key[0] == '$') continue;  // $setElementOrder, $retainKeys, $patch
    if (m.value.is_null()) {
      target.erase(m.key);
      continue;
    }
    names.push_back(m.key);
    json::Value* t = target.find(m.key);
    if (m.value.is_array()) {
      if (!t) {
        json::Value fresh = json::Value::array();
        target[m.key] = std::move(fresh);
        t = target.find(m.key);
      }
      merge_list(*t, m.value, names);
    } else if (t) {
      merge(*t, m.value, names);
    } else {
      target[m.key] = without_directives(m.value);
    }
    names.pop_back();
  }
}

}  // namespace

void strategic_merge_patch(json::Value& target, const json::Value& patch) {
  if (!patch.is_object()) throw bad_request("the strategic merge patch is not a JSON object");
  Names names;
  merge(target, patch, names);
}

}  // namespace steward::testapi
