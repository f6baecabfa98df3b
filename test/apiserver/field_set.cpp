#include "field_set.hpp"

#include <algorithm>
#include <set>

namespace steward::testapi {

namespace {

using Names = std::vector<std::string>;  // field names from the root, list items skipped

// Keys of a keyed list at `names`; empty for atomic lists.
std::vector<std::string> list_keys(const Names& names) {
  if (names.empty()) return {};
  const std::string& last = names.back();
  if (last == "containers" || last == "initContainers" || last == "ephemeralContainers" || last == "volumes" ||
      last == "env" || last == "imagePullSecrets")
    return {"name"};
  if (last == "volumeMounts") return {"mountPath"};
  if (last == "conditions") return {"type"};
  if (last == "ownerReferences") return {"uid"};
  if (last == "ports") {
    bool in_container = std::any_of(names.begin(), names.end(), [](const std::string& n) {
      return n == "containers" || n == "initContainers" || n == "ephemeralContainers";
    });
    return in_container ? std::vector<std::string>{"containerPort", "protocol"}
                        : std::vector<std::string>{"port", "protocol"};
  }
  return {};
}

bool is_set_list(const Names& names) { return names.size() == 2 && names[0] == "metadata" && names[1] == "finalizers"; }

// A metav1.LabelSelector (Deployment spec.selector) is atomic; a Service's selector is a plain map.
bool is_atomic_object(const Names& names, const json::Value& v) {
  return !names.empty() && names.back() == "selector" && (v.find("matchLabels") || v.find("matchExpressions"));
}

struct WalkContext {
  FieldSetMode mode;
  // A CRD's status.conditions has no list type in 1.20: atomic, unlike a Deployment's (keyed by type).
  bool atomic_conditions;
};

std::string item_key(const json::Value& item, const std::vector<std::string>& keys) {
  json::Value k = json::Value::object();
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  for (const auto& name : sorted) {
    const json::Value* v = item.find(name);
    if (v) {
      k[name] = *v;
    } else if (name == "protocol") {
      k[name] = "TCP";  // the schema default is part of the key (reference 13)
    }
  }
  return "k:" + json::write(k);
}

bool skip_top(const Names& names, const std::string& key) {
  if (names.empty()) return key == "apiVersion" || key == "kind";
  if (names.size() == 1 && names[0] == "metadata")
    return !(key == "labels" || key == "annotations" || key == "finalizers" || key == "ownerReferences");
  return false;
}

void walk(const json::Value& v, Names& names, FieldSet& node, const WalkContext& ctx);

void walk_member(const std::string& key, const json::Value& v, Names& names, FieldSet& node, const WalkContext& ctx) {
  FieldSet& child = node.children["f:" + key];
  names.push_back(key);
  if (v.is_object() && !is_atomic_object(names, v)) {
    walk(v, names, child, ctx);
  } else if (v.is_array()) {
    auto keys = ctx.atomic_conditions && names.size() == 2 && names[0] == "status" && names[1] == "conditions"
                    ? std::vector<std::string>{}
                    : list_keys(names);
    if (is_set_list(names)) {
      for (const auto& item : v.as_array()) child.children["v:" + json::write(item)];
    } else if (!keys.empty()) {
      for (const auto& item : v.as_array()) {
        if (!item.is_object()) continue;
        FieldSet& it = child.children[item_key(item, keys)];
        it.children["."];
        walk(item, names, it, ctx);
      }
    }
  }
  // An Update owns a map or list it created as well as what is in it: "." (changed_fields keeps it
  // only where the object before had nothing). An empty one is a leaf.
  if (ctx.mode == FieldSetMode::Update && !child.empty()) child.children["."];
  names.pop_back();
}

void walk(const json::Value& v, Names& names, FieldSet& node, const WalkContext& ctx) {
  if (!v.is_object()) return;
  for (const auto& m : v.as_object()) {
    if (skip_top(names, m.key)) continue;
    if (names.empty() && m.key == "metadata") {
      names.push_back("metadata");
      FieldSet meta;
      walk(m.value, names, meta, ctx);
      names.pop_back();
      if (!meta.empty()) node.children["f:metadata"] = std::move(meta);
      continue;
    }
    walk_member(m.key, m.value, names, node, ctx);
  }
}

void collect_members(const FieldSet& set, FieldPath& prefix, std::vector<FieldPath>& out) {
  for (const auto& [k, child] : set.children) {
    if (k == ".") {
      FieldPath p = prefix;
      p.push_back(".");
      out.push_back(std::move(p));
      continue;
    }
    prefix.push_back(k);
    if (child.empty()) {
      out.push_back(prefix);
    } else {
      collect_members(child, prefix, out);
    }
    prefix.pop_back();
  }
}

// Finds the list item an element "k:{...}" or "v:..." names; -1 when absent.
long find_item(const json::Value& list, const std::string& element, const Names& names) {
  if (!list.is_array()) return -1;
  const auto& arr = list.as_array();
  if (element.rfind("v:", 0) == 0) {
    json::Value want = json::parse(element.substr(2));
    for (std::size_t i = 0; i < arr.size(); ++i)
      if (arr[i] == want) return static_cast<long>(i);
    return -1;
  }
  auto keys = list_keys(names);
  for (std::size_t i = 0; i < arr.size(); ++i)
    if (arr[i].is_object() && item_key(arr[i], keys) == element) return static_cast<long>(i);
  return -1;
}

}  // namespace

std::vector<std::string> keyed_list_keys(const std::vector<std::string>& names) { return list_keys(names); }

json::Value to_fields_v1(const FieldSet& set) {
  json::Value out = json::Value::object();
  for (const auto& [k, child] : set.children) out[k] = to_fields_v1(child);
  return out;
}

FieldSet from_fields_v1(const json::Value& v) {
  FieldSet set;
  if (!v.is_object()) return set;
  for (const auto& m : v.as_object()) set.children[m.key] = from_fields_v1(m.value);
  return set;
}

void insert(FieldSet& set, const FieldPath& path) {
  FieldSet* node = &set;
  for (const auto& e : path) node = &node->children[e];
}

bool contains(const FieldSet& set, const FieldPath& path) {
  const FieldSet* node = &set;
  for (const auto& e : path) {
    auto it = node->children.find(e);
    if (it == node->children.end()) return false;
    node = &it->second;
  }
  // A path names a member only if it ends there (a leaf) or is a "." member.
  return path.empty() ? false : (path.back() == "." || node->empty());
}

void remove(FieldSet& set, const FieldPath& path) {
  if (path.empty()) return;
  auto it = set.children.find(path.front());
  if (it == set.children.end()) return;
  if (path.size() == 1) {
    set.children.erase(it);
    return;
  }
  remove(it->second, FieldPath(path.begin() + 1, path.end()));
  // An intermediate node that lost its last member is gone too.
  if (it->second.empty()) set.children.erase(it);
}

std::vector<FieldPath> members(const FieldSet& set) {
  std::vector<FieldPath> out;
  FieldPath prefix;
  collect_members(set, prefix, out);
  return out;
}

std::string path_string(const FieldPath& path) {
  std::string out;
  for (const auto& e : path) {
    if (e == ".") continue;
    if (e.rfind("f:", 0) == 0) {
      out += "." + e.substr(2);
    } else if (e.rfind("k:", 0) == 0) {
      json::Value k = json::parse(e.substr(2));
      std::string inner;
      for (const auto& m : k.as_object()) {
        if (!inner.empty()) inner += ",";
        inner += m.key + "=" + json::write(m.value);
      }
      out += "[" + inner + "]";
    } else if (e.rfind("v:", 0) == 0) {
      out += "[=" + e.substr(2) + "]";
    }
  }
  return out;
}

FieldSet fields_of(const json::Value& object, FieldSetMode mode) {
  FieldSet set;
  Names names;
  WalkContext ctx{mode, object.is_object() && object.str("kind") == "CustomResourceDefinition"};
  walk(object, names, set, ctx);
  return set;
}

FieldSet changed_fields(const json::Value& before, const json::Value& after) {
  FieldSet all = fields_of(after, FieldSetMode::Update);
  FieldSet out;
  for (const auto& p : members(all)) {
    const json::Value* b = value_at(before, p);
    const json::Value* a = value_at(after, p);
    bool is_dot = p.back() == ".";
    if (!b || (!is_dot && a && !(*a == *b))) insert(out, p);
  }
  return out;
}

const json::Value* value_at(const json::Value& object, const FieldPath& path) {
  const json::Value* cur = &object;
  Names names;
  for (const auto& e : path) {
    if (e == ".") break;
    if (e.rfind("f:", 0) == 0) {
      names.push_back(e.substr(2));
      cur = cur->find(e.substr(2));
    } else {
      long i = find_item(*cur, e, names);
      cur = i < 0 ? nullptr : &cur->as_array()[static_cast<std::size_t>(i)];
    }
    if (!cur) return nullptr;
  }
  return cur;
}

void remove_at(json::Value& object, const FieldPath& path) {
  FieldPath p = path;
  if (!p.empty() && p.back() == ".") p.pop_back();
  if (p.empty()) return;
  json::Value* cur = &object;
  Names names;
  for (std::size_t n = 0; n + 1 < p.size(); ++n) {
    const auto& e = p[n];
    if (e.rfind("f:", 0) == 0) {
      names.push_back(e.substr(2));
      cur = cur->find(e.substr(2));
    } else {
      long i = find_item(*cur, e, names);
      cur = i < 0 ? nullptr : &cur->as_array()[static_cast<std::size_t>(i)];
    }
    if (!cur) return;
  }
  const auto& last = p.back();
  if (last.rfind("f:", 0) == 0) {
    cur->erase(last.substr(2));
  } else {
    long i = find_item(*cur, last, names);
    if (i >= 0) cur->as_array().erase(cur->as_array().begin() + i);
  }
}

namespace {
void merge_into(json::Value& target, const json::Value& config, Names& names) {
  if (!config.is_object() || !target.is_object() || is_atomic_object(names, config)) {
    if (config.is_array() && target.is_array() && !list_keys(names).empty()) {
      auto keys = list_keys(names);
      auto& arr = target.as_array();
      for (const auto& item : config.as_array()) {
        auto k = item.is_object() ? item_key(item, keys) : std::string{};
        auto it = std::find_if(arr.begin(), arr.end(),
                               [&](const json::Value& t) { return t.is_object() && item_key(t, keys) == k; });
        if (it == arr.end() || k.empty()) {
          arr.push_back(item);
        } else {
          merge_into(*it, item, names);
        }
      }
      return;
    }
    target = config;
    return;
  }
  for (const auto& m : config.as_object()) {
    names.push_back(m.key);
    json::Value* t = target.find(m.key);
    if (t) {
      merge_into(*t, m.value, names);
    } else {
      target[m.key] = m.value;
    }
    names.pop_back();
  }
}
}  // namespace

void apply_merge(json::Value& target, const json::Value& config) {
  Names names;
  merge_into(target, config, names);
}

}  // namespace steward::testapi
