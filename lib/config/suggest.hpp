#pragma once
// "did you mean": the known field name an unknown one is most likely a typo of.

#include <optional>
#include <span>
#include <string_view>

namespace steward::config {

// The name in `known` closest to `unknown`, when it is close enough to be a typo of it: case, '_'
// and '-' aside (`dry_run`, `DryRun` and `dryRun` meet), at most about one edit in three letters.
// On a tie the first in `known`.
std::optional<std::string_view> closest(std::string_view unknown,
                                        std::span<const std::string_view> known);

}  // namespace steward::config
