#pragma once
// Adoption: whether steward takes over an object that exists without its marks (someone else made
// it, or made it first). Per source (`adopt` in the StewardConfig).

#include <string_view>

namespace steward::reconcile {

enum class Adopt {
  kIfNoConflict,  // the first apply is sent without force: a field another manager owns with a
                  // different value is a conflict (409), and the object is left to its owner
  kAlways,        // forced, taking every field the manifest sets from whoever owned it
  kNever,         // never: an existing object without steward's marks is a permanent error
};

constexpr std::string_view to_string(Adopt adopt) {
  switch (adopt) {
    case Adopt::kIfNoConflict: return "IfNoConflict";
    case Adopt::kAlways: return "Always";
    case Adopt::kNever: return "Never";
  }
  return "IfNoConflict";
}

}  // namespace steward::reconcile
