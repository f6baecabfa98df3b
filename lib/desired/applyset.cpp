#include "desired/applyset.hpp"

#include "desired/sha256.hpp"
#include "kube/base64.hpp"

namespace steward::desired {

std::string applyset_parent_name(std::string_view instance, std::string_view source) {
  std::string name = "steward-";
  name.append(instance).append("-").append(source);
  return name;
}

std::string applyset_id(std::string_view name, std::string_view ns) {
  // kubectl's applySet.ID() (k8s.io/kubectl/pkg/cmd/apply/applyset.go): name, namespace, kind and
  // group joined by ".", hashed, and wrapped so that the label value starts and ends with an
  // alphanumeric character.
  std::string unencoded(name);
  unencoded.append(".").append(ns).append(".Secret.");
  const Sha256 digest = sha256(unencoded);
  return "applyset-" +
         kube::encode_base64url({reinterpret_cast<const char*>(digest.data()), digest.size()}) +
         "-v1";
}

}  // namespace steward::desired
