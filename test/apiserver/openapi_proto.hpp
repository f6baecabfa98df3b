// An OpenAPI v2 document in the protobuf form kubectl asks /openapi/v2 for
// (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`): gnostic's openapi_v2.Document,
// which kube-apiserver produces from its JSON document with gnostic's compiler and proto.Marshal
// (vendor/github.com/googleapis/gnostic/openapiv2/OpenAPIv2.proto in the 1.20 tree).
//
// Covers what kube-apiserver's documents hold: swagger, info, paths (operations, their inline
// parameters and responses), definitions (Schema with every field a Kubernetes schema uses),
// security and securityDefinitions (API keys), and vendor extensions. A schema's `x-...` extensions, `default`, `example` and `enum` values become
// gnostic's Any, whose `yaml` is their JSON text (JSON is YAML; kubectl reads them with a YAML
// parser). Keys gnostic does not know are left out, as its compiler leaves them out.
#pragma once

#include "json.hpp"

#include <string>

namespace steward::testapi {

// Throws std::invalid_argument when a field has a JSON type gnostic would reject (a string where a
// schema belongs, say).
std::string openapi_v2_protobuf(const json::Value& document);

}  // namespace steward::testapi
