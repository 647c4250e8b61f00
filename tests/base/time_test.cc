#include "ledger/base/time.h"

#include <catch2/catch.hpp>

using namespace custody;

TEST_CASE("Time: the fixed RFC 3339 form round trips", "[base][time]") {
  auto t = ParseTime("2026-11-20T10:03:00Z");
  REQUIRE(t.ok());
  CHECK(*t == 1795168980LL * 1000000000);
  CHECK(FormatTime(*t) == "2026-11-20T10:03:00.000000000Z");
  CHECK(ParseTime(FormatTime(*t + 123456789)).value() == *t + 123456789);
  CHECK(FormatTimeHuman(*t) == "2026-11-20 10:03:00Z");
  CHECK(FormatTime(0) == "1970-01-01T00:00:00.000000000Z");
}

TEST_CASE("Time: offsets, fractions and leap days", "[base][time]") {
  CHECK(ParseTime("2026-11-20T11:03:00+01:00").value() ==
        ParseTime("2026-11-20T10:03:00Z").value());
  CHECK(ParseTime("2026-11-20T10:03:00.5Z").value() ==
        ParseTime("2026-11-20T10:03:00Z").value() + 500000000);
  CHECK(ParseTime("2024-02-29T00:00:00Z").ok());
  CHECK_FALSE(ParseTime("2026-02-29T00:00:00Z").ok());
}

TEST_CASE("Time: malformed times are rejected with the expected form", "[base][time]") {
  for (const char* s :
       {"2026-11-20", "2026-11-20T10:03:00", "2026-13-01T00:00:00Z", "2026-11-31T00:00:00Z",
        "2026-11-20T24:00:00Z", "2026-11-20T10:03:00.Z", "2026-11-20T10:03:00Zx",
        "1969-12-31T23:59:59Z", "2200-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "yesterday", ""}) {
    INFO(s);
    auto r = ParseTime(s);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("RFC 3339") != std::string::npos);
  }
}

TEST_CASE("Time: the fixed form has nine fraction digits and Z, from 1970 to the end of 2199",
          "[base][time]") {
  constexpr TimeNs kS = 1000000000;
  CHECK(FormatTime(0) == "1970-01-01T00:00:00.000000000Z");
  CHECK(FormatTime(1795168980LL * kS + 5) == "2026-11-20T10:03:00.000000005Z");
  CHECK(FormatTime(951782400LL * kS + 123456789) == "2000-02-29T00:00:00.123456789Z");
  CHECK(FormatTime(7258118399LL * kS + 999999999) == "2199-12-31T23:59:59.999999999Z");
}
