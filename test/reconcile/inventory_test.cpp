// ApplySet ids and the inventory's annotation formats, as kubectl writes and reads them.
#include <catch2/catch.hpp>

#include "desired/applyset.hpp"
#include "reconcile/inventory.hpp"

using namespace steward;
using reconcile::GroupKind;
using reconcile::InventoryContents;

TEST_CASE("applyset: the id is kubectl's formula for a Secret parent") {
  CHECK(desired::applyset_parent_name("steward", "apps") == "steward-steward-apps");
  // printf 'steward-steward-apps.steward-system.Secret.' | openssl dgst -sha256 -binary |
  //   basenc --base64url   (then without the '=' padding)
  CHECK(desired::applyset_id("steward-steward-apps", "steward-system") ==
        "applyset-LZIoEKIdftJaKsNM7M8NuACC1JLKPrHtuNp9ShdR37A-v1");
  // A label value: at most 63 characters, alphanumeric at both ends.
  const std::string id = desired::applyset_id("x", "y");
  CHECK(id.size() <= 63);
  CHECK(id.starts_with("applyset-"));
  CHECK(id.ends_with("-v1"));
}

TEST_CASE("inventory: contains-group-kinds is sorted Kind.group, Kind alone for the core group") {
  const std::set<GroupKind> kinds = {{"apps", "Deployment"}, {"", "ConfigMap"},
                                     {"example.com", "Widget"}, {"", "Secret"}};
  CHECK(reconcile::format_group_kinds(kinds) == "ConfigMap,Deployment.apps,Secret,Widget.example.com");
  CHECK(reconcile::parse_group_kinds("ConfigMap,Deployment.apps,Secret,Widget.example.com") == kinds);
  CHECK(reconcile::parse_group_kinds(" ConfigMap , ,Deployment.apps ") ==
        std::set<GroupKind>{{"", "ConfigMap"}, {"apps", "Deployment"}});
  CHECK(reconcile::parse_group_kinds("").empty());
  CHECK(reconcile::format_group_kinds({}).empty());
}

TEST_CASE("inventory: what a parent lists covers what is needed only when it holds all of it") {
  InventoryContents listed{.kinds = {{"", "ConfigMap"}}, .namespaces = {"a"}};
  CHECK(listed.covers({.kinds = {{"", "ConfigMap"}}}));
  CHECK(listed.covers({.kinds = {{"", "ConfigMap"}}, .namespaces = {"a"}}));
  CHECK_FALSE(listed.covers({.kinds = {{"apps", "Deployment"}}}));
  CHECK_FALSE(listed.covers({.kinds = {{"", "ConfigMap"}}, .namespaces = {"b"}}));
  listed.add({.kinds = {{"apps", "Deployment"}}, .namespaces = {"b"}});
  CHECK(listed.covers({.kinds = {{"apps", "Deployment"}, {"", "ConfigMap"}}, .namespaces = {"a", "b"}}));
}
