#pragma once
// How a plain (unquoted, untagged) YAML scalar becomes a JSON value, the way Kubernetes does it.
//
// kubectl and the API server read YAML through sigs.k8s.io/yaml, which decodes with its fork of
// go-yaml v2 and so resolves plain scalars by YAML 1.1 rules, not the YAML 1.2 core schema.
// sigs.k8s.io/yaml's own documentation of YAMLToJSON says: "As per the YAML 1.1 specification,
// which yaml.v2 used underneath implements, literal 'yes' and 'no' strings without quotation marks
// will be converted to true/false implicitly." (kubernetes-sigs/yaml, yaml.go). The table followed
// here is the one in kubernetes-sigs/yaml goyaml.v2/resolve.go:
//   true:  y Y yes Yes YES true True TRUE on On ON
//   false: n N no No NO false False FALSE off Off OFF
//   null:  (empty) ~ null Null NULL
//   float: .nan .inf +.inf -.inf (and capitalised forms); decimals matching
//          [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
//   int:   Go's strconv.ParseInt with base 0 after removing '_': decimal, 0x hex, 0o or leading-0
//          octal, 0b binary; a decimal too large for 64 bits becomes a float (it matches the
//          float pattern first), as in go-yaml.
// So `enabled: yes` in a ConfigMap's data is a boolean and the API server rejects it, exactly as
// `kubectl apply` would: steward must not accept a manifest kubectl refuses, nor read it otherwise.
//
// One deliberate difference: go-yaml turns plain timestamps (`2001-12-14`) into time.Time, which
// sigs.k8s.io/yaml re-serialises as RFC 3339 ("2001-12-14T00:00:00Z"); steward keeps the text as
// written. Both are strings; no Kubernetes field is a YAML timestamp.

#include <cstdint>
#include <string_view>

namespace steward::desired {

struct ResolvedScalar {
  enum class Type {
    kNull,
    kBool,
    kInt,       // fits int64
    kUint,      // above int64, fits uint64
    kFloat,     // finite
    kNonFinite, // .nan / .inf: YAML floats JSON cannot carry
    kOutOfRange,// hex/octal/binary integer beyond 64 bits
    kString,
  };
  Type type = Type::kString;
  bool boolean = false;
  std::int64_t integer = 0;
  std::uint64_t unsigned_integer = 0;
  double floating = 0;
};

// Resolves a plain scalar's text.
ResolvedScalar resolve_plain_scalar(std::string_view text);

}  // namespace steward::desired
