#include "managed_fields.hpp"

#include <algorithm>

namespace steward::testapi {

std::vector<ManagerEntry> read_managed_fields(const json::Value& object) {
  std::vector<ManagerEntry> out;
  const json::Value* mf = object.at_path("metadata.managedFields");
  if (!mf || !mf->is_array()) return out;
  for (const auto& e : mf->as_array()) {
    ManagerEntry entry{e.str("manager"), e.str("operation"), e.str("apiVersion"), e.str("time"), {}};
    if (const json::Value* f = e.find("fieldsV1")) entry.fields = from_fields_v1(*f);
    out.push_back(std::move(entry));
  }
  return out;
}

void write_managed_fields(json::Value& object, std::vector<ManagerEntry> entries) {
  std::erase_if(entries, [](const ManagerEntry& e) { return e.fields.empty(); });
  std::stable_sort(entries.begin(), entries.end(), [](const ManagerEntry& a, const ManagerEntry& b) {
    if (a.operation != b.operation) return a.operation < b.operation;
    if (a.time != b.time) return a.time < b.time;
    if (a.manager != b.manager) return a.manager < b.manager;
    return a.api_version < b.api_version;
  });
  json::Value& meta = object["metadata"];
  if (entries.empty()) {
    meta.erase("managedFields");
    return;
  }
  json::Value arr = json::Value::array();
  for (const auto& e : entries) {
    json::Value j = json::Value::object();
    j["manager"] = e.manager;
    j["operation"] = e.operation;
    j["apiVersion"] = e.api_version;
    j["time"] = e.time;
    j["fieldsType"] = "FieldsV1";
    j["fieldsV1"] = to_fields_v1(e.fields);
    arr.as_array().push_back(std::move(j));
  }
  meta["managedFields"] = std::move(arr);
}

namespace {

ManagerEntry& entry_for(std::vector<ManagerEntry>& entries, const std::string& manager, const std::string& op,
                        const std::string& api_version) {
  for (auto& e : entries)
    if (e.manager == manager && e.operation == op && e.api_version == api_version) return e;
  entries.push_back(ManagerEntry{manager, op, api_version, "", {}});
  return entries.back();
}

// Drops members whose field is gone from `object`.
void prune(FieldSet& set, const json::Value& object) {
  for (const auto& p : members(set))
    if (!value_at(object, p)) remove(set, p);
}

}  // namespace

void record_update(json::Value& after, const json::Value& before, const std::string& manager,
                   const std::string& api_version, const std::string& now) {
  auto entries = read_managed_fields(before);
  FieldSet changed = changed_fields(before, after);
  auto changed_members = members(changed);
  for (auto& e : entries) {
    if (e.manager == manager && e.operation == "Update") continue;
    FieldSet old = e.fields;
    for (const auto& p : changed_members)
      if (p.back() != ".") remove(e.fields, p);
    prune(e.fields, after);
  }
  if (!changed.empty()) {
    ManagerEntry& mine = entry_for(entries, manager, "Update", api_version);
    for (const auto& p : changed_members) insert(mine.fields, p);
    mine.time = now;
  }
  // An update that only removed fields (the last finalizer) changes no one's time, but what it
  // removed leaves this manager's set too.
  for (auto& e : entries)
    if (e.manager == manager && e.operation == "Update") prune(e.fields, after);
  write_managed_fields(after, std::move(entries));
}

namespace {
std::string describe_manager(const ManagerEntry& e) {
  std::string quoted = json::write(json::Value(e.manager));
  return e.operation == "Update" ? quoted + " using " + e.api_version : quoted;
}

bool owned_by_other(const std::vector<ManagerEntry>& entries, const ManagerEntry* self, const FieldPath& p) {
  return std::any_of(entries.begin(), entries.end(),
                     [&](const ManagerEntry& e) { return &e != self && contains(e.fields, p); });
}
}  // namespace

ApplyResult server_side_apply(const json::Value& live, const json::Value& config, const std::string& manager,
                              const std::string& api_version, bool force, const std::string& now,
                              const std::function<void(json::Value&)>& normalize) {
  ApplyResult result;
  auto entries = read_managed_fields(live);
  // Keys of keyed lists use defaults (a port's protocol), so the config's set is judged normalised.
  FieldSet wanted = fields_of(config, FieldSetMode::Apply);
  auto wanted_members = members(wanted);

  ManagerEntry* mine = nullptr;
  for (auto& e : entries)
    if (e.manager == manager && e.operation == "Apply") mine = &e;

  json::Value merged = live.is_object() ? live : json::Value::object();
  // Fields this manager applied before and has now dropped are removed, unless someone else owns them.
  if (mine) {
    for (const auto& p : members(mine->fields))
      if (!contains(wanted, p) && !owned_by_other(entries, mine, p)) remove_at(merged, p);
  }
  json::Value body = config;
  if (json::Value* meta = body.find("metadata")) {
    for (const char* server_owned : {"uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
                                     "deletionTimestamp", "selfLink"})
      meta->erase(server_owned);
  }
  apply_merge(merged, body);
  normalize(merged);

  // Conflicts: a leaf another manager owns whose value this apply changes.
  std::vector<std::pair<ManagerEntry*, FieldPath>> conflicting;
  for (auto& e : entries) {
    if (&e == mine) continue;
    for (const auto& p : wanted_members) {
      if (p.back() == "." || !contains(e.fields, p)) continue;
      const json::Value* before = value_at(live, p);
      const json::Value* after = value_at(merged, p);
      if (before && after && !(*before == *after)) conflicting.emplace_back(&e, p);
    }
  }
  if (!conflicting.empty() && !force) {
    for (const auto& [e, p] : conflicting) result.conflicts.push_back({describe_manager(*e), p});
    return result;
  }
  for (const auto& [e, p] : conflicting) remove(e->fields, p);

  if (!mine) {
    entries.push_back(ManagerEntry{manager, "Apply", api_version, now, {}});
    mine = &entries.back();
  }
  std::string old_fields = json::write(to_fields_v1(mine->fields));
  mine->fields = wanted;
  if (json::write(to_fields_v1(mine->fields)) != old_fields || mine->api_version != api_version) mine->time = now;
  mine->api_version = api_version;
  for (auto& e : entries)
    if (&e != mine) prune(e.fields, merged);
  write_managed_fields(merged, std::move(entries));
  result.object = std::move(merged);
  return result;
}

}  // namespace steward::testapi
