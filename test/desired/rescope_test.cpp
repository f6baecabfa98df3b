// Resolving in memory the scopes of objects loaded before their kinds were known.

#include <catch2/catch.hpp>

#include <string>

#include "desired/desired_state.hpp"
#include "desired/rescope.hpp"

using namespace steward::desired;

namespace {

const SourceSpec kSpec{.name = "s", .path = {}, .default_namespace = "team"};

// Widget is namespaced and Gadget cluster-scoped, once known.
ScopeFunc scopes(bool known) {
  return [known](std::string_view, std::string_view kind) -> std::optional<bool> {
    if (kind == "ConfigMap") return true;
    if (!known) return std::nullopt;
    return kind == "Widget";
  };
}

SourceObjects load(const std::string& yaml, bool known) {
  SourceLoad out{.source = "s"};
  load_text(yaml, "s.yaml", kSpec, {.is_namespaced = scopes(known)}, out);
  REQUIRE(out.ok());
  return {.name = "s", .objects = out.objects};
}

const std::string kYaml =
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n"
    "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 1}\n---\n"
    "apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g, namespace: stray}\n";

}  // namespace

TEST_CASE("rescope resolves in memory what a load with the kinds known would have made") {
  const SourceObjects before = load(kYaml, false);
  const auto resolved = rescope(before, kSpec, scopes(true));
  REQUIRE(resolved);
  REQUIRE(resolved->ok());
  const SourceObjects fresh = load(kYaml, true);
  REQUIRE(resolved->objects.size() == fresh.objects.size());
  for (std::size_t i = 0; i < fresh.objects.size(); ++i) {
    const DesiredObject& a = *resolved->objects[i];
    const DesiredObject& b = *fresh.objects[i];
    INFO(b.key.to_string());
    CHECK(a.key == b.key);
    CHECK_FALSE(a.scope_unknown);
    CHECK(canonical_json(*a.object) == canonical_json(*b.object));
    CHECK(same_desired(a, b));
    CHECK(a.location.to_string() == b.location.to_string());
  }
  // The object whose scope was known is shared, not copied.
  CHECK(resolved->objects[0] == before.objects[0]);
}

TEST_CASE("rescope changes nothing while the kinds are still unknown, or once all are resolved") {
  const SourceObjects before = load(kYaml, false);
  CHECK_FALSE(rescope(before, kSpec, scopes(false)));
  CHECK_FALSE(rescope(load(kYaml, true), kSpec, scopes(true)));
}

TEST_CASE("two objects that share a key once resolved are an error naming both places") {
  const SourceObjects before = load(
      "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: team}\n---\n"
      "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n",
      false);
  const auto resolved = rescope(before, kSpec, scopes(true));
  REQUIRE(resolved);
  REQUIRE(resolved->errors.size() == 1);
  CHECK_THAT(resolved->errors[0].to_string(),
             Catch::Contains("duplicate object") && Catch::Contains("s.yaml:5"));
  CHECK(resolved->objects.empty());
}
