#pragma once
// Where something in a manifest is, and an error found there. Every error steward reports about a
// manifest names its place as `path:line:column: message` (compiler style, so editors and CI
// annotate the line).

#include <string>

namespace steward::desired {

// 1-based line and column; 0 when the place is not known (e.g. an unreadable file).
struct Mark {
  int line = 0;
  int column = 0;
  bool operator==(const Mark&) const = default;
};

struct Location {
  std::string file;
  Mark mark;
  // "path:line:column", or "path" when the line is unknown.
  std::string to_string() const;
  bool operator==(const Location&) const = default;
};

struct Diagnostic {
  Location where;
  std::string message;
  // "path:line:column: message".
  std::string to_string() const;
};

}  // namespace steward::desired
