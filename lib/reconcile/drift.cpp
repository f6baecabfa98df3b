#include "reconcile/drift.hpp"

#include <cmath>
#include <string_view>

#include "reconcile/managed_fields.hpp"

namespace steward::reconcile {
namespace {

// Top-level fields that say nothing about drift.
bool ignored_top_level(std::string_view name) { return name == "status"; }

// Server-owned metadata: set by the API server whatever a manifest says.
bool ignored_metadata(std::string_view name) {
  return name == "resourceVersion" || name == "uid" || name == "generation" ||
         name == "creationTimestamp" || name == "managedFields" || name == "selfLink" ||
         name == "deletionTimestamp" || name == "deletionGracePeriodSeconds";
}

bool numbers_equal(const rapidjson::Value& a, const rapidjson::Value& b) {
  if (a.IsInt64() && b.IsInt64()) return a.GetInt64() == b.GetInt64();
  if (a.IsUint64() && b.IsUint64()) return a.GetUint64() == b.GetUint64();
  return a.GetDouble() == b.GetDouble();
}

bool scalars_equal(const rapidjson::Value& desired, const rapidjson::Value& live) {
  if (desired.IsNumber() && live.IsNumber()) return numbers_equal(desired, live);
  if (desired.GetType() != live.GetType()) return false;
  if (desired.IsString()) {
    return desired.GetStringLength() == live.GetStringLength() &&
           std::string_view(desired.GetString(), desired.GetStringLength()) ==
               std::string_view(live.GetString(), live.GetStringLength());
  }
  return desired == live;  // booleans (null handled by the caller)
}

class Walker {
 public:
  Drift drift;

  bool compare(const rapidjson::Value& desired, const rapidjson::Value& live, std::string& path,
               int depth) {
    if (desired.IsObject()) {
      if (!live.IsObject()) return differ(path, "not a map");
      for (const auto& member : desired.GetObject()) {
        const std::string_view name(member.name.GetString(), member.name.GetStringLength());
        if (depth == 0 && ignored_top_level(name)) continue;
        if (depth == 1 && path == ".metadata" && ignored_metadata(name)) continue;
        const std::size_t mark = path.size();
        path.append(".").append(name);
        auto found = live.FindMember(member.name);
        bool ok;
        if (member.value.IsNull()) {
          ok = found == live.MemberEnd() || found->value.IsNull() || differ(path, "should be absent");
        } else if (found == live.MemberEnd()) {
          ok = differ(path, "missing");
        } else {
          ok = compare(member.value, found->value, path, depth + 1);
        }
        if (!ok) return false;
        path.resize(mark);
      }
      return true;
    }
    if (desired.IsArray()) {
      if (!live.IsArray()) return differ(path, "not a list");
      if (desired.Size() != live.Size()) {
        return differ(path, "length " + std::to_string(live.Size()) + " != " +
                                std::to_string(desired.Size()));
      }
      for (rapidjson::SizeType i = 0; i < desired.Size(); ++i) {
        const std::size_t mark = path.size();
        path.append("[").append(std::to_string(i)).append("]");
        if (!compare(desired[i], live[i], path, depth + 1)) return false;
        path.resize(mark);
      }
      return true;
    }
    return scalars_equal(desired, live) || differ(path, "differs");
  }

 private:
  bool differ(const std::string& path, std::string reason) {
    drift = {true, path, std::move(reason)};
    return false;
  }
};

// Where (desired, live) lie in the object: its metadata and spec say which fields are special.
enum class Parent { kOther, kMetadata, kSpec };

// drift_within below `owned`, the node of (desired, live) in the set.
bool differences_owned(const rapidjson::Value& desired, const rapidjson::Value& live,
                       const rapidjson::Value* owned, int depth, Parent parent) {
  if (desired.IsObject()) {
    if (!live.IsObject()) return is_member(owned);
    for (const auto& member : desired.GetObject()) {
      const std::string_view name(member.name.GetString(), member.name.GetStringLength());
      if (depth == 0 && ignored_top_level(name)) continue;
      if (parent == Parent::kMetadata && ignored_metadata(name)) continue;
      const auto found = live.FindMember(member.name);
      if (member.value.IsNull()) {
        if (found != live.MemberEnd() && !found->value.IsNull()) return false;
        continue;
      }
      if (found == live.MemberEnd()) return false;
      // The /scale subresource writes spec.replicas without touching managedFields on the
      // project's kube-apiserver 1.20 (docs/architecture.md, "Ignore rules": kubectl scale and an
      // HPA leave steward owning the field), so ownership says nothing about who set it.
      if (parent == Parent::kSpec && name == "replicas" &&
          find_drift(member.value, found->value).drifted) {
        return false;
      }
      const Parent next = depth != 0           ? Parent::kOther
                          : name == "metadata" ? Parent::kMetadata
                          : name == "spec"     ? Parent::kSpec
                                               : Parent::kOther;
      if (!differences_owned(member.value, found->value, field_node(owned, name), depth + 1,
                             next)) {
        return false;
      }
    }
    return true;
  }
  if (desired.IsArray()) {
    if (!live.IsArray()) return is_member(owned);
    if (owns_whole_list(owned)) return true;  // an atomic list: all of it is the owner's
    if (desired.Size() != live.Size()) return false;
    for (rapidjson::SizeType i = 0; i < desired.Size(); ++i) {
      if (!differences_owned(desired[i], live[i], item_node(owned, live[i], i), depth + 1,
                             Parent::kOther)) {
        return false;
      }
    }
    return true;
  }
  return scalars_equal(desired, live) || is_member(owned);
}

}  // namespace

bool drift_within(const rapidjson::Value& desired, const rapidjson::Value& live,
                  const rapidjson::Value& owned) {
  return differences_owned(desired, live, &owned, 0, Parent::kOther);
}

Drift find_drift(const rapidjson::Value& desired, const rapidjson::Value& live) {
  Walker walker;
  std::string path;
  walker.compare(desired, live, path, 0);
  return walker.drift;
}

rapidjson::Value project(const rapidjson::Value& desired, const rapidjson::Value& live,
                         rapidjson::Document::AllocatorType& allocator) {
  if (desired.IsObject() && live.IsObject()) {
    rapidjson::Value out(rapidjson::kObjectType);
    for (const auto& member : desired.GetObject()) {
      auto found = live.FindMember(member.name);
      if (found == live.MemberEnd()) continue;
      out.AddMember(rapidjson::Value(member.name, allocator),
                    project(member.value, found->value, allocator), allocator);
    }
    return out;
  }
  if (desired.IsArray() && live.IsArray() && desired.Size() == live.Size()) {
    rapidjson::Value out(rapidjson::kArrayType);
    for (rapidjson::SizeType i = 0; i < desired.Size(); ++i) {
      out.PushBack(project(desired[i], live[i], allocator), allocator);
    }
    return out;
  }
  return rapidjson::Value(live, allocator);
}

}  // namespace steward::reconcile
