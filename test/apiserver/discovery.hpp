// Discovery documents (/version, /api, /api/v1, /apis, /apis/{g}, /apis/{g}/{v}) built from the
// registry, so a CustomResourceDefinition's resource appears and disappears with it (26-29).
#pragma once

#include "http_types.hpp"
#include "registry.hpp"

#include <optional>
#include <string>

namespace steward::testapi {

// nullopt: not a discovery path (the caller routes it on). `server_address` is host:port for /api.
std::optional<Response> discovery(const Registry& registry, const std::string& path, const std::string& server_address);

}  // namespace steward::testapi
