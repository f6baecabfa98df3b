#include "desired/manifest_loader.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <thread>

#include "desired/manifest_files.hpp"
#include "desired/object_rules.hpp"
#include "kube/frozen_object.hpp"
#include "kube/resource.hpp"

namespace steward::desired {

namespace {

// Validates and keys the objects of one converted document.
class DocumentLoader {
 public:
  DocumentLoader(const JsonDocument& doc, const std::string& file, const SourceSpec& spec,
                 const LoaderOptions& options, SourceLoad& load)
      : doc_(doc), file_(file), spec_(spec), options_(options), load_(load) {}

  void run() { load_value(*doc_.json, ""); }

 private:
  void error(std::string_view pointer, std::string message) {
    load_.errors.push_back({{file_, doc_.at(pointer)}, std::move(message)});
  }

  static bool is_list(const rapidjson::Value& value) {
    return kube::string_at(value, {"kind"}).ends_with("List") && value.HasMember("items");
  }

  // What a JSON value is, in YAML's words, for messages.
  static std::string_view type_name(const rapidjson::Value& value) {
    if (value.IsNull()) return "null";
    if (value.IsBool()) return "a boolean";
    if (value.IsNumber()) return "a number";
    if (value.IsString()) return "a string";
    if (value.IsArray()) return "a list";
    return "a mapping";
  }

  void load_value(const rapidjson::Value& value, const std::string& pointer) {
    if (!value.IsObject()) return error(pointer, "a manifest must be a mapping (an object)");
    if (is_list(value)) {
      const auto& items = value["items"];
      if (!items.IsArray()) {
        const std::string kind(kube::string_at(value, {"kind"}));
        return error(pointer + "/items", "items of a " + kind + " must be a list, not " +
                                             std::string(type_name(items)));
      }
      for (rapidjson::SizeType i = 0; i < items.Size(); ++i)
        load_value(items[i], pointer + "/items/" + std::to_string(i));
      return;
    }
    load_object(value, pointer);
  }

  // metadata.labels or metadata.annotations, when written: a mapping of strings. `what` is
  // "label" or "annotation".
  void check_string_map(const rapidjson::Value& metadata, const std::string& metadata_pointer,
                        const char* field, std::string_view what) {
    auto member = metadata.FindMember(field);
    if (member == metadata.MemberEnd() || member->value.IsNull()) return;
    const std::string pointer = metadata_pointer + "/" + field;
    if (!member->value.IsObject())
      return error(pointer, "metadata." + std::string(field) + " must be a mapping, not " +
                                std::string(type_name(member->value)));
    for (const auto& entry : member->value.GetObject()) {
      if (entry.value.IsString()) continue;
      const std::string_view key(entry.name.GetString(), entry.name.GetStringLength());
      const bool scalar = entry.value.IsNumber() || entry.value.IsBool();
      error(pointer + "/" + json_pointer_token(key),
            std::string(what) + " \"" + std::string(key) + "\" must be a string, not " +
                std::string(type_name(entry.value)) + (scalar ? " (quote it)" : ""));
    }
  }

  // steward.dev/* opt-out annotations (opt_outs.hpp) with a value steward does not know: an error
  // at the annotation, so a typo never silently applies what the manifest meant to keep.
  void check_opt_outs(const rapidjson::Value& metadata, const std::string& metadata_pointer) {
    const auto annotations = metadata.FindMember("annotations");
    if (annotations == metadata.MemberEnd()) return;
    const ReadOptOuts read = read_opt_outs(&annotations->value);
    if (!read.error) return;
    error(metadata_pointer + "/annotations/" + json_pointer_token(read.error->annotation),
          read.error->message);
  }

  // A required, non-empty string member of `object` at `parent`/`name`; nullopt (with an error)
  // when missing.
  std::optional<std::string> required_string(const rapidjson::Value& object,
                                              const std::string& parent, const char* name,
                                              const std::string& shown) {
    auto member = object.FindMember(name);
    if (member == object.MemberEnd() || member->value.IsNull()) {
      error(parent, shown + " is required");
      return std::nullopt;
    }
    if (!member->value.IsString() || member->value.GetStringLength() == 0) {
      error(parent + "/" + name, shown + " must be a non-empty string");
      return std::nullopt;
    }
    return std::string(member->value.GetString(), member->value.GetStringLength());
  }

  void load_object(const rapidjson::Value& value, const std::string& pointer) {
    const std::size_t errors_before = load_.errors.size();
    const auto api_version = required_string(value, pointer, "apiVersion", "apiVersion");
    const auto kind = required_string(value, pointer, "kind", "kind");
    auto metadata = value.FindMember("metadata");
    if (metadata == value.MemberEnd() || metadata->value.IsNull()) {
      error(pointer, "metadata is required");
      return;
    }
    const std::string metadata_pointer = pointer + "/metadata";
    if (!metadata->value.IsObject()) return error(metadata_pointer, "metadata must be a mapping");
    const auto name = required_string(metadata->value, metadata_pointer, "name", "metadata.name");
    std::string ns;
    auto ns_member = metadata->value.FindMember("namespace");
    const bool has_namespace = ns_member != metadata->value.MemberEnd();
    if (has_namespace && !ns_member->value.IsNull()) {
      if (!ns_member->value.IsString())
        return error(metadata_pointer + "/namespace", "metadata.namespace must be a string");
      ns.assign(ns_member->value.GetString(), ns_member->value.GetStringLength());
    }
    check_string_map(metadata->value, metadata_pointer, "labels", "label");
    check_string_map(metadata->value, metadata_pointer, "annotations", "annotation");
    check_opt_outs(metadata->value, metadata_pointer);
    if (!api_version || !kind || !name) return;
    const std::string group(kube::split_api_version(*api_version).first);
    if (std::string problem = check_object_name(group, *kind, *name); !problem.empty())
      error(metadata_pointer + "/name", std::move(problem));

    const std::optional<bool> namespaced =
        options_.is_namespaced ? options_.is_namespaced(*api_version, *kind) : std::nullopt;
    enum class NamespaceEdit { kNone, kSet, kRemove } edit = NamespaceEdit::kNone;
    if (namespaced == true && ns.empty()) {
      ns = spec_.default_namespace;
      edit = NamespaceEdit::kSet;
    } else if (namespaced == false && has_namespace) {
      ns.clear();
      edit = NamespaceEdit::kRemove;
    }
    if (!ns.empty() && !is_dns1123_label(ns))
      error(has_namespace ? metadata_pointer + "/namespace" : metadata_pointer,
            "namespace \"" + ns + "\" must be a DNS-1123 label");
    if (load_.errors.size() != errors_before) return;

    auto object = pointer.empty() ? doc_.json : kube::copy_object(value, 1024);
    if (edit != NamespaceEdit::kNone) set_namespace(*object, ns);
    auto desired = std::make_shared<DesiredObject>();
    desired->key = ObjectKey{group, *kind, ns, *name};
    desired->source = spec_.name;
    desired->location = {file_, doc_.at(pointer)};
    desired->scope_unknown = !namespaced.has_value();
    // Frozen: a document's pool holds a chunk of 4 KiB for the typical object of a few hundred
    // bytes, and every desired object is held as long as it is desired (100,000 of them were
    // 400 MB before).
    desired->object = kube::freeze(*object);
    make_body(*desired, spec_.applyset);
    load_.objects.push_back(std::move(desired));
  }

  const JsonDocument& doc_;
  const std::string& file_;
  const SourceSpec& spec_;
  const LoaderOptions& options_;
  SourceLoad& load_;
};

}  // namespace

void check_duplicates(SourceLoad& load) {
  std::map<ObjectKey, const Location*> first;
  for (const auto& object : load.objects) {
    auto [at, inserted] = first.emplace(object->key, &object->location);
    if (!inserted)
      load.errors.push_back({object->location, "duplicate object " + object->key.to_string() +
                                                   " (also defined at " + at->second->to_string() +
                                                   ")"});
  }
}

void set_namespace(kube::Object& object, std::string_view ns) {
  auto& allocator = object.GetAllocator();
  auto& metadata = object["metadata"];
  metadata.RemoveMember("namespace");
  if (!ns.empty()) {
    metadata.AddMember(
        "namespace",
        rapidjson::Value(ns.data(), static_cast<rapidjson::SizeType>(ns.size()), allocator),
        allocator);
  }
}

namespace {

std::string too_large(std::uintmax_t bytes, std::uintmax_t limit) {
  return "file is " + std::to_string(bytes) + " bytes; steward reads manifest files of at most " +
         std::to_string(limit) + " bytes";
}

// An error (false) when the listing is over the source's limits, naming the limit and the count.
bool within_source_limits(const std::vector<std::filesystem::path>& files, const SourceSpec& spec,
                          const LoaderOptions& options, SourceLoad& load) {
  const Location at{spec.path.string(), {}};
  if (files.size() > options.max_files) {
    load.errors.push_back({at, "source lists " + std::to_string(files.size()) +
                                   " manifest files; steward loads at most " +
                                   std::to_string(options.max_files) +
                                   " files per source (none was read)"});
    return false;
  }
  // The bytes that would be read: a file over max_file_bytes is refused on its own, not read.
  std::uintmax_t total = 0;
  for (const auto& path : files) {
    std::error_code ec;
    const std::uintmax_t bytes = std::filesystem::file_size(path, ec);
    if (!ec && bytes <= options.max_file_bytes) total += bytes;
  }
  if (total > options.max_total_bytes) {
    load.errors.push_back({at, "source's manifest files hold " + std::to_string(total) +
                                   " bytes; steward loads at most " +
                                   std::to_string(options.max_total_bytes) +
                                   " bytes per source (none was read)"});
    return false;
  }
  return true;
}

void read_file(const std::filesystem::path& path, const SourceSpec& spec,
               const LoaderOptions& options, SourceLoad& load) {
  const std::string file = path.string();
  std::error_code ec;
  // Checked before reading: the point is not to hold a runaway file in memory at all.
  if (const std::uintmax_t bytes = std::filesystem::file_size(path, ec);
      !ec && bytes > options.max_file_bytes) {
    load.errors.push_back({{file, {}}, too_large(bytes, options.max_file_bytes)});
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    load.errors.push_back({{file, {}}, "cannot open file"});
    return;
  }
  std::ostringstream text;
  text << in.rdbuf();
  ++load.files;
  load_text(text.view(), file, spec, options, load);
}

// The files are loaded on up to one thread per core, each into its own SourceLoad, and merged in
// file order, so objects and errors come out exactly as one thread would give them. yaml-cpp's
// scanner is most of a load's time: 100,560 objects in 51 files took 11.6 s on one core
// (bench/scale), and the daemon is not ready before its first load.
void read_files(const std::vector<std::filesystem::path>& files, const SourceSpec& spec,
                const LoaderOptions& options, SourceLoad& load) {
  std::vector<SourceLoad> parts(files.size());
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t i = next++; i < files.size(); i = next++) {
      read_file(files[i], spec, options, parts[i]);
    }
  };
  const std::size_t threads =
      std::min<std::size_t>(files.size(), std::max(1U, std::thread::hardware_concurrency()));
  {
    std::vector<std::jthread> helpers;
    for (std::size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
    work();
  }  // joined
  for (SourceLoad& part : parts) {
    load.files += part.files;
    std::move(part.objects.begin(), part.objects.end(), std::back_inserter(load.objects));
    std::move(part.errors.begin(), part.errors.end(), std::back_inserter(load.errors));
  }
}

}  // namespace

void load_text(std::string_view text, const std::string& file, const SourceSpec& spec,
               const LoaderOptions& options, SourceLoad& load) {
  if (text.size() > options.max_file_bytes) {
    load.errors.push_back({{file, {}}, too_large(text.size(), options.max_file_bytes)});
    return;
  }
  YamlStream stream = yaml_to_json(text, file, options.yaml);
  for (auto& error : stream.errors) load.errors.push_back(std::move(error));
  for (const JsonDocument& doc : stream.documents)
    DocumentLoader(doc, file, spec, options, load).run();
}

SourceLoad load_source(const SourceSpec& spec, const LoaderOptions& options) {
  SourceLoad load;
  load.source = spec.name;
  ManifestFiles listing = list_manifest_files(spec.path);
  load.errors = std::move(listing.errors);
  if (within_source_limits(listing.files, spec, options, load))
    read_files(listing.files, spec, options, load);
  check_duplicates(load);
  if (load.errors.size() > options.max_errors) {
    const std::size_t more = load.errors.size() - options.max_errors;
    load.errors.resize(options.max_errors);
    load.errors.push_back(
        {{spec.path.string(), {}}, std::to_string(more) + " more errors not shown"});
  }
  if (!load.ok()) load.objects.clear();  // all or nothing
  return load;
}

}  // namespace steward::desired
