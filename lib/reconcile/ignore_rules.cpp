#include "reconcile/ignore_rules.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <set>

#include "desired/apply_body.hpp"
#include "desired/desired_object.hpp"
#include "desired/sha256.hpp"
#include "kube/frozen_object.hpp"
#include "kube/resource.hpp"
#include "reconcile/managed_fields.hpp"
#include "reconcile/ownership.hpp"

namespace steward::reconcile {
namespace {

using rapidjson::Value;
using Tokens = std::vector<std::string>;

Value name_of(std::string_view text) {
  return Value(rapidjson::StringRef(text.data(), static_cast<rapidjson::SizeType>(text.size())));
}

const Value* member(const Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  const auto found = object.FindMember(name_of(name));
  return found == object.MemberEnd() ? nullptr : &found->value;
}

// The value at `tokens` through maps only; null when absent or when the way crosses a list.
const Value* at_tokens(const Value& root, const Tokens& tokens) {
  const Value* node = &root;
  for (const std::string& token : tokens) {
    node = member(*node, token);
    if (node == nullptr) return nullptr;
  }
  return node;
}

std::string to_pointer(const Tokens& tokens) {
  std::string out;
  for (const std::string& token : tokens) {
    out += '/';
    for (char c : token) {
      if (c == '~') out += "~0";
      else if (c == '/') out += "~1";
      else out += c;
    }
  }
  return out;
}

// The fields under `node` (at `path`): a map's leaves, recursively; a list, a scalar or an
// empty map is one field.
void leaves(const Value& node, Tokens& path, std::vector<Tokens>& out) {
  if (!node.IsObject() || node.ObjectEmpty()) {
    out.push_back(path);
    return;
  }
  for (const auto& m : node.GetObject()) {
    path.emplace_back(m.name.GetString(), m.name.GetStringLength());
    leaves(m.value, path, out);
    path.pop_back();
  }
}

// Fields that say which object this is, or that steward's own marks are: never ignored.
bool never_ignored(const Tokens& field) {
  if (field.empty()) return true;
  const std::string& first = field.front();
  if (first == "apiVersion" || first == "kind" || first == "status") return true;
  if (first != "metadata" || field.size() < 2) return false;
  if (field[1] == "name" || field[1] == "namespace") return true;
  if ((field[1] == "labels" || field[1] == "annotations") && field.size() >= 3) {
    const std::string& key = field[2];
    return key.starts_with("steward.dev/") || key == desired::kManagedByLabel ||
           key == desired::kPartOfLabel;
  }
  return false;
}

// Whether an entry owns `field`. A list counts only when owned whole (an atomic list), since
// items of a keyed list may be anyone's.
bool owns(const ManagedEntry& entry, const Tokens& field, bool is_list) {
  const Value* node = entry.fields;
  for (const std::string& token : field) node = field_node(node, token);
  if (node == nullptr) return false;
  return !is_list || !node->IsObject() || owns_whole_list(node);
}

std::string rule_label(std::size_t index, const IgnoreRule& rule) {
  std::string out = "ignore[" + std::to_string(index) + "] (";
  const bool paths = !rule.paths.empty();
  out += paths ? "paths " : "managers ";
  const auto& list = paths ? rule.paths : rule.managers;
  for (std::size_t i = 0; i < list.size(); ++i) out += (i ? "," : "") + list[i];
  return out + ")";
}

// Removes the member at `field` under `node`, and maps the removal leaves empty.
void remove_at(Value& node, const Tokens& field, std::size_t i) {
  if (!node.IsObject()) return;
  if (i + 1 == field.size()) {
    node.RemoveMember(name_of(field[i]));
    return;
  }
  const auto child = node.FindMember(name_of(field[i]));
  if (child == node.MemberEnd() || !child->value.IsObject()) return;
  remove_at(child->value, field, i + 1);
  if (child->value.ObjectEmpty()) node.RemoveMember(child);
}

void set_at(rapidjson::Document& doc, const Tokens& field, const Value& value) {
  Value* node = &doc;
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (!node->IsObject()) return;
    auto found = node->FindMember(name_of(field[i]));
    if (found == node->MemberEnd()) {
      node->AddMember(Value(field[i].c_str(), doc.GetAllocator()), Value(rapidjson::kObjectType),
                      doc.GetAllocator());
      found = node->FindMember(name_of(field[i]));
    }
    node = &found->value;
  }
  node->CopyFrom(value, doc.GetAllocator());
}

void set_annotation(kube::Object& doc, std::string_view name, const std::string& value) {
  auto& allocator = doc.GetAllocator();
  if (!doc.HasMember("metadata")) doc.AddMember("metadata", Value(rapidjson::kObjectType), allocator);
  Value& metadata = doc["metadata"];
  if (!metadata.HasMember("annotations")) {
    metadata.AddMember("annotations", Value(rapidjson::kObjectType), allocator);
  }
  Value& annotations = metadata["annotations"];
  annotations.RemoveMember(name_of(name));
  annotations.AddMember(Value(name.data(), static_cast<rapidjson::SizeType>(name.size()), allocator),
                        Value(value.c_str(), static_cast<rapidjson::SizeType>(value.size()),
                              allocator),
                        allocator);
}

bool labels_match(const std::vector<LabelRequirement>& requirements, const Value& object) {
  const Value* metadata = member(object, "metadata");
  const Value* labels = metadata ? member(*metadata, "labels") : nullptr;
  for (const LabelRequirement& req : requirements) {
    const Value* value = labels ? member(*labels, req.key) : nullptr;
    const bool has = value != nullptr && value->IsString();
    const std::string_view text = has ? std::string_view(value->GetString(), value->GetStringLength())
                                      : std::string_view();
    switch (req.op) {
      case LabelRequirement::Op::kEquals:
        if (!has || text != req.value) return false;
        break;
      case LabelRequirement::Op::kNotEquals:
        if (has && text == req.value) return false;
        break;
      case LabelRequirement::Op::kExists:
        if (!has) return false;
        break;
      case LabelRequirement::Op::kNotExists:
        if (has) return false;
        break;
    }
  }
  return true;
}

struct Candidate {
  Tokens field;
  std::string rule;
};

// The manifest's fields that the targeted rules ignore, each once (the first rule that names it).
std::vector<Candidate> ignored_fields(const Value& body, const std::vector<ManagedEntry>& entries,
                                      std::span<const IgnoreRule> rules,
                                      std::string_view field_manager) {
  std::vector<Candidate> out;
  std::set<Tokens> seen;
  const auto add = [&](const Tokens& field, const std::string& rule) {
    if (!never_ignored(field) && seen.insert(field).second) out.push_back({field, rule});
  };
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const IgnoreRule& rule = rules[i];
    if (!targets(rule.target, body)) continue;
    const std::string label = rule_label(i, rule);
    for (const std::string& pointer : rule.paths) {
      ParsedPointer parsed = parse_json_pointer(pointer);
      if (!parsed.error.empty()) continue;  // refused by the config parser already
      const Value* node = at_tokens(body, parsed.tokens);
      if (node == nullptr) continue;
      std::vector<Tokens> found;
      leaves(*node, parsed.tokens, found);
      for (const Tokens& field : found) add(field, label);
    }
    if (rule.managers.empty()) continue;
    std::vector<Tokens> all;
    Tokens root;
    leaves(body, root, all);
    for (const Tokens& field : all) {
      const bool is_list = at_tokens(body, field)->IsArray();
      const bool theirs = std::any_of(entries.begin(), entries.end(), [&](const ManagedEntry& e) {
        if (e.manager == field_manager) return false;
        if (e.operation != "Update" && e.operation != "Apply") return false;
        const bool listed =
            std::find(rule.managers.begin(), rule.managers.end(), e.manager) != rule.managers.end();
        return listed && owns(e, field, is_list);
      });
      if (theirs) add(field, label);
    }
  }
  return out;
}

// The fields whose digests the body records: every field a paths rule names and, when a managers
// rule targets the object, every field of the manifest. A listed manager may take any of them
// after steward's last write, and a manifest change of such a field must still be told from no
// change then; the record is written only with steward's own writes, so it has to hold the field
// before anyone takes it. Past kMaxRecordBytes only the ignored fields themselves are recorded.
constexpr std::size_t kMaxRecordBytes = 64 * 1024;

std::map<std::string, std::string> digest_record(const Value& body,
                                                 std::span<const IgnoreRule> rules,
                                                 const std::vector<Candidate>& candidates) {
  std::map<std::string, std::string> out;
  out.emplace(std::string(kRulesKey), rules_digest(rules, body));
  std::size_t bytes = 0;  // of the pointers added, each with its digest and quotes: ~20 more
  const auto add = [&](const Tokens& field) {
    if (never_ignored(field)) return;
    std::string pointer = to_pointer(field);
    if (out.contains(pointer)) return;
    bytes += pointer.size() + 20;
    out.emplace(std::move(pointer), ignored_digest(*at_tokens(body, field)));
  };
  for (const Candidate& candidate : candidates) add(candidate.field);
  const bool managers = std::any_of(rules.begin(), rules.end(), [&](const IgnoreRule& r) {
    return !r.managers.empty() && targets(r.target, body);
  });
  if (!managers) return out;
  const std::map<std::string, std::string> only_candidates = out;
  std::vector<Tokens> all;
  Tokens root;
  leaves(body, root, all);
  for (const Tokens& field : all) {
    add(field);
    if (bytes > kMaxRecordBytes) return only_candidates;
  }
  return out;
}

Treatment treatment_of(const Tokens& field, const std::string& pointer,
                       const std::string& digest_now, const Value& manifest_value,
                       const Value& live, const std::vector<ManagedEntry>& entries,
                       const std::map<std::string, std::string>& recorded, bool manifest_changed,
                       bool same_rules, std::string_view field_manager) {
  if (manifest_changed) {
    // The desired-hash says the manifest changed since steward's last write; the record says
    // whether this field did. One the record does not hold, written under the same rules, is new
    // to the manifest: the manifest's value, as without the rule. Under other rules (or none)
    // nothing tells, and ownership decides below, which never resets a field.
    const auto digest = recorded.find(pointer);
    if (digest != recorded.end() ? digest->second != digest_now : same_rules) {
      return Treatment::kManifest;
    }
  }
  const Value* live_value = at_tokens(live, field);
  const bool is_list = manifest_value.IsArray();
  const bool known = std::any_of(entries.begin(), entries.end(),
                                 [](const ManagedEntry& e) { return e.fields != nullptr; });
  if (!known) return live_value ? Treatment::kLive : Treatment::kOmit;
  bool mine = false;
  bool others = false;
  for (const ManagedEntry& e : entries) {
    if (!owns(e, field, is_list)) continue;
    if (e.manager == field_manager && e.operation == "Apply") {
      mine = true;
    } else {
      others = true;
    }
  }
  if (mine && !others) return live_value ? Treatment::kLive : Treatment::kManifest;
  return Treatment::kOmit;
}

}  // namespace

std::string_view to_string(Treatment treatment) {
  switch (treatment) {
    case Treatment::kManifest: return "manifest";
    case Treatment::kOmit: return "omitted";
    case Treatment::kLive: return "live";
  }
  return "manifest";
}

bool targets(const IgnoreTarget& target, const Value& object) {
  const auto [group, version] = kube::split_api_version(kube::string_at(object, {"apiVersion"}));
  if (!target.group.empty() && target.group != group) return false;
  if (!target.version.empty() && target.version != version) return false;
  if (!target.kind.empty() && target.kind != kube::string_at(object, {"kind"})) return false;
  if (!target.ns.empty() && target.ns != kube::string_at(object, {"metadata", "namespace"})) {
    return false;
  }
  if (!target.name.empty() && target.name != kube::string_at(object, {"metadata", "name"})) {
    return false;
  }
  if (!target.label_selector.empty()) {
    const auto requirements = parse_label_selector(target.label_selector);
    if (!requirements || !labels_match(*requirements, object)) return false;
  }
  return true;
}

std::string ignored_digest(const Value& value) {
  return desired::to_hex(desired::sha256(desired::canonical_json(value)), 6);
}

std::string rules_digest(std::span<const IgnoreRule> rules, const Value& object) {
  std::string text;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (targets(rules[i].target, object)) text += rule_label(i, rules[i]) + '\n';
  }
  return desired::to_hex(desired::sha256(text), 6);
}

std::map<std::string, std::string> recorded_digests(const Value& live) {
  std::map<std::string, std::string> out;
  const std::string_view text =
      kube::string_at(live, {"metadata", "annotations", kIgnoredDigestsAnnotation});
  if (text.empty()) return out;
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) return out;
  for (const auto& m : doc.GetObject()) {
    if (m.value.IsString()) out.emplace(m.name.GetString(), m.value.GetString());
  }
  return out;
}

IgnoreAdjustment adjust_for_ignore_rules(const Value& body, const Value* live,
                                         std::span<const IgnoreRule> rules,
                                         std::string_view field_manager) {
  IgnoreAdjustment out;
  const bool targeted = std::any_of(rules.begin(), rules.end(),
                                    [&](const IgnoreRule& r) { return targets(r.target, body); });
  if (!targeted) return out;
  const std::vector<ManagedEntry> entries =
      live ? managed_entries(*live) : std::vector<ManagedEntry>();
  const std::map<std::string, std::string> recorded =
      live ? recorded_digests(*live) : std::map<std::string, std::string>();

  const bool manifest_changed = live && applied_hash(*live) != applied_hash(body);

  auto adjusted = kube::copy_object(body, 1024);
  const std::vector<Candidate> candidates = ignored_fields(body, entries, rules, field_manager);
  const std::map<std::string, std::string> digests = digest_record(body, rules, candidates);
  out.record_stale = live && recorded != digests;
  const auto rules_then = recorded.find(std::string(kRulesKey));
  const bool same_rules =
      rules_then != recorded.end() && rules_then->second == digests.at(std::string(kRulesKey));
  for (const Candidate& candidate : candidates) {
    const Value& manifest_value = *at_tokens(body, candidate.field);
    IgnoredField field{
        .pointer = to_pointer(candidate.field), .tokens = candidate.field, .rule = candidate.rule};
    if (live) {
      field.treatment =
          treatment_of(candidate.field, field.pointer, digests.at(field.pointer), manifest_value,
                       *live, entries, recorded, manifest_changed, same_rules, field_manager);
    }
    const Value* live_value = live ? at_tokens(*live, candidate.field) : nullptr;
    field.kept_from_write = field.treatment != Treatment::kManifest &&
                            (live_value == nullptr || !(*live_value == manifest_value));
    if (field.treatment == Treatment::kOmit) remove_at(*adjusted, candidate.field, 0);
    if (field.treatment == Treatment::kLive) set_at(*adjusted, candidate.field, *live_value);
    out.fields.push_back(std::move(field));
  }
  rapidjson::Document record(rapidjson::kObjectType);
  for (const auto& [pointer, digest] : digests) {
    record.AddMember(Value(pointer.c_str(), record.GetAllocator()),
                     Value(digest.c_str(), record.GetAllocator()), record.GetAllocator());
  }
  set_annotation(*adjusted, kIgnoredDigestsAnnotation, kube::to_json(record));
  out.body = std::move(adjusted);
  return out;
}

rapidjson::Value IgnoreAdjustment::drift_reference(
    const Value& reference, rapidjson::Document::AllocatorType& allocator) const {
  Value out(reference, allocator);
  for (const IgnoredField& field : fields) {
    if (field.treatment == Treatment::kManifest) continue;
    const Tokens& tokens = field.tokens;
    if (tokens.empty()) continue;
    // Maps only: leave emptied maps in place (an empty desired map is a subset of any map).
    Value* node = &out;
    for (std::size_t i = 0; node != nullptr && i + 1 < tokens.size(); ++i) {
      if (!node->IsObject()) {
        node = nullptr;
        break;
      }
      const auto found = node->FindMember(name_of(tokens[i]));
      node = found != node->MemberEnd() ? &found->value : nullptr;
    }
    if (node != nullptr && node->IsObject()) node->RemoveMember(name_of(tokens.back()));
  }
  return out;
}

kube::ObjectPtr with_manifest_values(const Value& projection, const Value& body,
                                     std::span<const IgnoredField> fields) {
  rapidjson::Document out;
  out.CopyFrom(projection, out.GetAllocator());
  for (const IgnoredField& field : fields) {
    if (field.treatment == Treatment::kManifest) continue;
    if (const Value* manifest = at_tokens(body, field.tokens)) set_at(out, field.tokens, *manifest);
  }
  return kube::freeze(out);
}

std::string IgnoreAdjustment::describe_kept() const {
  std::string out;
  for (const IgnoredField& field : fields) {
    if (!field.kept_from_write) continue;
    out += (out.empty() ? "" : "; ") + field.pointer + " by " + field.rule;
  }
  return out;
}

}  // namespace steward::reconcile
