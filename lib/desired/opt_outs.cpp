#include "desired/opt_outs.hpp"

#include <algorithm>
#include <span>

namespace steward::desired {
namespace {

// The string value of annotation `name`, or nullopt when it is not set (or not a string: the
// loader reports that on its own).
std::optional<std::string_view> annotation(const rapidjson::Value* annotations,
                                           std::string_view name) {
  if (annotations == nullptr || !annotations->IsObject()) return std::nullopt;
  const auto found =
      annotations->FindMember(rapidjson::Value(rapidjson::StringRef(name.data(), name.size())));
  if (found == annotations->MemberEnd() || !found->value.IsString()) return std::nullopt;
  return std::string_view(found->value.GetString(), found->value.GetStringLength());
}

// "must be disabled, got \"x\"" / "must be disabled or namespace-contents, got \"x\"".
OptOutError bad_value(std::string_view name, std::span<const std::string_view> allowed,
                      std::string_view got) {
  std::string message(name);
  message += " must be ";
  std::size_t i = 0;
  for (const std::string_view value : allowed) {
    if (i > 0) message += i + 1 == allowed.size() ? " or " : ", ";
    message += value;
    ++i;
  }
  message += ", got \"" + std::string(got) + "\"";
  return {std::string(name), std::move(message)};
}

// One annotation: its values, and the flag the value that opts out sets. Other values it allows
// (prune: namespace-contents) are read elsewhere.
struct Rule {
  std::string_view name;
  std::span<const std::string_view> allowed;
  std::string_view opts_out;
  bool OptOuts::*flag;
};

constexpr std::string_view kDisabledValues[] = {kDisabled};
constexpr std::string_view kPruneValues[] = {kDisabled, kPruneNamespaceContents};
constexpr std::string_view kSsaValues[] = {kIfNotPresent};
constexpr std::string_view kForceValues[] = {kEnabled};

}  // namespace

ReadOptOuts read_opt_outs(const rapidjson::Value* annotations) {
  static const Rule rules[] = {
      {kReconcileAnnotation, kDisabledValues, kDisabled, &OptOuts::reconcile_disabled},
      {kPruneAnnotation, kPruneValues, kDisabled, &OptOuts::prune_disabled},
      {kSsaAnnotation, kSsaValues, kIfNotPresent, &OptOuts::if_not_present},
      {kForceAnnotation, kForceValues, kEnabled, &OptOuts::force_recreate},
  };
  ReadOptOuts out;
  for (const Rule& rule : rules) {
    const auto value = annotation(annotations, rule.name);
    if (!value) continue;
    if (std::find(rule.allowed.begin(), rule.allowed.end(), *value) == rule.allowed.end()) {
      out.error = bad_value(rule.name, rule.allowed, *value);
      return out;
    }
    if (*value == rule.opts_out) out.opt_outs.*rule.flag = true;
  }
  return out;
}

OptOuts opt_outs_of(const rapidjson::Value& manifest) {
  if (!manifest.IsObject()) return {};
  const auto metadata = manifest.FindMember("metadata");
  if (metadata == manifest.MemberEnd() || !metadata->value.IsObject()) return {};
  const auto annotations = metadata->value.FindMember("annotations");
  if (annotations == metadata->value.MemberEnd()) return {};
  return read_opt_outs(&annotations->value).opt_outs;
}

std::string describe(const OptOuts& opt_outs) {
  std::string out;
  const auto add = [&](std::string_view name, std::string_view value) {
    if (!out.empty()) out += ", ";
    out.append(name).append(": ").append(value);
  };
  if (opt_outs.reconcile_disabled) add(kReconcileAnnotation, kDisabled);
  if (opt_outs.prune_disabled) add(kPruneAnnotation, kDisabled);
  if (opt_outs.if_not_present) add(kSsaAnnotation, kIfNotPresent);
  if (opt_outs.force_recreate) add(kForceAnnotation, kEnabled);
  return out;
}

}  // namespace steward::desired
