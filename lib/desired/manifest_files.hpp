#pragma once
// Which files make up a source: the file itself, or every `*.yaml`, `*.yml` and `*.json` below a
// directory, recursively, in path order (so loads, errors and apply order are reproducible).
//
// Names starting with '.' are skipped: editors' swap and temp files (`.web.yaml.swp`), and the
// machinery of a Kubernetes ConfigMap/Secret volume, which looks like
//     web.yaml -> ..data/web.yaml
//     ..data -> ..2024_05_01_10_00_00.123456789      (swapped atomically on update)
//     ..2024_05_01_10_00_00.123456789/web.yaml       (the real file)
// Skipping the dot-names and following the visible symlinks reads each file once, under the name
// the user wrote. Symlinks are followed, and a file or directory reached twice (two links to one
// target, or a cycle) is read once, under the first name in path order.

#include <filesystem>
#include <vector>

#include "desired/location.hpp"

namespace steward::desired {

struct ManifestFiles {
  std::vector<std::filesystem::path> files;  // as reached through the source path
  std::vector<Diagnostic> errors;            // unreadable directories, broken links, a missing source
};

ManifestFiles list_manifest_files(const std::filesystem::path& source);

// True for the extensions a directory source reads.
bool is_manifest_name(const std::filesystem::path& path);

}  // namespace steward::desired
