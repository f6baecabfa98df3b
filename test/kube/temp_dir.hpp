#pragma once
// A private temporary folder for one test, removed with everything in it when the test ends.

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace steward::test {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "steward-kube-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  const std::filesystem::path& path() const { return path_; }

  // Writes `content` to `relative` (creating folders) and returns the full path.
  std::filesystem::path write(const std::filesystem::path& relative, std::string_view content,
                              bool executable = false) const {
    const auto full = path_ / relative;
    std::filesystem::create_directories(full.parent_path());
    {
      std::ofstream out(full, std::ios::binary | std::ios::trunc);
      out << content;
    }
    if (executable) ::chmod(full.c_str(), 0755);
    return full;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace steward::test
