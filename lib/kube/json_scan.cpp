#include "kube/json_scan.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <cstdint>
#include <utility>

namespace steward::kube {
namespace {

// A RapidJSON SAX handler that tracks nesting, records the body's scalars and the objects' offsets,
// and forwards the tokens inside an item (or a watch event's object) to the Document being built
// for it: a Document is a SAX handler itself, the one its own Parse() feeds.
class Scanner : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Scanner> {
 public:
  Scanner(std::string_view json, const rapidjson::MemoryStream& stream, ScannedBody& out,
          const ItemSink& on_item)
      : json_(json), stream_(stream), out_(out), on_item_(on_item) {}

  bool Null() { return !building_ || building_->Null(); }
  bool Bool(bool b) { return !building_ || building_->Bool(b); }
  bool Int(int i) { return !building_ || building_->Int(i); }
  bool Uint(unsigned u) { return !building_ || building_->Uint(u); }
  bool Int64(std::int64_t i) { return !building_ || building_->Int64(i); }
  bool Uint64(std::uint64_t u) { return !building_ || building_->Uint64(u); }
  bool Double(double d) { return !building_ || building_->Double(d); }

  bool StartObject() { return open(true) && (!building_ || building_->StartObject()); }
  bool StartArray() { return open(false) && (!building_ || building_->StartArray()); }
  bool EndObject(rapidjson::SizeType members) {
    return (!building_ || building_->EndObject(members)) && close();
  }
  bool EndArray(rapidjson::SizeType elements) {
    return (!building_ || building_->EndArray(elements)) && close();
  }

  bool Key(const char* text, rapidjson::SizeType length, bool copy) {
    if (building_) return building_->Key(text, length, copy);
    key_.assign(text, length);
    if (depth_ == 1) top_key_ = key_;
    return true;
  }

  bool String(const char* text, rapidjson::SizeType length, bool copy) {
    if (building_) return building_->String(text, length, copy);
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

  // The parse stopped at a container past kMaxJsonDepth.
  bool too_deep() const { return too_deep_; }
  // Why the parse was stopped at valid JSON that is no list or watch event: "" when it was not.
  const std::string& refused() const { return refused_; }

  // The whole body has been read: hands over the items held back.
  void finish() {
    for (auto& item : held_) on_item_(std::move(item), out_);
    held_.clear();
  }

 private:
  // The stream has consumed the opening bracket when the handler is called.
  bool open(bool object) {
    if (depth_ >= kMaxJsonDepth) {
      too_deep_ = true;
      return false;  // stops the parser before it recurses any deeper
    }
    const std::size_t begin = stream_.Tell() - 1;
    const bool is_item = depth_ == 2 && top_key_ == "items" && in_items_array();
    if (depth_ == 1 && top_key_ == "object") {
      object_is_object_ = object;
      object_depth_ = depth_ + 1;
      out_.object.begin = begin;
      // The object is the rest of the line but its closing brace: a pool that fits it.
      building_ = std::make_shared<Object>(object_chunk_for(json_.size() - begin));
    } else if (is_item) {
      object_is_object_ = object;
      item_depth_ = depth_ + 1;
      item_begin_ = begin;
      // Items of a list are alike: a pool the size the previous one needed.
      if (on_item_) {
        building_ = last_item_bytes_ ? std::make_shared<Object>(object_chunk_for(last_item_bytes_))
                                     : std::make_shared<Object>();
      }
    }
    if (depth_ == 1 && top_key_ == "items") items_array_depth_ = depth_ + 1;
    ++depth_;
    return true;
  }

  bool close() {
    // An item or a watch event's object that is an array would reach the caches as a "Kubernetes
    // object" without metadata: refused once it has been read (so a body too deep is reported as
    // that), for lists and watches alike.
    if ((depth_ == item_depth_ || depth_ == object_depth_) && !object_is_object_) {
      refused_ = depth_ == item_depth_ ? "a list item that is not an object"
                                       : "an event object that is not an object";
      return false;
    }
    if (depth_ == item_depth_) {
      out_.items.push_back({item_begin_, stream_.Tell()});
      last_item_bytes_ = stream_.Tell() - item_begin_;
      item_depth_ = 0;
      if (building_) take_item(built());
    } else if (depth_ == object_depth_) {
      out_.object.end = stream_.Tell();
      object_depth_ = 0;
      out_.event_object = built();
    }
    if (depth_ == items_array_depth_) items_array_depth_ = 0;
    --depth_;
    return true;
  }

  bool in_items_array() const { return items_array_depth_ == depth_; }

  // The document whose closing bracket was just forwarded. Its handler calls left the value on the
  // Document's stack; Populate with nothing to add moves it into place, as the end of Parse does.
  std::shared_ptr<Object> built() {
    auto nothing_more = [](rapidjson::Document&) { return true; };
    building_->Populate(nothing_more);
    return std::move(building_);
  }

  void take_item(std::shared_ptr<Object> item) {
    if (out_.kind.empty() || out_.api_version.empty()) {
      held_.push_back(std::move(item));
    } else {
      on_item_(std::move(item), out_);
    }
  }

  const std::string_view json_;
  const rapidjson::MemoryStream& stream_;
  ScannedBody& out_;
  const ItemSink& on_item_;
  int depth_ = 0;  // containers open around the current token; the top-level object is 1
  std::string key_;      // the last key read outside the objects built, at any depth
  std::string top_key_;  // the last key read at depth 1
  int items_array_depth_ = 0;  // depth inside the top-level "items" array, 0 outside it
  int item_depth_ = 0;         // depth inside the current item, 0 outside any
  std::size_t item_begin_ = 0;
  std::size_t last_item_bytes_ = 0;  // the previous item's length, 0 before the first
  int object_depth_ = 0;  // depth inside the top-level "object", 0 outside it
  std::shared_ptr<Object> building_;  // the item or object the tokens go to, if any
  std::vector<std::shared_ptr<Object>> held_;  // items read before the list's kind and apiVersion
  bool too_deep_ = false;
  bool object_is_object_ = true;  // the current item or event object opened with '{'
  std::string refused_;
};

}  // namespace

ScannedBody scan_body(std::string_view json, const ItemSink& on_item) {
  ScannedBody out;
  // A MemoryStream is bounded by the view's size: the text need not be NUL-terminated.
  rapidjson::MemoryStream stream(json.data(), json.size());
  Scanner scanner(json, stream, out, on_item);
  rapidjson::Reader reader;
  const auto result = reader.Parse(stream, scanner);
  if (result.IsError()) {
    const std::string what =
        scanner.too_deep()            ? "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels"
        : !scanner.refused().empty() ? scanner.refused()
                                      : std::string(rapidjson::GetParseError_En(result.Code()));
    out.error = what + " at offset " + std::to_string(result.Offset());
    out.event_object.reset();
  } else {
    scanner.finish();
  }
  return out;
}

}  // namespace steward::kube
