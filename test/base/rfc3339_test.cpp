// base/rfc3339.hpp: the times logs, /status and Leases write.
#include <catch2/catch.hpp>

#include "base/rfc3339.hpp"

using steward::base::format_rfc3339;
using namespace std::chrono;

TEST_CASE("RFC 3339 in UTC with milliseconds or microseconds, before 1970 too") {
  const system_clock::time_point epoch{};
  CHECK(format_rfc3339(epoch + seconds(1136214245) + microseconds(123456)) ==
        "2006-01-02T15:04:05.123Z");
  CHECK(format_rfc3339(epoch + seconds(1136214245) + microseconds(123456), 6) ==
        "2006-01-02T15:04:05.123456Z");
  CHECK(format_rfc3339(epoch - milliseconds(1)) == "1969-12-31T23:59:59.999Z");
  CHECK(format_rfc3339(epoch - microseconds(1), 6) == "1969-12-31T23:59:59.999999Z");
}
