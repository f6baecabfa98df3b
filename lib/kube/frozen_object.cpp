#include "kube/frozen_object.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <new>
#include <string>
#include <string_view>

namespace steward::kube {

namespace {

using Pool = rapidjson::MemoryPoolAllocator<>;

// Names of Kubernetes' fields (and of labels and annotations steward and the recommended labels
// use) that most objects of some kind carry and that are longer than RapidJSON's inline strings.
// Sorted, for the binary search.
constexpr std::array<std::string_view, 41> kCommonNames = {
    "app.kubernetes.io/component",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/name",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/version",
    "availableReplicas",
    "blockOwnerDeletion",
    "containerStatuses",
    "creationTimestamp",
    "deletionGracePeriodSeconds",
    "deletionTimestamp",
    "enableServiceLinks",
    "imagePullPolicy",
    "imagePullSecrets",
    "initContainers",
    "internalTrafficPolicy",
    "ipFamilyPolicy",
    "kubernetes.io/metadata.name",
    "lastTransitionTime",
    "lastUpdateTime",
    "matchExpressions",
    "maxUnavailable",
    "observedGeneration",
    "ownerReferences",
    "persistentVolumeClaim",
    "progressDeadlineSeconds",
    "readinessProbe",
    "resourceVersion",
    "revisionHistoryLimit",
    "securityContext",
    "serviceAccountName",
    "sessionAffinity",
    "steward.dev/desired-hash",
    "steward.dev/source",
    "storageClassName",
    "terminationGracePeriodSeconds",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "unavailableReplicas",
    "updatedReplicas",
};
static_assert(std::is_sorted(kCommonNames.begin(), kCommonNames.end()));

// RAPIDJSON_ALIGN: every pool allocation is rounded up to 8 bytes.
constexpr std::size_t align(std::size_t n) { return (n + 7u) & ~std::size_t{7}; }

// The longest string RapidJSON keeps inside the value itself (no pool bytes). It depends on the
// build's pointer layout, so it is measured once rather than assumed.
std::size_t longest_inline_string() {
  static const std::size_t longest = [] {
    std::size_t n = 0;
    for (;; ++n) {
      Pool pool(256, &detail::shared_base_allocator());
      const std::string text(n + 1, 'x');
      rapidjson::Value copy(text.data(), static_cast<rapidjson::SizeType>(text.size()), pool);
      if (pool.Size() != 0) return n;
    }
  }();
  return longest;
}

// Where a pool on a buffer we give it makes its first allocation: it keeps its chunk header at the
// front (newer RapidJSON versions keep more there). Measured for the same reason.
std::size_t pool_header_bytes() {
  static const std::size_t bytes = [] {
    alignas(8) std::byte buffer[256];
    Pool pool(buffer, sizeof buffer, sizeof buffer, &detail::shared_base_allocator());
    return static_cast<std::size_t>(static_cast<std::byte*>(pool.Malloc(8)) - buffer);
  }();
  return bytes;
}

// The static copy of `name` (NUL-terminated, as RapidJSON strings are) if it is a common one.
const char* common_name(std::string_view name) {
  if (name.size() <= longest_inline_string()) return nullptr;  // free inline anyway
  const auto it = std::lower_bound(kCommonNames.begin(), kCommonNames.end(), name);
  return it != kCommonNames.end() && *it == name ? it->data() : nullptr;
}

std::size_t string_bytes(std::size_t length) {
  return length <= longest_inline_string() ? 0 : align(length + 1);
}

// The pool bytes the copy takes: member and element arrays, and strings too long to be inline.
std::size_t pool_bytes(const rapidjson::Value& value) {
  if (value.IsString()) return string_bytes(value.GetStringLength());
  std::size_t bytes = 0;
  if (value.IsObject()) {
    bytes += align(value.MemberCount() * sizeof(rapidjson::Value::Member));
    for (const auto& member : value.GetObject()) {
      const std::string_view name(member.name.GetString(), member.name.GetStringLength());
      if (!common_name(name)) bytes += string_bytes(name.size());
      bytes += pool_bytes(member.value);
    }
  } else if (value.IsArray()) {
    bytes += align(value.Size() * sizeof(rapidjson::Value));
    for (const auto& element : value.GetArray()) bytes += pool_bytes(element);
  }
  return bytes;
}

// Hands a value's SAX events to the Document that builds the copy. Every string is copied, even
// one the source only referred to (the copy must not point into what it was copied from), except
// common names, which refer to their static copy.
class CopyInto {
 public:
  explicit CopyInto(rapidjson::Document& out) : out_(out) {}
  bool Null() { return out_.Null(); }
  bool Bool(bool b) { return out_.Bool(b); }
  bool Int(int i) { return out_.Int(i); }
  bool Uint(unsigned u) { return out_.Uint(u); }
  bool Int64(std::int64_t i) { return out_.Int64(i); }
  bool Uint64(std::uint64_t u) { return out_.Uint64(u); }
  bool Double(double d) { return out_.Double(d); }
  bool String(const char* text, rapidjson::SizeType length, bool) {
    return out_.String(text, length, true);
  }
  bool StartObject() { return out_.StartObject(); }
  bool Key(const char* text, rapidjson::SizeType length, bool) {
    if (const char* name = common_name({text, length})) return out_.Key(name, length, false);
    return out_.Key(text, length, true);
  }
  bool EndObject(rapidjson::SizeType members) { return out_.EndObject(members); }
  bool StartArray() { return out_.StartArray(); }
  bool EndArray(rapidjson::SizeType elements) { return out_.EndArray(elements); }

 private:
  rapidjson::Document& out_;
};

// Copies `value` into `pool` (what CopyFrom does, with CopyInto's string rules); the copy's root
// goes to `root`.
void copy_value(const rapidjson::Value& value, Pool& pool, rapidjson::Value& root) {
  rapidjson::Document builder(&pool, 1024, &detail::shared_base_allocator());
  auto generate = [&value](rapidjson::Document& out) {
    CopyInto handler(out);
    return value.Accept(handler);
  };
  builder.Populate(generate);
  root.Swap(builder);
}

// The bytes in front of a frozen copy's pool. The pool keeps its header here while the copy is
// made; once the pool is gone (the copy needs nothing of it) the root value is moved in.
struct FrozenRoot {
  alignas(rapidjson::Value) std::byte bytes[sizeof(rapidjson::Value)];
};

// Room for the pool right behind the control block allocate_shared makes, and where it begins.
struct Trailing {
  std::size_t bytes;
  std::byte* begin = nullptr;
};

// Allocates `trailing->bytes` more than asked for, and says where they begin. Every control block
// keeps a copy of it, so it is one pointer; that pointer is only read while allocating (and
// dangles after): deallocation does not need the size.
template <typename T>
struct TrailingAllocator {
  using value_type = T;
  explicit TrailingAllocator(Trailing* t) noexcept : trailing(t) {}
  template <typename U>
  TrailingAllocator(const TrailingAllocator<U>& other) noexcept : trailing(other.trailing) {}
  T* allocate(std::size_t n) {
    auto* block = static_cast<std::byte*>(::operator new(n * sizeof(T) + trailing->bytes));
    trailing->begin = block + n * sizeof(T);
    return reinterpret_cast<T*>(block);
  }
  void deallocate(T* block, std::size_t) noexcept { ::operator delete(block); }
  template <typename U>
  bool operator==(const TrailingAllocator<U>&) const noexcept {
    return true;
  }
  Trailing* trailing;
};

// A copy in an Object of its own: what freeze() falls back to when the one block cannot be used.
ObjectPtr object_copy(const rapidjson::Value& value, std::size_t bytes) {
  auto object = std::make_shared<Object>(std::max<std::size_t>(1, bytes));
  rapidjson::Value root;
  copy_value(value, object->GetAllocator(), root);
  static_cast<rapidjson::Value&>(*object).Swap(root);  // the Document's own Swap wants a Document
  return object;
}

}  // namespace

std::size_t frozen_bytes(const rapidjson::Value& value) {
  // At least one pool byte: RapidJSON wants a buffer larger than the pool's header.
  return pool_header_bytes() + std::max<std::size_t>(8, pool_bytes(value));
}

ObjectPtr freeze(const rapidjson::Value& value) {
  const std::size_t pool_size = std::max<std::size_t>(8, pool_bytes(value));
  const std::size_t buffer_size = pool_header_bytes() + pool_size;
  Trailing trailing{buffer_size - sizeof(FrozenRoot)};
  auto block = std::allocate_shared<FrozenRoot>(TrailingAllocator<FrozenRoot>(&trailing));
  std::byte* const buffer = block->bytes;
  // The pool runs from the root into the trailing bytes, so they must follow the root directly
  // (libstdc++ puts the object last in its control block), and the root must fit where the pool's
  // header was. Should either change, copy the slow way.
  if (trailing.begin != buffer + sizeof(FrozenRoot) || pool_header_bytes() < sizeof(FrozenRoot)) {
    return object_copy(value, pool_size);
  }

  rapidjson::Value root;
  bool fits = false;
  {
    Pool pool(buffer, buffer_size, pool_size, &detail::shared_base_allocator());
    copy_value(value, pool, root);
    // More than pool_bytes() counted would have gone to a chunk of the pool's own, freed with it.
    fits = pool.Capacity() == pool_size;
  }
  if (!fits) return object_copy(value, pool_size);
  const auto* frozen = ::new (static_cast<void*>(buffer)) rapidjson::Value(std::move(root));
  return ObjectPtr(std::move(block), frozen);
}

}  // namespace steward::kube
