#include "desired/location.hpp"

namespace steward::desired {

std::string Location::to_string() const {
  if (mark.line <= 0) return file;
  return file + ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column);
}

std::string Diagnostic::to_string() const { return where.to_string() + ": " + message; }

}  // namespace steward::desired
