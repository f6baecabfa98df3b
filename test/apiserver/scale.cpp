#include "scale.hpp"

#include <algorithm>
#include <vector>

namespace steward::testapi {

std::string label_selector_string(const json::Value& selector) {
  std::vector<std::pair<std::string, std::string>> requirements;  // key, text
  if (const json::Value* labels = selector.find("matchLabels"); labels && labels->is_object())
    for (const auto& m : labels->as_object())
      requirements.emplace_back(m.key, m.key + "=" + (m.value.is_string() ? m.value.as_string() : ""));
  if (const json::Value* exprs = selector.find("matchExpressions"); exprs && exprs->is_array()) {
    for (const auto& e : exprs->as_array()) {
      std::string key = e.str("key"), op = e.str("operator");
      std::vector<std::string> values;
      if (const json::Value* vs = e.find("values"); vs && vs->is_array())
        for (const auto& v : vs->as_array()) values.push_back(v.is_string() ? v.as_string() : "");
      std::sort(values.begin(), values.end());
      std::string list;
      for (const auto& v : values) list += (list.empty() ? "" : ",") + v;
      if (op == "In") requirements.emplace_back(key, key + " in (" + list + ")");
      else if (op == "NotIn") requirements.emplace_back(key, key + " notin (" + list + ")");
      else if (op == "Exists") requirements.emplace_back(key, key);
      else if (op == "DoesNotExist") requirements.emplace_back(key, "!" + key);
    }
  }
  std::stable_sort(requirements.begin(), requirements.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& r : requirements) out += (out.empty() ? "" : ",") + r.second;
  return out;
}

json::Value scale_of(const json::Value& object) {
  json::Value scale = json::Value::object();
  scale["kind"] = "Scale";
  scale["apiVersion"] = "autoscaling/v1";
  json::Value meta = json::Value::object();
  if (const json::Value* m = object.find("metadata"))
    for (const char* key : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"})
      if (const json::Value* v = m->find(key)) meta[key] = *v;
  scale["metadata"] = std::move(meta);
  json::Value spec = json::Value::object();
  if (const json::Value* r = object.at_path("spec.replicas"); r && r->is_int() && r->as_int() != 0) spec["replicas"] = *r;
  scale["spec"] = std::move(spec);
  json::Value status = json::Value::object();
  const json::Value* replicas = object.at_path("status.replicas");
  status["replicas"] = replicas && replicas->is_int() ? replicas->as_int() : std::int64_t{0};
  if (const json::Value* selector = object.at_path("spec.selector"); selector && selector->is_object()) {
    std::string s = label_selector_string(*selector);
    if (!s.empty()) status["selector"] = s;
  }
  scale["status"] = std::move(status);
  return scale;
}

}  // namespace steward::testapi
