#pragma once
// What `steward diff` shows of a Secret's values: nothing, as `kubectl diff` shows nothing. Every
// value under `data` and `stringData` of a core-group Secret is replaced, on both sides of the
// diff, by a word that tells only whether it changed:
//
//   key on both sides, values equal          ***            ***
//   key on both sides, values differ         *** (before)   *** (after)
//   key on one side only                     ***
//
// The `steward.dev/desired-hash` annotation, a hash of the manifest and so of those values, and
// `steward.dev/ignored-digests`, digests of ignored fields' values, are masked the same way. Keys stay visible, so an added, removed or changed key still shows as a changed line. Either side
// may be missing (a create has no before, a prune no after), and a side may lack `data` where the
// other has it (steward diffs projections: only the fields it sets). Anything that is not a Secret
// is shown as it is, a ConfigMap's data included.

#include <rapidjson/document.h>

namespace steward::reconcile {

// The two sides of one object's diff as `steward diff` renders them: for a Secret, masked copies;
// for anything else, the objects themselves, which must outlive this. Not copyable: the sides may
// point into it.
class SecretMask {
 public:
  SecretMask(const rapidjson::Value* before, const rapidjson::Value* after);
  SecretMask(const SecretMask&) = delete;
  SecretMask& operator=(const SecretMask&) = delete;

  const rapidjson::Value* before() const { return before_; }
  const rapidjson::Value* after() const { return after_; }

 private:
  rapidjson::Document before_copy_;
  rapidjson::Document after_copy_;
  const rapidjson::Value* before_;
  const rapidjson::Value* after_;
};

}  // namespace steward::reconcile
