#include "support/stdout_capture.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

namespace steward::test {

StdoutCapture::StdoutCapture() {
  std::string pattern = (std::filesystem::temp_directory_path() / "steward-stdout-XXXXXX").string();
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  file_ = pattern;
  std::cout.flush();
  std::fflush(stdout);
  saved_ = ::dup(STDOUT_FILENO);
  ::dup2(fd, STDOUT_FILENO);
  ::close(fd);
}

StdoutCapture::~StdoutCapture() {
  std::cout.flush();
  std::fflush(stdout);
  ::dup2(saved_, STDOUT_FILENO);
  ::close(saved_);
  std::cout << text();
  std::cout.flush();
  std::error_code ignored;
  std::filesystem::remove(file_, ignored);
}

std::string StdoutCapture::text() const {
  std::fflush(stdout);
  std::ifstream in(file_);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::size_t StdoutCapture::lines_with(std::initializer_list<std::string_view> parts) const {
  std::istringstream in(text());
  std::size_t count = 0;
  for (std::string line; std::getline(in, line);) {
    bool all = true;
    for (const auto part : parts) all = all && line.find(part) != std::string::npos;
    if (all) ++count;
  }
  return count;
}

}  // namespace steward::test
