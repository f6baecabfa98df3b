#include "kube/config_error.hpp"

namespace steward::kube {
namespace {

std::string format(const std::string& file, const std::string& field, const std::string& problem,
                   int line, int column) {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  if (!out.empty()) out += ": ";
  if (!field.empty()) out += field + ": ";
  return out + problem;
}

}  // namespace

ConfigError::ConfigError(std::string file, std::string field, std::string problem, int line,
                         int column)
    : std::runtime_error(format(file, field, problem, line, column)),
      file_(std::move(file)),
      field_(std::move(field)),
      problem_(std::move(problem)),
      line_(line),
      column_(column) {}

}  // namespace steward::kube
