// Strategic merge patch (application/strategic-merge-patch+json), what kubectl patch/edit and
// client-side apply send for built-in kinds: a JSON merge patch, except that keyed lists
// (containers by name, ports, env, ...; see field_set.hpp) merge item by item, `$patch: delete`
// removes an item, `$patch: replace` replaces an object, and `$deleteFromPrimitiveList/<field>`
// removes values. `$setElementOrder` and `$retainKeys` are accepted and ignored.
#pragma once

#include "json.hpp"

namespace steward::testapi {

// Throws ApiError (400) on a patch that is not an object.
void strategic_merge_patch(json::Value& target, const json::Value& patch);

}  // namespace steward::testapi
