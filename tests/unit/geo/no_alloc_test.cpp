// GeoResolver::resolve() and GeoDb::lookup() promise to allocate nothing after construction
// (they run once per new flow on the packet thread). This test interposes malloc, calloc and
// realloc for the whole process and counts calls made inside the measured window. Sanitizer
// builds replace the allocator themselves, so the test is compiled out there.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>

#include "egressmon/geo/geo.h"
#include "fixture_db.h"

#include <cstdlib>

#include "alloc_counter.h"

using egressmon::test_support::gAllocs;
using egressmon::test_support::gCounting;

namespace egressmon {
namespace {

using testing::FixtureDir;

EGRESSMON_ALLOC_INTERPOSITION_TEST(GeoNoAlloc)

TEST(GeoNoAlloc, ResolveAndLookupAllocateNothing) {
  if (!EGRESSMON_COUNT_ALLOCS) GTEST_SKIP() << "sanitizer build: allocator is not interposable";
  for (const char* countrySchema : {"maxmind-country", "flat-country"}) {
    for (const char* asnSchema : {"maxmind-asn", "flat-asn"}) {
      auto c = GeoDb::open(FixtureDir::instance().build(countrySchema));
      auto a = GeoDb::open(FixtureDir::instance().build(asnSchema));
      ASSERT_TRUE(c.ok() && a.ok());
      std::shared_ptr<const GeoDb> country = std::move(c).value();
      std::shared_ptr<const GeoDb> asn = std::move(a).value();
      GeoResolverConfig cfg;
      cfg.cacheEntries = 64;
      cfg.lookupSpecial = {AddrClass::Documentation};
      GeoResolver r(country, asn, cfg);

      std::vector<IpAddress> addrs;
      for (uint32_t i = 0; i < 256; ++i) {
        addrs.push_back(IpAddress::fromV4(0xc6336400u | i));  // 198.51.100.i (documentation)
        addrs.push_back(IpAddress::fromV4(0x08080800u | i));  // 8.8.8.i (public)
        addrs.push_back(IpAddress::fromV4(0x0a000000u | i));  // 10.0.0.i (private)
        uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, uint8_t(i % 5), 0, 0, 0, 0, 0, 0, 0, 0, 0, uint8_t(i)};
        addrs.push_back(IpAddress::fromV6(b));
      }
      uint64_t sink = 0;
      gAllocs = 0;
      gCounting = true;
      for (int round = 0; round < 2; ++round) {
        for (const IpAddress& x : addrs) {
          const GeoInfo g = r.resolve(x);
          GeoInfo d;
          (void)country->lookup(x, d);
          (void)asn->lookup(x, d);
          sink += g.asn + d.asn + uint64_t(g.country.c[0]);
        }
      }
      gCounting = false;
      EXPECT_EQ(gAllocs.load(), 0) << countrySchema << " + " << asnSchema;
      EXPECT_GT(sink, 0u);
      EXPECT_GT(r.stats().dbLookups, 0u);
    }
  }
}

}  // namespace
}  // namespace egressmon
