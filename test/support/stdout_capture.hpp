#pragma once
// StdoutCapture: what the process writes to stdout while it lives (steward's log lines, when the
// loop runs in the test's process), for a test to search. When it ends, stdout is restored and
// everything captured is written to it, so the test's output still shows the logs, and any
// assertion message Catch printed meanwhile, in order.

#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>

namespace steward::test {

class StdoutCapture {
 public:
  StdoutCapture();
  ~StdoutCapture();
  StdoutCapture(const StdoutCapture&) = delete;
  StdoutCapture& operator=(const StdoutCapture&) = delete;

  // Everything written so far.
  std::string text() const;
  // The lines written so far that contain every one of `parts`.
  std::size_t lines_with(std::initializer_list<std::string_view> parts) const;

 private:
  std::filesystem::path file_;
  int saved_ = -1;  // the real stdout
};

}  // namespace steward::test
