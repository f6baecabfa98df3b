#include "config/findings.hpp"

#include <algorithm>
#include <utility>

namespace steward::config {

void Findings::error(desired::Mark mark, std::string message) {
  errors_.push_back({{file_, mark}, std::move(message)});
}

std::vector<desired::Diagnostic> Findings::take_errors() {
  std::stable_sort(errors_.begin(), errors_.end(),
                   [](const desired::Diagnostic& a, const desired::Diagnostic& b) {
                     return std::pair(a.where.mark.line, a.where.mark.column) <
                            std::pair(b.where.mark.line, b.where.mark.column);
                   });
  return std::move(errors_);
}

void Findings::written(const std::string& path, desired::Mark mark, bool with_value) {
  marks_.emplace(path, mark);
  if (with_value) with_value_.insert(path);
}

bool Findings::all_read(std::initializer_list<std::string_view> paths) const {
  return std::none_of(paths.begin(), paths.end(),
                      [&](std::string_view path) { return failed_.contains(path); });
}

desired::Mark Findings::mark_at(std::initializer_list<std::string_view> paths) const {
  for (std::string_view path : paths)
    if (auto found = marks_.find(path); found != marks_.end()) return found->second;
  return desired::Mark{1, 1};
}

}  // namespace steward::config
