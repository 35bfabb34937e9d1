// AppCatalog::match() promises to allocate nothing (it runs once per new flow on the packet
// thread). This test interposes malloc, calloc and realloc for the whole process and counts
// calls made inside the measured window, as tests/unit/geo/no_alloc_test.cpp does. Sanitizer
// builds replace the allocator themselves, so the counting is compiled out there.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <string>

#include "egressmon/apps/app_catalog.h"

#include "alloc_counter.h"

using egressmon::test_support::gAllocs;
using egressmon::test_support::gCounting;

namespace egressmon {
namespace {

EGRESSMON_ALLOC_INTERPOSITION_TEST(AppsNoAlloc)

TEST(AppsNoAlloc, MatchAllocatesNothing) {
  if (!EGRESSMON_COUNT_ALLOCS) GTEST_SKIP() << "sanitizer build: allocator is not interposable";
  std::vector<AppRule> rules(3);
  rules[0].name = "A";
  rules[0].domains = {"example.com", "a-very-long-domain-name-beyond-small-string.example.net"};
  rules[0].exactNames = {"api.example.org"};
  rules[0].ports = {443};
  rules[1].name = "B";
  rules[1].ranges = {IpPrefix::parse("10.0.0.0/8").value(), IpPrefix::parse("2001:db8::/32").value()};
  rules[1].asns = {64500};
  rules[2].name = "C";
  rules[2].ports = {3478};
  auto c = AppCatalog::build(rules);
  ASSERT_TRUE(c) << c.error().message;
  const std::string longName(300, 'x');
  const IpAddress v4 = IpAddress::parse("10.1.2.3").value();
  const IpAddress v6 = IpAddress::parse("2001:db8::1").value();

  gAllocs = 0;
  gCounting = true;
  unsigned sum = 0;
  for (int i = 0; i < 1000; ++i) {
    sum += c->match("WWW.Example.COM.", v4, 0, 443);
    sum += c->match("x.a-very-long-domain-name-beyond-small-string.example.net", {}, 0, 443);
    sum += c->match("api.example.org", v6, 0, 80);
    sum += c->match(longName, {}, 64500, 0);
    sum += c->match("", {}, 0, 3478);
    sum += c->matchDetail("nothing.invalid", v4, 1, 1).app;
    sum += unsigned(c->appName(1).size());
  }
  gCounting = false;
  EXPECT_EQ(gAllocs.load(), 0);
  EXPECT_GT(sum, 0u);
}

}  // namespace
}  // namespace egressmon
