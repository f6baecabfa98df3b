#pragma once
// Writing manifest files as editors and ConfigMap volumes do: whole, by rename.

#include <filesystem>
#include <fstream>
#include <string>

namespace steward::test {

// Writes `text` to `path` (creating its folder) through a temporary file renamed over it, so a
// watcher never reads half a file.
inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  const std::filesystem::path temp = path.string() + ".tmp";
  std::ofstream(temp) << text;
  std::filesystem::rename(temp, path);
}

}  // namespace steward::test
