// compare(): the fields that differ between two configs, in table order (fields.cpp), each shown as
// the file writes it and marked live or not as its entry says. Sources are matched by name.

#include <algorithm>

#include "config/field_table.hpp"

namespace steward::config {
namespace {

// The key sources are matched by; the rest of a source's fields are compared one by one.
constexpr std::string_view kSourceKey = "name";

// "{name: apps, path: \"/srv/apps\", defaultNamespace: \"default\", ...}": a source added or
// removed as a whole.
std::string show(const SourceConfig& source) {
  std::string out;
  for (const Field<SourceConfig>& field : source_fields()) {
    out += out.empty() ? "{" : ", ";
    out += std::string(field.path) + ": " +
           (field.path == kSourceKey ? source.name : show(field, source));
  }
  return out + "}";
}

template <typename Root>
void add_if_changed(std::vector<ConfigChange>& out, const std::string& path,
                    const Field<Root>& field, const Root& before, const Root& after) {
  if (same(field, before, after)) return;
  out.push_back({path, show(field, before), show(field, after), field.apply == Apply::kLive});
}

void compare_sources(const std::vector<SourceConfig>& running,
                     const std::vector<SourceConfig>& next, bool live,
                     std::vector<ConfigChange>& out) {
  const auto find = [](const std::vector<SourceConfig>& list,
                       const std::string& name) -> const SourceConfig* {
    for (const SourceConfig& s : list)
      if (s.name == name) return &s;
    return nullptr;
  };
  for (const SourceConfig& before : running) {
    const std::string path = "sources[" + before.name + "]";
    const SourceConfig* after = find(next, before.name);
    if (after == nullptr) {
      out.push_back({path, show(before), "", live});
      continue;
    }
    for (const Field<SourceConfig>& field : source_fields())
      if (field.path != kSourceKey)
        add_if_changed(out, path + "." + std::string(field.path), field, before, *after);
  }
  for (const SourceConfig& after : next)
    if (find(running, after.name) == nullptr)
      out.push_back({"sources[" + after.name + "]", "", show(after), live});
}

}  // namespace

std::string ConfigChange::to_string() const {
  return field + ": " + (before.empty() ? "(none)" : before) + " -> " +
         (after.empty() ? "(none)" : after) + (live ? " (live)" : " (restart needed)");
}

std::vector<ConfigChange> compare(const StewardConfig& running, const StewardConfig& next) {
  std::vector<ConfigChange> out;
  for (const Field<StewardConfig>& field : config_fields()) {
    if (std::holds_alternative<Constant>(field.value)) continue;
    if (const auto* list = std::get_if<SourceList<StewardConfig>>(&field.value))
      compare_sources(list->at.read(running), list->at.read(next), field.apply == Apply::kLive,
                      out);
    else
      add_if_changed(out, std::string(field.path), field, running, next);
  }
  return out;
}

bool needs_restart(const std::vector<ConfigChange>& changes) {
  return std::any_of(changes.begin(), changes.end(),
                     [](const ConfigChange& c) { return !c.live; });
}

}  // namespace steward::config
