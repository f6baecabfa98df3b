#pragma once
// Hostile manifest files, one per row, each with the one error steward must report for it and the
// place that error must point at (issue #8, "Bad input"). Two tests read the same table:
// test/desired/hostile_input_test.cpp loads each row as a source of its own, and the CLI test
// test/cli/hostile_input_test.sh gets every row written into one folder by `hostile_corpus DIR`
// and runs `steward validate` and `steward run --once` on it.

#include <string>
#include <vector>

#include "desired/location.hpp"

namespace steward::test {

struct HostileInput {
  std::string name;     // what is hostile about it
  std::string file;     // file name, unique in the table
  std::string content;  // the file's bytes (built in code for the huge ones)
  std::string message;  // a substring of the one error
  desired::Mark at;     // where the error points; {0, 0} for the whole file
};

// Every row. Loaded with desired::builtin_is_namespaced for scopes, as `steward validate` does.
std::vector<HostileInput> hostile_inputs();

// A file that loads: the good neighbour the CLI test puts beside the hostile ones.
inline constexpr const char* kGoodManifestFile = "good.yaml";
inline constexpr const char* kGoodManifest =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\ndata:\n  color: green\n";

}  // namespace steward::test
