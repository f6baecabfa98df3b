#pragma once
// Ownership: how steward recognises its own objects in the cluster. The marks it writes on every
// object it applies (two labels and two annotations) are part of the apply body made at load
// (desired/apply_body.hpp, which says what each is for); this is the reading side.
//
// An object is a member of one source's inventory (its ApplySet, desired/applyset.hpp): the one
// its part-of label names. An object steward applied before ApplySets has steward's label and
// source annotation but no part-of label; it counts as a member of that source's set in the
// instance that claims such objects (the default instance, which is what that steward was), and
// its next apply labels it.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "desired/apply_body.hpp"
#include "desired/desired_object.hpp"
#include "kube/object.hpp"

namespace steward::reconcile {

using desired::ApplyBody;
using desired::kDesiredHashAnnotation;
using desired::kManagedByLabel;
using desired::kManagedByValue;
using desired::kPartOfLabel;
using desired::kSourceAnnotation;
// The field manager of steward's applies.
inline constexpr std::string_view kFieldManager = "steward";
// The informers' selector: only objects steward manages are cached.
inline constexpr std::string_view kOwnershipSelector = "app.kubernetes.io/managed-by=steward";

// The source named by a live object that carries steward's label and source annotation, or empty
// when the object is not steward's.
std::string_view owning_source(const rapidjson::Value& live);

// The inventory a live object of steward's is a member of: its part-of label's value (an ApplySet
// id), or for one with steward's marks and no part-of label, legacy_member_key(its source). Empty
// for an object without steward's marks.
std::string member_key(const rapidjson::Value& live);
// The member key of objects of `source` applied before ApplySets: "steward.dev/source=<source>".
std::string legacy_member_key(std::string_view source);

// Which of this instance's sources an inventory member key belongs to, or nullopt.
using SourceOfMember = std::function<std::optional<std::string>(std::string_view member)>;

// The source of this instance whose inventory `live` is a member of, asking `source_of_member`;
// unset, only legacy keys count, for the source they name. nullopt: not this instance's.
std::optional<std::string> member_source(const rapidjson::Value& live,
                                         const SourceOfMember& source_of_member);

// The informers' store index of steward's objects by member key (informer/store.hpp): the prune
// guard and the managed-objects gauge read one inventory's objects without walking every cache.
inline constexpr std::string_view kMemberIndex = "applyset.kubernetes.io/part-of";
std::vector<std::string> member_index(const rapidjson::Value& live);

// Whether the server recorded an apply by field manager `manager` on the live object: an entry of
// its managedFields with that manager and operation Apply. Only the server writes managedFields,
// so a label and annotation copied onto someone else's object do not make it steward's.
bool applied_by(const rapidjson::Value& live, std::string_view manager);

// "Kind name" of the ownerReference with `controller: true` of the live object, or "": an object a
// controller made (it may have copied its parent's labels) is that controller's to delete.
std::string controller_of(const rapidjson::Value& live);

// The informers' transform for steward's caches: informer::default_transform, except that of
// managedFields it keeps the entries of steward's applies, each reduced to its manager and
// operation, which is all applied_by reads (the fields sets are most of managedFields' bytes),
// and, of its fields, only the opt-out annotations (desired/opt_outs.hpp) steward's apply owns,
// which is all applied_annotation reads. An object that ignore rules target (it carries
// steward.dev/ignored-digests) keeps every entry's manager, operation and fieldsV1: whose each
// field is decides what steward's body claims (ignore_rules.hpp).
void keep_ownership_facts(kube::Object& object);

// The value of annotation `name` on the live object when steward's apply (field manager
// `manager`) owns it, or nullopt: it is there because a manifest steward applied said so. A user's
// `kubectl annotate` of a different value moves the field to the user's manager, and one the user
// added is never steward's, so neither makes this answer. Read from the live object only where
// the manifest is gone (reconcile/opt_outs.hpp).
std::optional<std::string_view> applied_annotation(const rapidjson::Value& live,
                                                   std::string_view manager,
                                                   std::string_view name);

// The live object's desired-hash annotation, or empty.
std::string_view applied_hash(const rapidjson::Value& live);

// The key of a live (or desired) object: group from apiVersion, kind, namespace, name.
desired::ObjectKey key_of(const rapidjson::Value& object);

}  // namespace steward::reconcile
