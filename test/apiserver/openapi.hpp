// /openapi/v2, the OpenAPI document kubectl validates manifests against (`apply`, `create`,
// `edit`, `replace`) and `kubectl explain` reads, as kube-apiserver 1.20 serves it:
//
// - Definitions: the built-in kinds this server serves, from kube-apiserver's own document
//   (openapi/builtin-v2.json, written by openapi/trim_swagger.py), plus two for each served version
//   of every Established CRD (its kind from spec.versions[].schema.openAPIV3Schema as the
//   apiextensions OpenAPI controller converts it to v2, and its list).
// - Paths: of the built-in resources, the path parameters and the PATCH operation, all kubectl
//   reads there. Before `--dry-run=server` kubectl 1.20 wants the kind's PATCH to have a `dryRun`
//   parameter (for a kind it cannot find, Namespace's, then that a CRD defines it); kubectl 1.32
//   looks for `fieldValidation` the same way and, not finding it (1.20 has none), validates on the
//   client. A CRD gets the PATCH operations of its item path and /status, as the real server
//   publishes them (kubectl 1.20 would otherwise list CRDs at apiextensions.k8s.io/v1beta1,
//   which this server does not serve).
// - Content negotiation as kube-openapi's handler: the first Accept clause (by q, then
//   specificity) that matches JSON or `application/com.github.proto-openapi.spec.v2@v1.0+protobuf`
//   wins (JSON when both match); nothing matching: 406. Both kubectls ask for protobuf only and
//   parse the body as protobuf whatever it is, so JSON alone would not do. JSON goes out as
//   `text/plain; charset=utf-8` and protobuf as `application/octet-stream` (net/http sniffs them so);
//   ETag is the quoted SHA-512 of the body, and If-None-Match with it answers 304 (kubectl's disk
//   cache revalidates that way).
// - /openapi/v3 stays 404, as on 1.20: kubectl 1.32 asks for it first, then falls back to v2.
#pragma once

#include "http_types.hpp"
#include "json.hpp"
#include "store.hpp"

#include <string>

namespace steward::testapi {

class OpenApi {
 public:
  // Reads the built-in document; throws std::runtime_error naming the file when it cannot.
  static OpenApi load(const std::string& path);
  explicit OpenApi(json::Value builtin);

  // The document for the CRDs in `store` now.
  json::Value document(const Store& store) const;
  // GET /openapi/v2.
  Response serve(const Request& req, const Store& store) const;

 private:
  json::Value builtin_;
};

// Adds to `document` what kube-apiserver 1.20 publishes for each served version of an Established
// CRD: the kind and list definitions, and the PATCH operations of the item path and its /status;
// nothing for any other CRD.
void add_crd_to_document(const json::Value& crd, json::Value& document);

// The part of a CRD version's openAPIV3Schema that OpenAPI v2 can say (apiextensions'
// openapi/v2/conversion.go): no allOf/oneOf/anyOf/not, nullable values and those that keep
// unknown fields lose their type, items and properties, an array without items its type,
// `default` and `nullable` go. Property keys come out sorted, as Go's maps print them.
json::Value crd_schema_to_v2(const json::Value& schema);

}  // namespace steward::testapi
