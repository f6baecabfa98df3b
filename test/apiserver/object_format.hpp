// How objects leave the server: built-ins in Go struct order (kind, apiVersion, metadata in
// ObjectMeta's order, then the rest), custom resources with every object's keys sorted (the real
// server serialises them from maps). List items of built-ins carry no kind/apiVersion (18b).
#pragma once

#include "json.hpp"
#include "registry.hpp"

namespace steward::testapi {

enum class Framing { WithKind, ListItem };

json::Value format_object(const ResourceType& type, const json::Value& stored, Framing framing);

}  // namespace steward::testapi
