#pragma once
// Objects as steward holds them: one RapidJSON document per Kubernetes object, owning its memory,
// shared immutably (readers never copy; a change is a new document).
//
// Each Object has its own memory pool sized to the object. RapidJSON's default pool starts with a
// 64 KiB chunk per document: for a cache of small objects that cost 13 KB resident per 1 KiB
// ConfigMap (bench_list), most of it untouched slack. What the informers' caches keep is smaller
// still: a frozen copy (frozen_object.hpp), with no Document around it.

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <string_view>

namespace steward::kube {

namespace detail {
// The pools' base allocator. CrtAllocator is stateless (malloc/free); one shared instance saves the
// one a pool would otherwise allocate for itself, a heap block per object.
rapidjson::CrtAllocator& shared_base_allocator();

// Holds the pool so it is constructed before, and destroyed after, the document that uses it.
struct ObjectPool {
  explicit ObjectPool(std::size_t chunk) : pool(chunk, &shared_base_allocator()) {}
  rapidjson::MemoryPoolAllocator<> pool;
};
}  // namespace detail

class Object : private detail::ObjectPool, public rapidjson::Document {
 public:
  // `chunk`: bytes the pool takes at a time; about the size the object will need.
  explicit Object(std::size_t chunk = 1024)
      : detail::ObjectPool(chunk), rapidjson::Document(&pool) {}
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;
};

// An object that no longer changes, shared by whoever reads it: the cache's objects, the desired
// state's. It points at the root value; what owns the memory behind it (an Object, or the one
// block of a frozen copy) is the pointer's business, not the reader's.
using ObjectPtr = std::shared_ptr<const rapidjson::Value>;

// The pool chunk for an Object built from `json_size` bytes of JSON: about what it will need.
std::size_t object_chunk_for(std::size_t json_size);

// Parses `json` into a new Object whose pool fits it; check HasParseError() on the result.
std::shared_ptr<Object> parse_object(std::string_view json);
// A deep copy into a pool sized for it (drops memory of members removed from `value`).
std::shared_ptr<Object> copy_object(const rapidjson::Value& value, std::size_t size_hint);

// The value at `path` (member names from `value`, e.g. {"status", "conditions"}), or nullptr when
// a member is absent or something on the way is not an object.
const rapidjson::Value* value_at(const rapidjson::Value& value,
                                 std::initializer_list<std::string_view> path);

// A string member of `value` at `path` (e.g. {"metadata", "name"}), or empty if absent or not a
// string.
std::string_view string_at(const rapidjson::Value& value,
                           std::initializer_list<std::string_view> path);

// Serialises `value` as compact JSON.
std::string to_json(const rapidjson::Value& value);

}  // namespace steward::kube
