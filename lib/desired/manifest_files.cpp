#include "desired/manifest_files.hpp"

#include <algorithm>
#include <set>
#include <system_error>

namespace steward::desired {

namespace fs = std::filesystem;

namespace {

struct Walker {
  ManifestFiles out;
  std::set<fs::path> seen;  // canonical paths of directories walked and files taken

  void error(const fs::path& path, const std::error_code& ec, std::string_view what) {
    out.errors.push_back({{path.string(), {}}, std::string(what) + ": " + ec.message()});
  }

  void walk(const fs::path& dir) {
    std::error_code ec;
    std::vector<fs::path> entries;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      entries.push_back(it->path());
    if (ec) return error(dir, ec, "cannot list directory");
    std::sort(entries.begin(), entries.end());
    for (const fs::path& entry : entries) {
      if (entry.filename().string().starts_with('.')) continue;
      const fs::file_status status = fs::status(entry, ec);  // follows symlinks
      if (ec) {
        error(entry, ec, "cannot read");
        continue;
      }
      if (fs::is_directory(status)) {
        if (take(entry)) walk(entry);
      } else if (fs::is_regular_file(status) && is_manifest_name(entry)) {
        if (take(entry)) out.files.push_back(entry);
      }
    }
  }

  // False if the canonical target was already taken.
  bool take(const fs::path& path) {
    std::error_code ec;
    fs::path canonical = fs::canonical(path, ec);
    if (ec) {
      error(path, ec, "cannot resolve");
      return false;
    }
    return seen.insert(std::move(canonical)).second;
  }
};

}  // namespace

bool is_manifest_name(const fs::path& path) {
  const fs::path extension = path.extension();
  return extension == ".yaml" || extension == ".yml" || extension == ".json";
}

ManifestFiles list_manifest_files(const fs::path& source) {
  Walker walker;
  std::error_code ec;
  const fs::file_status status = fs::status(source, ec);
  if (ec) {
    walker.error(source, ec, "cannot read source");
  } else if (fs::is_directory(status)) {
    if (walker.take(source)) walker.walk(source);
  } else if (fs::is_regular_file(status)) {
    // A source named as a file is read whatever its extension: the user chose it.
    walker.out.files.push_back(source);
  } else {
    walker.out.errors.push_back({{source.string(), {}}, "source is neither a file nor a directory"});
  }
  return std::move(walker.out);
}

}  // namespace steward::desired
