// Go duration strings: parsed as time.ParseDuration parses them, formatted as time.Duration's
// String() writes them, and read back exactly.

#include <catch2/catch.hpp>

#include <string>

#include "base/go_duration.hpp"

using namespace steward::base;
using namespace std::chrono_literals;

TEST_CASE("durations parse as Go's time.ParseDuration does") {
  const auto ok = [](std::string_view text) {
    std::string why;
    auto d = parse_duration(text, &why);
    INFO(std::string(text) << ": " << why);
    REQUIRE(d);
    return *d;
  };
  CHECK(ok("0") == 0s);
  CHECK(ok("-0") == 0s);
  CHECK(ok("+0") == 0s);
  CHECK(ok("0s") == 0s);
  CHECK(ok("500ms") == 500ms);
  CHECK(ok("10s") == 10s);
  CHECK(ok("1m30s") == 90s);
  CHECK(ok("10m") == 10min);
  CHECK(ok("1h") == 1h);
  CHECK(ok("1h1m1s1ms1us1ns") == 1h + 1min + 1s + 1ms + 1us + 1ns);
  CHECK(ok("1s1s") == 2s);  // Go adds repeated units
  CHECK(ok("1.5h") == 90min);
  CHECK(ok(".5s") == 500ms);
  CHECK(ok("1.s") == 1s);
  CHECK(ok("1.0000000001s") == 1s);  // below a nanosecond is dropped
  CHECK(ok("0.0000000001s") == 0s);
  CHECK(ok("3\u00b5s") == 3us);  // µ (micro sign)
  CHECK(ok("3\u03bcs") == 3us);  // μ (Greek mu)
  CHECK(ok("-1.5s") == -1500ms);
  CHECK(ok("9223372036854775807ns") == Duration::max());
  CHECK(ok("2562047h47m16.854775807s") == Duration::max());
  CHECK(ok("-9223372036854775808ns") == Duration::min());
  CHECK(ok("0.100000000000000000000h") == 6min);  // a long fraction is cut, not an error

  const auto bad = [](std::string_view text) {
    std::string why;
    auto d = parse_duration(text, &why);
    INFO(std::string(text));
    CHECK_FALSE(d);
    return why;
  };
  CHECK(bad("") == "invalid duration \"\"");
  CHECK(bad("-") == "invalid duration \"-\"");
  CHECK(bad(".") == "invalid duration \".\"");
  CHECK(bad(".s") == "invalid duration \".s\"");
  CHECK(bad("s") == "invalid duration \"s\"");
  CHECK(bad("1.2.3s") == "missing unit in duration \"1.2.3s\" (ns, us, ms, s, m or h)");
  CHECK(bad("10") == "missing unit in duration \"10\" (ns, us, ms, s, m or h)");
  CHECK(bad("1h30") == "missing unit in duration \"1h30\" (ns, us, ms, s, m or h)");
  CHECK(bad("1d") == "unknown unit \"d\" in duration \"1d\" (ns, us, ms, s, m or h)");
  CHECK(bad("1 s") == "unknown unit \" s\" in duration \"1 s\" (ns, us, ms, s, m or h)");
  CHECK(bad("1S") == "unknown unit \"S\" in duration \"1S\" (ns, us, ms, s, m or h)");
  CHECK(bad("9223372036854775808ns") == "duration \"9223372036854775808ns\" is too large");
  CHECK(bad("2562048h") == "duration \"2562048h\" is too large");
  CHECK(bad("99999999999999999999s") == "duration \"99999999999999999999s\" is too large");
  CHECK(bad("2562047h47m16.854775808s") == "duration \"2562047h47m16.854775808s\" is too large");
  CHECK_FALSE(parse_duration("1x"));  // `why` is optional
}

TEST_CASE("durations format as the shortest Go-style string and read back") {
  CHECK(format_duration(0s) == "0s");
  CHECK(format_duration(1ns) == "1ns");
  CHECK(format_duration(1500ns) == "1.5us");
  CHECK(format_duration(5ms) == "5ms");
  CHECK(format_duration(1500us) == "1.5ms");
  CHECK(format_duration(1500ms) == "1.5s");
  CHECK(format_duration(90s) == "1m30s");
  CHECK(format_duration(10min) == "10m");
  CHECK(format_duration(1h) == "1h");
  CHECK(format_duration(1h + 1s) == "1h1s");
  CHECK(format_duration(1000s) == "16m40s");
  CHECK(format_duration(-2s) == "-2s");
  CHECK(format_duration(Duration::max()) == "2562047h47m16.854775807s");
  CHECK(format_duration(Duration::min()) == "-2562047h47m16.854775808s");
  for (Duration d : {Duration(1), Duration(999), Duration(1'000'001), Duration(61'000'000'001),
                     Duration(3'600'000'000'000), Duration::max(), Duration::min(),
                     Duration(-7'200'500'000'000)})
    CHECK(parse_duration(format_duration(d)) == d);
}
