#pragma once
// Findings: what reading a config file found so far. The errors, each at its place, and where each
// mapping and field that was written is, by path ("leaderElection.renewDeadline"), so that a check
// across fields (rules.cpp) can report at the field that was written and stay quiet about fields
// that already have an error of their own: one mistake is reported once.

#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "desired/location.hpp"

namespace steward::config {

class Findings {
 public:
  explicit Findings(std::string file) : file_(std::move(file)) {}

  void error(desired::Mark mark, std::string message);
  std::size_t error_count() const { return errors_.size(); }
  // The errors in file order (line, then column; errors at one place in the order found).
  std::vector<desired::Diagnostic> take_errors();

  // `path` was written at `mark`; `with_value` false when it was written empty (null). The first
  // mark given for a path stays.
  void written(const std::string& path, desired::Mark mark, bool with_value);
  // `path` had an error of its own.
  void failed(std::string path) { failed_.insert(std::move(path)); }

  // Whether `path` was written with a value (not left out, not null).
  bool has_value(std::string_view path) const { return with_value_.contains(path); }
  // True when none of `paths` had an error of its own.
  bool all_read(std::initializer_list<std::string_view> paths) const;
  // Where the first of `paths` that was written is; the top of the file when none was.
  desired::Mark mark_at(std::initializer_list<std::string_view> paths) const;

 private:
  const std::string file_;
  std::vector<desired::Diagnostic> errors_;
  std::map<std::string, desired::Mark, std::less<>> marks_;
  std::set<std::string, std::less<>> with_value_;
  std::set<std::string, std::less<>> failed_;
};

}  // namespace steward::config
