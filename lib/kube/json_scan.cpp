#include "kube/json_scan.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

namespace steward::kube {
namespace {

// A RapidJSON SAX handler that tracks nesting and records offsets from the input stream.
class Scanner : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Scanner> {
 public:
  Scanner(const rapidjson::MemoryStream& stream, ScannedBody& out) : stream_(stream), out_(out) {}

  bool StartObject() { return open(); }
  bool StartArray() { return open(); }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool EndArray(rapidjson::SizeType) { return close(); }

  bool Key(const char* text, rapidjson::SizeType length, bool) {
    key_.assign(text, length);
    if (depth_ == 1) top_key_ = key_;
    return true;
  }

  bool String(const char* text, rapidjson::SizeType length, bool) {
    const std::string_view value(text, length);
    if (depth_ == 1) {
      if (key_ == "kind") out_.kind = value;
      else if (key_ == "apiVersion") out_.api_version = value;
      else if (key_ == "type") out_.type = value;
    } else if (depth_ == 2 && top_key_ == "metadata") {
      if (key_ == "resourceVersion") out_.resource_version = value;
      else if (key_ == "continue") out_.continue_token = value;
    }
    return true;
  }

  bool Default() { return true; }  // numbers, booleans, null: nothing to record

  // The parse stopped at a container past kMaxJsonDepth.
  bool too_deep() const { return too_deep_; }

 private:
  // The stream has consumed the opening bracket when the handler is called.
  bool open() {
    if (depth_ >= kMaxJsonDepth) {
      too_deep_ = true;
      return false;  // stops the parser before it recurses any deeper
    }
    const std::size_t begin = stream_.Tell() - 1;
    if (depth_ == 1 && top_key_ == "object") {
      object_depth_ = depth_ + 1;
      out_.object.begin = begin;
    } else if (depth_ == 2 && top_key_ == "items" && in_items_array()) {
      item_depth_ = depth_ + 1;
      item_begin_ = begin;
    }
    if (depth_ == 1 && top_key_ == "items") items_array_depth_ = depth_ + 1;
    ++depth_;
    return true;
  }

  bool close() {
    if (depth_ == item_depth_) {
      out_.items.push_back({item_begin_, stream_.Tell()});
      item_depth_ = 0;
    } else if (depth_ == object_depth_) {
      out_.object.end = stream_.Tell();
      object_depth_ = 0;
    }
    if (depth_ == items_array_depth_) items_array_depth_ = 0;
    --depth_;
    return true;
  }

  bool in_items_array() const { return items_array_depth_ == depth_; }

  const rapidjson::MemoryStream& stream_;
  ScannedBody& out_;
  int depth_ = 0;  // containers open around the current token; the top-level object is 1
  std::string key_;      // the last key read, at any depth
  std::string top_key_;  // the last key read at depth 1
  int items_array_depth_ = 0;  // depth inside the top-level "items" array, 0 outside it
  int item_depth_ = 0;         // depth inside the current item, 0 outside any
  std::size_t item_begin_ = 0;
  int object_depth_ = 0;  // depth inside the top-level "object", 0 outside it
  bool too_deep_ = false;
};

}  // namespace

ScannedBody scan_body(std::string_view json) {
  ScannedBody out;
  // A MemoryStream is bounded by the view's size: the text need not be NUL-terminated.
  rapidjson::MemoryStream stream(json.data(), json.size());
  Scanner scanner(stream, out);
  rapidjson::Reader reader;
  const auto result = reader.Parse(stream, scanner);
  if (result.IsError()) {
    const std::string what = scanner.too_deep()
                                 ? "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels"
                                 : rapidjson::GetParseError_En(result.Code());
    out.error = what + " at offset " + std::to_string(result.Offset());
  }
  return out;
}

}  // namespace steward::kube
