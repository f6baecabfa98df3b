#pragma once
// The StewardConfig's fields as data: one Field per field of the file, in file order, declared in
// fields.cpp and nowhere else. What used to repeat the list of fields follows from it:
//   - the parser (parser.cpp): the names a mapping may hold (an unknown one gets a "did you mean"),
//     how each value is read and checked, which fields are required;
//   - compare() (compare.cpp): which fields differ, shown as the file writes them, live or not;
//   - the field tables of docs/configuration.md and the names in fuzz/steward_config.dict
//     (field_docs.hpp), which test/config/field_docs_test.cpp holds to this table.
// A check across fields (a maximum not below its minimum) is a Rule (rules.cpp), run once every
// field of its section was read.
//
// A Field's path is as written in the file, a dot between sections:
// "cluster.circuitBreaker.openFor".
// The fields of one source are a table of their own, with paths relative to the source ("prune").

#include <climits>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "config/findings.hpp"
#include "config/show.hpp"
#include "config/steward_config.hpp"

namespace steward::config {

// Whether a running daemon takes a change to the field (manager/config_reload.hpp), or the change
// waits for a restart.
enum class Apply { kLive, kRestart };

// "" when a value is fine, else what is wrong with it, said after the field's path:
// "must be more than 0, got 0".
template <typename T>
using Check = std::function<std::string(const T&)>;

// Where a field's value is in a Root (the StewardConfig, or one SourceConfig).
template <typename Root, typename T>
struct Slot {
  std::function<T&(Root&)> get;
  std::function<const T&(const Root&)> read;
};

namespace detail {
template <typename Object, typename Member, typename... Rest>
auto& follow(Object& object, Member member, Rest... rest) {
  if constexpr (sizeof...(Rest) == 0)
    return object.*member;
  else
    return follow(object.*member, rest...);
}
}  // namespace detail

// The slot at a chain of members: at(&StewardConfig::cluster, &ClusterConfig::qps).
template <typename Root, typename First, typename... Rest>
auto at(First Root::*first, Rest... rest) {
  using T = std::remove_cvref_t<decltype(detail::follow(std::declval<Root&>(), first, rest...))>;
  return Slot<Root, T>{[=](Root& root) -> T& { return detail::follow(root, first, rest...); },
                       [=](const Root& root) -> const T& {
                         return detail::follow(root, first, rest...);
                       }};
}

// ---- what a field holds ------------------------------------------------------------------------

// true or false (YAML 1.1: yes/no/on/off too).
template <typename Root>
struct Flag {
  Slot<Root, bool> at;
};
// A whole number from `min` to `max`.
template <typename Root>
struct Integer {
  Slot<Root, int> at;
  std::int64_t min;
  std::int64_t max = INT_MAX;
};
// A finite number.
template <typename Root>
struct Number {
  Slot<Root, double> at;
  Check<double> check;
};
// A string (quoted when it could read as something else).
template <typename Root>
struct Text {
  Slot<Root, std::string> at;
  Check<std::string> check = {};
};
// A file or folder: relative ones resolve against the config file's folder; '~' is refused.
template <typename Root>
struct FilePath {
  Slot<Root, std::filesystem::path> at;
  bool may_be_empty = false;
};
// A Go duration string ("500ms", "1m30s"; base/go_duration.hpp).
template <typename Root>
struct Period {
  Slot<Root, Duration> at;
  Check<Duration> check;
};
// One of a few names: an enum whose to_string() names each value (made by choice()).
template <typename Root>
struct Choice {
  std::vector<std::string_view> names;
  std::function<std::string_view(const Root&)> get;
  std::function<void(Root&, std::string_view)> set;
};
// apiVersion and kind: required, and exactly this string; kept nowhere.
struct Constant {
  std::string_view value;
};
// `sources`: a list of mappings, each read with source_fields(), matched by name in compare().
template <typename Root>
struct SourceList {
  Slot<Root, std::vector<SourceConfig>> at;
};

// `ignore` of a source: a list of ignore rules (reconcile/ignore_rule.hpp), each a mapping of
// `paths` or `managers` and an optional `target`, checked where each is written.
template <typename Root>
struct IgnoreList {
  Slot<Root, std::vector<reconcile::IgnoreRule>> at;
};

// A list of strings, each checked where it is written when `check` is set (`dependsOn: [a, b]`).
template <typename Root>
struct TextList {
  Slot<Root, std::vector<std::string>> at;
  Check<std::string> check;
};

template <typename Root, typename Enum>
Choice<Root> choice(Slot<Root, Enum> at, std::initializer_list<Enum> values) {
  std::vector<std::string_view> names;
  for (Enum value : values) names.push_back(to_string(value));
  return {std::move(names), [at](const Root& root) { return to_string(at.read(root)); },
          [at, all = std::vector<Enum>(values)](Root& root, std::string_view name) {
            for (Enum value : all)
              if (to_string(value) == name) at.get(root) = value;
          }};
}

template <typename Root>
using Value = std::variant<Constant, Flag<Root>, Integer<Root>, Number<Root>, Text<Root>,
                           FilePath<Root>, Period<Root>, Choice<Root>, SourceList<Root>,
                           IgnoreList<Root>, TextList<Root>>;

template <typename Root>
struct Field {
  std::string_view path;
  Value<Root> value;
  Apply apply = Apply::kRestart;
  bool required = false;  // an error when left out (Constant and SourceList always are)
  // docs/configuration.md's "meaning" column.
  std::string_view doc;
  // Its "default" column, when that is not simply the default value.
  std::string_view default_doc = {};
};

// A check across the fields of one section ("leaderElection"), run once every field of it was
// read. It may fill in a default that depends on another field.
struct Rule {
  std::string_view section;
  std::function<void(StewardConfig&, Findings&)> check;
};

// The tables (fields.cpp) and the rules (rules.cpp).
std::span<const Field<StewardConfig>> config_fields();
std::span<const Field<SourceConfig>> source_fields();
std::span<const Rule> config_rules();

// ---- a field's value, whatever its kind --------------------------------------------------------

template <typename... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <typename... F>
Overloaded(F...) -> Overloaded<F...>;  // clang 14 (the fuzz build) deduces no aggregate's arguments

// The value of `field` in `root` as the file writes it ("10m", "\"default\"", "info"); "" for
// Constant and SourceList, which have no value of their own to show.
template <typename Root>
std::string show(const Field<Root>& field, const Root& root) {
  return std::visit(Overloaded{[](const Constant&) { return std::string(); },
                               [](const SourceList<Root>&) { return std::string(); },
                               [&](const Choice<Root>& c) { return std::string(c.get(root)); },
                               [&](const auto& kind) { return show(kind.at.read(root)); }},
                    field.value);
}

// Whether `field` holds the same value in `a` and `b` (by the type's ==, not by how it shows).
template <typename Root>
bool same(const Field<Root>& field, const Root& a, const Root& b) {
  return std::visit(Overloaded{[](const Constant&) { return true; },
                               [&](const Choice<Root>& c) { return c.get(a) == c.get(b); },
                               [&](const auto& kind) {
                                 return kind.at.read(a) == kind.at.read(b);
                               }},
                    field.value);
}

}  // namespace steward::config
