#pragma once
// What the scripted informer tests feed their FakeListerWatcher: ConfigMaps in namespace "ns" at a
// given resourceVersion, watch event lines, and list replies.

#include <memory>
#include <string>
#include <vector>

#include "kube/client.hpp"
#include "kube/object.hpp"

namespace steward::test {

// ConfigMap ns/NAME at resourceVersion RV; `extra` is spliced into its metadata.
inline std::shared_ptr<kube::Object> cm(const std::string& name, const std::string& rv,
                                        const std::string& extra = "") {
  auto doc = std::make_shared<kube::Object>();
  doc->Parse((R"({"kind":"ConfigMap","apiVersion":"v1","metadata":{"namespace":"ns","name":")" +
              name + R"(","resourceVersion":")" + rv + "\"" + extra + "}}")
                 .c_str());
  return doc;
}

// One watch body line: {"type":TYPE,"object":<cm(name, rv)>}.
inline std::string event(const std::string& type, const std::string& name, const std::string& rv) {
  return R"({"type":")" + type + R"(","object":)" + kube::to_json(*cm(name, rv)) + "}";
}

inline kube::ListReply list_of(std::vector<std::shared_ptr<kube::Object>> items, std::string rv) {
  kube::ListReply reply;
  reply.items = std::move(items);
  reply.resource_version = std::move(rv);
  return reply;
}

}  // namespace steward::test
