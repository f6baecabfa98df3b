#include "desired/yaml_json.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <string>
#include <unordered_map>

#include "desired/scalar_resolve.hpp"
#include "desired/utf8.hpp"
#include "desired/yaml_documents.hpp"

namespace steward::desired {

namespace {

constexpr std::string_view kTagPrefix = "tag:yaml.org,2002:";

Mark mark_of(const YAML::Mark& mark) {
  if (mark.line < 0 || mark.column < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

// Ends the conversion of one document.
struct DocumentError {
  Mark mark;
  std::string message;
};

using Type = ResolvedScalar::Type;

// Converts one document; counts nodes across the whole stream (one alias bomb per stream is
// enough, whichever document it is in).
class Converter {
 public:
  Converter(const YamlOptions& options, std::size_t& nodes) : options_(options), nodes_(nodes) {}

  JsonDocument convert(const YAML::Node& root) {
    JsonDocument doc;
    // A pool chunk of 4 KiB holds a typical object whole; big ones take more chunks.
    doc.json = std::make_shared<kube::Object>(4096);
    doc.start = mark_of(root.Mark());
    allocator_ = &doc.json->GetAllocator();
    positions_ = &doc.positions;
    std::string pointer;
    rapidjson::Value value = to_value(root, 0, pointer);
    static_cast<rapidjson::Value&>(*doc.json) = std::move(value);
    return doc;
  }

 private:
  static bool before(const Mark& a, const Mark& b) {
    return a.line < b.line || (a.line == b.line && a.column < b.column);
  }

  rapidjson::Value to_value(const YAML::Node& node, int depth, std::string& pointer) {
    const Mark own = mark_of(node.Mark());
    // A node reached through an alias carries its anchor's mark, which comes before the alias
    // (anchors precede their aliases). An expansion that runs out of budget or depth is then
    // reported where the alias was used (at the innermost node written in place), not deep inside
    // the innocent anchored value: a bomb's error points at the line that sets it off.
    const Mark outer = written_;
    if (!before(own, outer)) written_ = own;
    if (++nodes_ > options_.max_nodes)
      throw DocumentError{written_, "document expands to more than " +
                                        std::to_string(options_.max_nodes) +
                                        " values (alias bomb?)"};
    if (depth > options_.max_depth)
      throw DocumentError{written_, "nesting deeper than " + std::to_string(options_.max_depth) +
                                        " levels"};
    if (depth <= options_.position_depth) positions_->emplace(pointer, own);
    rapidjson::Value value(rapidjson::kNullType);
    switch (node.Type()) {
      case YAML::NodeType::Map: value = to_object(node, depth, pointer); break;
      case YAML::NodeType::Sequence: value = to_array(node, depth, pointer); break;
      case YAML::NodeType::Scalar: value = to_scalar(node); break;
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined: break;
    }
    written_ = outer;
    return value;
  }

  rapidjson::Value to_array(const YAML::Node& node, int depth, std::string& pointer) {
    rapidjson::Value array(rapidjson::kArrayType);
    std::size_t index = 0;
    for (const auto& item : node) {
      const std::size_t length = pointer.size();
      if (depth + 1 <= options_.position_depth) pointer += "/" + std::to_string(index);
      array.PushBack(to_value(item, depth + 1, pointer), *allocator_);
      pointer.resize(length);
      ++index;
    }
    return array;
  }

  rapidjson::Value to_object(const YAML::Node& node, int depth, std::string& pointer) {
    rapidjson::Value object(rapidjson::kObjectType);
    std::unordered_map<std::string, Mark> seen;  // key → where it was first written
    std::vector<YAML::Node> merges;
    for (const auto& entry : node) {
      const YAML::Node& key_node = entry.first;
      if (is_merge_key(key_node)) {
        merges.push_back(entry.second);
        continue;
      }
      std::string key = key_string(key_node);
      const Mark key_mark = mark_of(key_node.Mark());
      auto [at, inserted] = seen.emplace(key, key_mark);
      if (!inserted)
        throw DocumentError{key_mark, "duplicate key \"" + key + "\" (first at line " +
                                          std::to_string(at->second.line) + ")"};
      const std::size_t length = pointer.size();
      if (depth + 1 <= options_.position_depth) {
        pointer += "/" + json_pointer_token(key);
        // An empty value (`key:` and nothing) has the mark of whatever follows it, often the
        // next line: the key is where it is written.
        if (entry.second.IsNull()) positions_->emplace(pointer, key_mark);
      }
      rapidjson::Value value = to_value(entry.second, depth + 1, pointer);
      pointer.resize(length);
      object.AddMember(rapidjson::Value(key.data(), static_cast<rapidjson::SizeType>(key.size()),
                                        *allocator_),
                       std::move(value), *allocator_);
    }
    for (const YAML::Node& merge : merges) add_merged(object, seen, merge, depth, pointer);
    return object;
  }

  // `<<: map` or `<<: [map, ...]`: keys not yet present are added; earlier maps win (go-yaml).
  void add_merged(rapidjson::Value& object, std::unordered_map<std::string, Mark>& seen,
                  const YAML::Node& merge, int depth, std::string& pointer) {
    std::vector<YAML::Node> sources;
    if (merge.IsMap()) {
      sources.push_back(merge);
    } else if (merge.IsSequence()) {
      for (const auto& item : merge) sources.push_back(item);
    }
    for (const YAML::Node& source : sources) {
      if (!source.IsMap())
        throw DocumentError{mark_of(source.Mark()),
                            "map merge (<<) requires a mapping or a sequence of mappings"};
      rapidjson::Value merged = to_value(source, depth + 1, pointer);
      for (auto& member : merged.GetObject()) {
        std::string key(member.name.GetString(), member.name.GetStringLength());
        if (!seen.emplace(key, mark_of(source.Mark())).second) continue;
        object.AddMember(std::move(member.name), std::move(member.value), *allocator_);
      }
    }
    if (sources.empty())
      throw DocumentError{mark_of(merge.Mark()),
                          "map merge (<<) requires a mapping or a sequence of mappings"};
  }

  static bool is_merge_key(const YAML::Node& key) {
    return key.IsScalar() && key.Tag() == "?" && key.Scalar() == "<<";
  }

  // A mapping key as sigs.k8s.io/yaml turns it into a JSON member name.
  std::string key_string(const YAML::Node& key) {
    if (!key.IsScalar()) {
      if (key.IsNull()) throw DocumentError{mark_of(key.Mark()), "null mapping key"};
      throw DocumentError{mark_of(key.Mark()), "mapping keys must be scalars"};
    }
    if (key.Tag() != "?") return key.Scalar();
    const ResolvedScalar r = resolve_plain_scalar(key.Scalar());
    switch (r.type) {
      case Type::kBool: return r.boolean ? "true" : "false";
      case Type::kInt: return std::to_string(r.integer);
      case Type::kUint: return std::to_string(r.unsigned_integer);
      case Type::kFloat: {
        // Go formats float keys with FormatFloat(f, 'g', -1, 32): shortest float32 form.
        char buffer[64];
        auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer,
                                       static_cast<float>(r.floating), std::chars_format::general);
        return ec == std::errc() ? std::string(buffer, end) : key.Scalar();
      }
      case Type::kNull: throw DocumentError{mark_of(key.Mark()), "null mapping key"};
      case Type::kNonFinite:
      case Type::kOutOfRange:
      case Type::kString: break;
    }
    return key.Scalar();
  }

  rapidjson::Value to_scalar(const YAML::Node& node) {
    const std::string& tag = node.Tag();
    const std::string& text = node.Scalar();
    if (tag == "!") return string_value(text);  // quoted or block scalar
    if (tag == "?") return resolved_value(node, resolve_plain_scalar(text), "");
    if (!tag.starts_with(kTagPrefix))
      throw DocumentError{mark_of(node.Mark()), "unsupported tag \"" + tag + "\""};
    const std::string_view wanted = std::string_view(tag).substr(kTagPrefix.size());
    // !!binary stays the base64 text: that is what JSON carries for []byte fields anyway.
    if (wanted == "str" || wanted == "binary") return string_value(text);
    if (wanted == "int" || wanted == "float" || wanted == "bool" || wanted == "null")
      return resolved_value(node, resolve_plain_scalar(text), wanted);
    throw DocumentError{mark_of(node.Mark()), "unsupported tag \"!!" + std::string(wanted) + "\""};
  }

  // `wanted`: the explicit tag's type name, or "" for an untagged plain scalar.
  rapidjson::Value resolved_value(const YAML::Node& node, const ResolvedScalar& r,
                                  std::string_view wanted) {
    const auto mismatch = [&](std::string_view got) {
      return DocumentError{mark_of(node.Mark()), "cannot read " + std::string(got) + " \"" +
                                                     node.Scalar() + "\" as !!" +
                                                     std::string(wanted)};
    };
    switch (r.type) {
      case Type::kNull:
        if (!wanted.empty() && wanted != "null") throw mismatch("null");
        return rapidjson::Value(rapidjson::kNullType);
      case Type::kBool:
        if (!wanted.empty() && wanted != "bool") throw mismatch("bool");
        return rapidjson::Value(r.boolean);
      case Type::kInt:
        if (wanted == "float") return rapidjson::Value(static_cast<double>(r.integer));
        if (!wanted.empty() && wanted != "int") throw mismatch("int");
        return rapidjson::Value(static_cast<int64_t>(r.integer));
      case Type::kUint:
        if (wanted == "float") return rapidjson::Value(static_cast<double>(r.unsigned_integer));
        if (!wanted.empty() && wanted != "int") throw mismatch("int");
        return rapidjson::Value(static_cast<uint64_t>(r.unsigned_integer));
      case Type::kFloat:
        if (!wanted.empty() && wanted != "float") throw mismatch("float");
        return rapidjson::Value(r.floating);
      case Type::kNonFinite:
        throw DocumentError{mark_of(node.Mark()),
                            "\"" + node.Scalar() + "\" is not a finite number; JSON cannot hold it"};
      case Type::kOutOfRange:
        throw DocumentError{mark_of(node.Mark()),
                            "integer \"" + node.Scalar() + "\" does not fit in 64 bits"};
      case Type::kString:
        if (!wanted.empty()) throw mismatch("string");
        return string_value(node.Scalar());
    }
    return rapidjson::Value(rapidjson::kNullType);
  }

  rapidjson::Value string_value(const std::string& text) {
    return rapidjson::Value(text.data(), static_cast<rapidjson::SizeType>(text.size()),
                            *allocator_);
  }

  const YamlOptions& options_;
  std::size_t& nodes_;
  rapidjson::MemoryPoolAllocator<>* allocator_ = nullptr;
  std::unordered_map<std::string, Mark>* positions_ = nullptr;
  Mark written_;  // the innermost node being converted that is written where it is (to_value)
};

}  // namespace

Mark JsonDocument::at(std::string_view pointer) const {
  std::string path(pointer);
  while (true) {
    if (auto found = positions.find(path); found != positions.end()) return found->second;
    if (path.empty()) return start;
    path.resize(path.rfind('/'));
  }
}

std::string json_pointer_token(std::string_view key) {
  std::string token;
  token.reserve(key.size());
  for (char c : key) {
    if (c == '~') token += "~0";
    else if (c == '/') token += "~1";
    else token += c;
  }
  return token;
}

YamlStream yaml_to_json(std::string_view text, const std::string& file,
                        const YamlOptions& options) {
  YamlStream stream;
  if (auto bad = find_invalid_utf8(text)) {
    stream.errors.push_back({{file, *bad}, "invalid UTF-8"});
    return stream;
  }
  std::vector<YAML::Node> roots;
  try {
    roots = load_yaml_documents(std::string(text), options.max_parsed_nodes, options.max_depth);
  } catch (const LimitExceeded& e) {
    stream.errors.push_back({{file, mark_of(e.mark)}, e.msg});
    return stream;
  } catch (const YAML::Exception& e) {
    stream.errors.push_back({{file, mark_of(e.mark)}, "YAML: " + e.msg});
    return stream;
  }
  std::size_t nodes = 0;
  for (const YAML::Node& root : roots) {
    if (root.IsNull() || !root.IsDefined()) continue;  // `---` with nothing, or only `null`
    try {
      Converter converter(options, nodes);
      stream.documents.push_back(converter.convert(root));
    } catch (const DocumentError& e) {
      stream.errors.push_back({{file, e.mark}, e.message});
      if (nodes > options.max_nodes) break;  // the budget is spent for the whole stream
    }
  }
  return stream;
}

}  // namespace steward::desired
