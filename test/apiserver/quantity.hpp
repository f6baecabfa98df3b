// resource.Quantity canonicalisation as the real server stores it: "0.5" -> "500m", "1000m" -> "1",
// "1024Mi" -> "1Gi", "1536Mi" stays. The value is kept exactly in nano-units (the smallest scale
// Kubernetes keeps; finer digits round up, as apimachinery does).
#pragma once

#include <optional>
#include <string>

namespace steward::testapi {

// nullopt when `text` is not a quantity (the caller answers 422 like the real server's decoder would).
std::optional<std::string> canonical_quantity(const std::string& text);

}  // namespace steward::testapi
