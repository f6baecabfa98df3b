#pragma once
// What a source's ignore rules (ignore_rule.hpp) do to one object: which of the manifest's fields
// they ignore, and, for each, what steward's apply body carries for it. plan() calls this once per
// reconcile of a targeted object; the drift rule and the apply read the same answer, so a field
// the body does not claim is never drift, and the reconcile after an apply costs no write.
//
// The sequence, for each field a rule ignores (measured on kube-apiserver 1.20, docs/architecture.md
// "Ignore rules"):
//   object absent (create)                        the manifest's value
//   the manifest's value changed since steward    the manifest's value: a forced apply takes the
//     last applied it                             field back (a manifest change is never ignored)
//     (or the field is new to the manifest)
//   another manager owns the field (steward       omitted: it stays theirs
//     does not, or shares it), or nobody does
//   steward alone owns it (a /scale write on      the live value: steward keeps the field, nothing is
//     1.20 leaves ownership where it was)         reset (dropping a field steward alone owns removes
//                                                 it), and the body equals the live object
//   ownership unknown (the cache kept no field    the live value, for the same reason
//     sets, see below)
//
// "Changed since steward last applied it": the live object's desired-hash annotation differs from
// the manifest's (it covers the whole manifest, ignored fields included), and the field's value
// differs from the one recorded then. Every body steward sends for a targeted object carries the
// annotation steward.dev/ignored-digests, a JSON object from JSON pointers to the first 12 hex
// digits of the SHA-256 of the manifest's value there (canonical JSON), and "#rules" to a digest
// of the rules that target the object:
//   {"#rules":"5f1d0c2e9a41","/spec/replicas":"d4735e3a265e"}
// It holds every field a paths rule names and, when a managers rule targets the object, every
// field of the manifest: a listed manager may take any of them after steward's last write (up to
// 64 KiB of record; past that only the fields ignored at the time, so a field taken later has no
// digest). With the manifest changed, a field the record does not hold counts as changed when
// the record was written under the same rules (the field is new to the manifest); under other
// rules nothing tells, and ownership decides (never a reset).
// The record is not part of the desired-hash and not part of the drift rule. A live record that
// differs from the body's (the rules changed, or the object predates them) is rewritten once, with
// no field taken from anyone (record_stale): without it, a field a listed manager takes later
// could not be told apart from a manifest change of it.
//
// Field ownership is read from the live object's managedFields. The informers' caches keep the
// field sets only of objects that carry the digests annotation (keep_ownership_facts), so an
// object steward applied before a rule targeted it has no known ownership until steward's next
// write to it.

#include <rapidjson/document.h>

#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kube/object.hpp"
#include "reconcile/ignore_rule.hpp"

namespace steward::reconcile {

inline constexpr std::string_view kIgnoredDigestsAnnotation = "steward.dev/ignored-digests";

// What the apply body carries for an ignored field.
enum class Treatment {
  kManifest,  // the manifest's value (create, or changed in the manifest)
  kOmit,      // nothing: another manager's (or nobody's) field
  kLive,      // the live value: steward's field, kept without resetting it
};
std::string_view to_string(Treatment treatment);

struct IgnoredField {
  std::string pointer;  // JSON pointer of the manifest's field: "/spec/replicas"
  std::vector<std::string> tokens;  // the same, split and unescaped
  std::string rule;     // which rule: "ignore[0] (paths /spec/replicas)"
  Treatment treatment = Treatment::kManifest;
  // kOmit, kLive: the live value differs from the manifest's, so without the rule this field
  // would have been written (steward_ignored_fields_total counts these).
  bool kept_from_write = false;

  bool operator==(const IgnoredField&) const = default;
};

struct IgnoreAdjustment {
  // What to send: the apply body with kOmit fields removed, kLive fields set to the live values
  // and the digests annotation. Null when no rule targets the object (send the body as it is).
  std::shared_ptr<const kube::Object> body;
  std::vector<IgnoredField> fields;
  // The live object's digests record differs from the body's: one write brings it up to date.
  bool record_stale = false;

  // `reference` (the memo's reference: the body or its projection) without the fields the body
  // does not claim from the manifest (kOmit, kLive): what the drift rule compares the live
  // object with.
  rapidjson::Value drift_reference(const rapidjson::Value& reference,
                                   rapidjson::Document::AllocatorType& allocator) const;
  // "/spec/replicas by ignore[0] (paths /spec/replicas)" for the fields kept from a write, "; "
  // between them; "" when none was.
  std::string describe_kept() const;
};

// The rules of a source applied to one desired object's apply body `body` and its live object
// (null: absent, it will be created). `field_manager` is steward's.
IgnoreAdjustment adjust_for_ignore_rules(const rapidjson::Value& body, const rapidjson::Value* live,
                                         std::span<const IgnoreRule> rules,
                                         std::string_view field_manager);

// `projection` (the memo's projection of an apply's answer, drift.hpp) with the manifest's values
// of `body` at the fields the apply left out or sent live: what the server holds there is someone
// else's, not a normalised form of the manifest's value. While the rule stands the drift rule
// skips those fields anyway; once it is gone they are compared with the manifest again, not with
// a value that happened to be live.
kube::ObjectPtr with_manifest_values(
    const rapidjson::Value& projection, const rapidjson::Value& body,
    std::span<const IgnoredField> fields);

// Whether `rule` applies to the object `object` (a desired one: its apiVersion, kind, namespace,
// name and labels).
bool targets(const IgnoreTarget& target, const rapidjson::Value& object);

// The record's entry for the rules it was written under: `"#rules"` (no JSON pointer starts
// with '#') to rules_digest(), so a field missing from a record written under the same rules is
// known to be new to the manifest, and under other rules is not known at all.
inline constexpr std::string_view kRulesKey = "#rules";
// 12 hex digits of SHA-256 of the rules of `rules` that target `object`, each with its index.
std::string rules_digest(std::span<const IgnoreRule> rules, const rapidjson::Value& object);
// The digest recorded for a manifest value: 12 hex digits of SHA-256 of its canonical JSON.
std::string ignored_digest(const rapidjson::Value& value);
// The live object's digests annotation, parsed; empty when absent or unreadable.
std::map<std::string, std::string> recorded_digests(const rapidjson::Value& live);

}  // namespace steward::reconcile
