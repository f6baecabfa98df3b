#pragma once
// Frozen objects: how the informers' caches hold an object that will never change again, in as
// few bytes as RapidJSON allows.
//
// freeze() deep-copies a value into ONE heap block: the shared_ptr control block, the root value,
// and every member array and string behind it, laid out by a RapidJSON pool that exists only while
// the copy is made. An Object (a Document with its own pool) keeps 136 bytes of parser state and
// pool bookkeeping and a second heap block for its content; in a cache of 1 KiB ConfigMaps that was
// 160 of 1,820 bytes an object (docs/performance.md, "Informer").
//
// Member names of Kubernetes' own fields too long for RapidJSON to keep inside the value
// ("resourceVersion", "creationTimestamp", ...) are not copied: they point at one static copy of
// the name, which every object would otherwise repeat. Readers see the same strings.

#include <rapidjson/document.h>

#include <cstddef>

#include "kube/object.hpp"

namespace steward::kube {

// An immutable copy of `value`. It owns everything it points at (strings `value` only referred to
// are copied too), so it outlives `value` and whatever `value` pointed into.
ObjectPtr freeze(const rapidjson::Value& value);

// The bytes of a frozen copy of `value` from its root value on: the root, the member and element
// arrays and the strings all lie within that many bytes of the root's address.
std::size_t frozen_bytes(const rapidjson::Value& value);

}  // namespace steward::kube
