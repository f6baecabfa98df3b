#pragma once
// The scope of the common built-in kinds, known without asking the API server.
//
// `steward validate` runs offline, so it has no discovery to tell it whether a kind is namespaced;
// the daemon falls back to this table for a kind discovery has not listed yet. The scope of a
// built-in kind never changes between versions, so only the group and kind are looked at
// (apps/v1 and apps/v1beta2 Deployments are both namespaced). A kind of the same name in another
// group (a CRD's `Role` in iam.example.com) is not matched: its scope is unknown, nullopt.

#include <optional>
#include <string_view>

namespace steward::desired {

// true: namespaced, false: cluster-scoped, nullopt: not a kind in the table. Has the signature
// of a ScopeFunc (manifest_loader.hpp), so `options.is_namespaced = builtin_is_namespaced;`.
std::optional<bool> builtin_is_namespaced(std::string_view api_version, std::string_view kind);

}  // namespace steward::desired
