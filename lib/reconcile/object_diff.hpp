#pragma once
// What would change in one object, for people: a unified diff (`diff -u`, as `kubectl diff` and
// `git diff` print it) of two objects rendered as YAML with sorted keys (desired/yaml_writer.hpp),
// so the same objects always give the same text and only changed fields show as changed lines.
//
//   --- live/apps/v1/Deployment/default/web
//   +++ desired/apps/v1/Deployment/default/web
//   @@ -12,7 +12,7 @@
//        ...three lines of context...
//   -  replicas: 2
//   +  replicas: 3
//
// Hunks follow GNU diff: `@@ -start,count +start,count @@`, the count left out when it is 1, and
// an empty side numbered from the line before it (`-0,0` for an object that is new). Changes
// closer than twice the context share a hunk. Line matching is Myers' shortest edit script, so
// moved or repeated lines do not make a diff longer than it must be.

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

namespace steward::reconcile {

// The unified diff of two texts given as lines (without their '\n'); empty when they are equal.
std::string unified_diff(const std::vector<std::string>& before,
                         const std::vector<std::string>& after, std::string_view before_label,
                         std::string_view after_label, int context = 3);

// The unified diff of two objects rendered as YAML; a null side is empty (the object is new, or
// would be removed). Empty when the renderings are equal.
std::string object_diff(const rapidjson::Value* before, const rapidjson::Value* after,
                        std::string_view before_label, std::string_view after_label,
                        int context = 3);

}  // namespace steward::reconcile
