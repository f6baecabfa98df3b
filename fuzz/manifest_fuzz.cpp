// Manifest loading (desired/manifest_loader.hpp): YAML text → validated objects with keys, the path
// every manifest file and `steward validate` input takes. The input is the text of one file.
//
// Beyond "no crash, leak, UB or hang": a load is all or nothing per object (an object is either
// given out whole or reported), and what it gives out agrees with itself: the key is what the
// object says, and the hash is the hash of the object's canonical JSON.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "desired/builtin_scopes.hpp"
#include "desired/manifest_loader.hpp"
#include "fuzz_check.hpp"
#include "kube/resource.hpp"

using steward::fuzz::check;
namespace desired = steward::desired;
namespace kube = steward::kube;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const desired::SourceSpec spec{.name = "fuzz", .path = "fuzz.yaml"};
  desired::LoaderOptions options;
  // The built-in table, as `steward validate` uses: namespaces get defaulted and removed.
  options.is_namespaced = desired::builtin_is_namespaced;
  // The same alias-bomb guard with a smaller budget: the daemon's 1,000,000 values take 3 s under
  // ASan, and every mutation of a bomb would cost that. The full limit has its own Catch2 test.
  options.yaml.max_nodes = 20'000;
  desired::SourceLoad load;
  desired::load_text(text, "fuzz.yaml", spec, options, load);

  for (const auto& error : load.errors) check(!error.to_string().empty(), "error has no text");
  for (const auto& object : load.objects) {
    check(object && object->object, "object without a document");
    const rapidjson::Value& doc = *object->object;
    const desired::ObjectKey& key = object->key;
    check(!key.kind.empty() && key.kind == kube::string_at(doc, {"kind"}), "key.kind");
    check(!key.name.empty() && key.name == kube::string_at(doc, {"metadata", "name"}),
          "key.name");
    check(key.group == kube::split_api_version(kube::string_at(doc, {"apiVersion"})).first,
          "key.group");
    check(key.ns == kube::string_at(doc, {"metadata", "namespace"}), "key.ns");
    check(object->body.object != nullptr &&
              kube::string_at(*object->body.object,
                              {"metadata", "annotations", desired::kDesiredHashAnnotation}) ==
                  object->body.hash &&
              object->body.hash == desired::to_hex(object->body.digest, 16),
          "apply body");
    check(object->location.file == "fuzz.yaml", "location");
  }
  return 0;
}
