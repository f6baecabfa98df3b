// metadata.managedFields: who owns which fields, and server-side apply's merge and conflict rules.
//
// Update operations (create, PUT, merge patch) take ownership of what they changed without conflicts;
// Apply takes ownership of exactly the fields in its configuration, and answers conflicts when
// another manager owns one of them with a different value, unless forced.
#pragma once

#include "field_set.hpp"
#include "json.hpp"

#include <functional>
#include <string>
#include <vector>

namespace steward::testapi {

struct ManagerEntry {
  std::string manager;
  std::string operation;  // "Apply" or "Update"
  std::string api_version;
  std::string time;
  FieldSet fields;
};

std::vector<ManagerEntry> read_managed_fields(const json::Value& object);
// Sorts as the real server does (operation, time, manager, apiVersion), drops empty entries, and
// writes metadata.managedFields (removing it when there is none).
void write_managed_fields(json::Value& object, std::vector<ManagerEntry> entries);

// An Update by `manager`: it owns what changed from `before` (null object for a create) to `after`;
// others lose those fields. Fields no longer present leave every set.
void record_update(json::Value& after, const json::Value& before, const std::string& manager,
                   const std::string& api_version, const std::string& now);

struct ApplyConflict {
  std::string manager;  // as printed: "\"kubectl-edit\" using apps/v1"
  FieldPath path;
};

struct ApplyResult {
  json::Value object;
  std::vector<ApplyConflict> conflicts;  // non-empty only when not forced
};

// Server-side apply of `config` onto `live` (an empty object when absent). `normalize` fills
// defaults and canonical values on the merged object before conflicts are judged.
ApplyResult server_side_apply(const json::Value& live, const json::Value& config, const std::string& manager,
                              const std::string& api_version, bool force, const std::string& now,
                              const std::function<void(json::Value&)>& normalize);

}  // namespace steward::testapi
