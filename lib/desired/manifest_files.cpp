#include "desired/manifest_files.hpp"

#include <algorithm>
#include <set>
#include <string>

namespace steward::desired {

namespace fs = std::filesystem;

namespace {

class TreeWalk {
 public:
  explicit TreeWalk(ManifestTreeVisitor& visitor) : visitor_(visitor) {}

  void walk_root(const fs::path& dir) {
    std::error_code ec;
    root_ = fs::canonical(dir, ec);
    if (ec) return visitor_.failed(dir, ec, WalkFailure::kResolve);
    walk(dir);
  }

 private:
  void walk(const fs::path& dir) {
    std::error_code ec;
    fs::path canonical = fs::canonical(dir, ec);
    if (ec) return visitor_.failed(dir, ec, WalkFailure::kResolve);
    if (!walked_.insert(std::move(canonical)).second) return;
    visitor_.directory(dir);
    // Listed whole before any entry is looked at: the order is the paths', not the directory's.
    std::vector<fs::directory_entry> entries;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      entries.push_back(*it);
    if (ec) return visitor_.failed(dir, ec, WalkFailure::kList);
    std::sort(entries.begin(), entries.end());
    for (const fs::directory_entry& entry : entries) visit(entry);
  }

  void visit(const fs::directory_entry& entry) {
    const fs::path& path = entry.path();
    if (is_hidden_name(path.filename().string())) return;
    std::error_code ec;
    const bool link = entry.is_symlink(ec);
    if (link) visitor_.symlink(path);
    const fs::file_status status = fs::status(path, ec);  // follows symlinks
    if (ec) return visitor_.failed(path, ec, WalkFailure::kRead);
    const bool directory = fs::is_directory(status);
    if (!directory && !(fs::is_regular_file(status) && is_manifest_name(path))) return;
    if (link && escapes(path)) return;
    if (directory) {
      walk(path);
    } else {
      visitor_.manifest(path);
    }
  }

  // Whether the link `path`, which would be read, leads out of the root (reported if so). Only a
  // link can: an entry that is not one lies in a directory already inside. A link to something
  // that is never read (`README -> ../README`) is no error.
  bool escapes(const fs::path& path) {
    std::error_code ec;
    const fs::path resolved = fs::canonical(path, ec);
    if (ec) {
      visitor_.failed(path, ec, WalkFailure::kResolve);
      return true;
    }
    if (is_within(root_, resolved)) return false;
    visitor_.escapes(path, resolved);
    return true;
  }

  ManifestTreeVisitor& visitor_;
  fs::path root_;              // canonical path of the walk's root
  std::set<fs::path> walked_;  // canonical paths of the directories walked
};

// The loader's view: the files to read, each target once, and what could not be read.
class FileList : public ManifestTreeVisitor {
 public:
  ManifestFiles out;

  void manifest(const fs::path& file) override {
    std::error_code ec;
    fs::path canonical = fs::canonical(file, ec);
    if (ec) return failed(file, ec, WalkFailure::kResolve);
    if (taken_.insert(std::move(canonical)).second) out.files.push_back(file);
  }

  void failed(const fs::path& path, const std::error_code& ec, WalkFailure what) override {
    error(path, ec, what == WalkFailure::kList   ? "cannot list directory"
                    : what == WalkFailure::kRead ? "cannot read"
                                                 : "cannot resolve");
  }

  void escapes(const fs::path& entry, const fs::path& resolved) override {
    out.errors.push_back({{entry.string(), {}},
                          "symlink leads out of the source's folder (to " + resolved.string() +
                              "); steward reads only files inside a source"});
  }

  void error(const fs::path& path, const std::error_code& ec, std::string_view what) {
    out.errors.push_back({{path.string(), {}}, std::string(what) + ": " + ec.message()});
  }

 private:
  std::set<fs::path> taken_;  // canonical paths of the files taken
};

}  // namespace

bool is_manifest_name(const fs::path& path) {
  const fs::path extension = path.extension();
  return extension == ".yaml" || extension == ".yml" || extension == ".json";
}

bool is_hidden_name(std::string_view name) { return name.starts_with('.'); }

bool is_within(const fs::path& root, const fs::path& path) {
  return std::mismatch(root.begin(), root.end(), path.begin(), path.end()).first == root.end();
}

void walk_manifest_tree(const fs::path& dir, ManifestTreeVisitor& visitor) {
  TreeWalk(visitor).walk_root(dir);
}

ManifestFiles list_manifest_files(const fs::path& source) {
  FileList list;
  std::error_code ec;
  const fs::file_status status = fs::status(source, ec);
  if (ec) {
    list.error(source, ec, "cannot read source");
  } else if (fs::is_directory(status)) {
    walk_manifest_tree(source, list);
  } else if (fs::is_regular_file(status)) {
    // A source named as a file is read whatever its extension: the user chose it.
    list.out.files.push_back(source);
  } else {
    list.out.errors.push_back({{source.string(), {}}, "source is neither a file nor a directory"});
  }
  return std::move(list.out);
}

}  // namespace steward::desired
