// Credentials with a token file: the file is re-read about once a minute (projected service-account
// tokens rotate) and after a 401, never cached forever. Time is a FakeClock: no sleeping.
#include <catch2/catch.hpp>

#include "base/clock.hpp"
#include "kube/credentials.hpp"
#include "kube/temp_dir.hpp"

using namespace std::chrono_literals;
using steward::base::FakeClock;
using steward::kube::AuthConfig;
using steward::kube::Credentials;
using steward::test::TempDir;

TEST_CASE("a token file is re-read once a minute, not on every request and not never") {
  TempDir dir;
  AuthConfig auth;
  auth.token_file = dir.write("token", "first\n");
  FakeClock clock;
  Credentials credentials(auth, clock);
  CHECK(credentials.authorization().value == "Bearer first");

  dir.write("token", "second\n");  // rotated on disk
  clock.advance(59s);
  CHECK(credentials.authorization().value == "Bearer first");  // cached within the minute
  clock.advance(2s);
  CHECK(credentials.authorization().value == "Bearer second");
}

TEST_CASE("a 401 makes the next request re-read the token file at once, once") {
  TempDir dir;
  AuthConfig auth;
  auth.token_file = dir.write("token", "old\n");
  FakeClock clock;
  Credentials credentials(auth, clock);
  const auto used = credentials.authorization().value;
  REQUIRE(used == "Bearer old");
  dir.write("token", "new\n");
  credentials.unauthorized(used);
  CHECK(credentials.authorization().value == "Bearer new");
  // A second 401 for the old header (another request in flight with it) does not force yet
  // another read: the new token stays until its minute is up.
  dir.write("token", "newer\n");
  credentials.unauthorized(used);
  CHECK(credentials.authorization().value == "Bearer new");
}

TEST_CASE("an unreadable token file is an error, and the request is not sent") {
  TempDir dir;
  AuthConfig auth;
  auth.token_file = dir.path() / "missing";
  FakeClock clock;
  Credentials credentials(auth, clock);
  const auto header = credentials.authorization();
  REQUIRE(header.error);
  CHECK(header.error->message().find("missing") != std::string::npos);
}
