// Policy::evaluate() promises to allocate nothing (it runs for every judged flow on the packet
// thread). As tests/unit/apps/no_alloc_test.cpp: malloc, calloc and realloc are interposed for
// the whole process and counted inside the measured window; sanitizer builds replace the
// allocator themselves, so the counting is compiled out there.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <string>

#include "egressmon/policy/policy.h"

#include "alloc_counter.h"

using egressmon::test_support::gAllocs;
using egressmon::test_support::gCounting;

namespace egressmon {
namespace {

EGRESSMON_ALLOC_INTERPOSITION_TEST(PolicyNoAlloc)

TEST(PolicyNoAlloc, EvaluateAllocatesNothing) {
  if (!EGRESSMON_COUNT_ALLOCS) GTEST_SKIP() << "sanitizer build: allocator is not interposable";
  auto p = parsePolicy(R"(
[region]
allow = ["EU", "CH"]
deny = ["HU"]
[indeterminate]
hidden_name_scope = "all"
[[app_policy]]
app = "A very long application name beyond the small string buffer"
allow = ["US"]
[[ignore]]
range = "2001:db8:cafe::/48"
reason = "lab"
[[ignore]]
asn = 64500
reason = "partner"
[[ignore]]
domain = "a-very-long-domain-name-beyond-small-string.example.net"
reason = "ours"
[[ignore]]
app = "Backup"
reason = "contract"
)", "p.toml");
  ASSERT_TRUE(p) << p.error().message;
  const std::string longName(300, 'x');
  const std::string host = "WWW.A-very-long-domain-name-beyond-small-string.example.net.";
  const char* countries[] = {"DE", "US", "HU", "", "EU"};
  const char* apps[] = {"", "Backup", "A very long application name beyond the small string buffer"};
  const char* hosts[] = {"", host.c_str(), longName.c_str(), "example.com"};

  FlowFacts f;
  f.remote = IpAddress::parse("185.1.2.3").value();
  f.geo.flags = GeoInfo::kLookedUp | GeoInfo::kFound;
  f.bytesOut = 100;
  int verdicts[5] = {};
  gAllocs = 0;
  gCounting = true;
  for (const char* cc : countries) {
    for (const char* app : apps) {
      for (const char* h : hosts) {
        for (int bits = 0; bits < 16; ++bits) {
          f.geo.country = CountryCode::fromString(cc);
          f.geo.registeredCountry = CountryCode::fromString((bits & 1) ? "US" : "");
          f.geo.flags = uint8_t(GeoInfo::kLookedUp | ((bits & 2) ? GeoInfo::kAnycast : 0));
          f.geo.asn = (bits & 4) ? 64500 : 1;
          f.hiddenName = (bits & 8) != 0;
          f.dbStale = (bits & 8) != 0;
          f.appName = app;
          f.hostname = h;
          const Verdict v = p->evaluate(f);
          ++verdicts[int(v.kind)];
        }
      }
    }
  }
  f.geo.cls = AddrClass::Private;
  f.geo.flags = 0;
  ++verdicts[int(p->evaluate(f).kind)];
  gCounting = false;
  EXPECT_EQ(gAllocs.load(), 0);
  // Every kind was reached, so every path was measured.
  for (int n : verdicts) EXPECT_GT(n, 0);
}

}  // namespace
}  // namespace egressmon
