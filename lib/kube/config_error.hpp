#pragma once
// ConfigError: why a client configuration (kubeconfig, in-cluster files) could not be loaded.
//
// Configuration is read once at startup and a bad one ends the process, so this is an exception
// (steward throws only for startup failures and programming errors). The message is written for
// whoever has to fix the file, `<file>[:<line>:<column>]: <field path>: <problem>`, for example
//   /home/u/.kube/config:12:5: users[0].user.client-key-data: not valid base64
// Positions are 1-based, as editors show them; they are absent when yaml-cpp gives none.

#include <stdexcept>
#include <string>

namespace steward::kube {

class ConfigError : public std::runtime_error {
 public:
  // `line`/`column` are 1-based; 0 means unknown. `file` and `field` may be empty.
  ConfigError(std::string file, std::string field, std::string problem, int line = 0,
              int column = 0);

  const std::string& file() const { return file_; }
  const std::string& field() const { return field_; }
  const std::string& problem() const { return problem_; }
  int line() const { return line_; }
  int column() const { return column_; }

 private:
  std::string file_;
  std::string field_;
  std::string problem_;
  int line_;
  int column_;
};

}  // namespace steward::kube
