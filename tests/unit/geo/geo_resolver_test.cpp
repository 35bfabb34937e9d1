#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "egressmon/geo/geo.h"
#include "fixture_db.h"

namespace egressmon {
namespace {

using testing::FixtureDir;

IpAddress ip(const char* text) {
  auto a = IpAddress::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddress{});
}

class GeoResolverTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    auto c = GeoDb::open(FixtureDir::instance().build("maxmind-country"), GeoDbRole::Country);
    auto a = GeoDb::open(FixtureDir::instance().build("maxmind-asn"), GeoDbRole::Asn);
    ASSERT_TRUE(c.ok()) << c.error().message;
    ASSERT_TRUE(a.ok()) << a.error().message;
    country_ = std::move(c).value();
    asn_ = std::move(a).value();
  }
  static void TearDownTestSuite() {
    country_.reset();
    asn_.reset();
  }
  static std::shared_ptr<const GeoDb> country_;
  static std::shared_ptr<const GeoDb> asn_;
};
std::shared_ptr<const GeoDb> GeoResolverTest::country_;
std::shared_ptr<const GeoDb> GeoResolverTest::asn_;

TEST_F(GeoResolverTest, PublicAddressGetsCountryAndAsn) {
  GeoResolver r(country_, asn_, {});
  const GeoInfo g = r.resolve(ip("8.8.8.8"));
  EXPECT_EQ(g.cls, AddrClass::Public);
  EXPECT_EQ(g.country.view(), "US");
  EXPECT_TRUE(g.registeredCountry.empty());
  EXPECT_EQ(g.asn, 15169u);
  EXPECT_EQ(g.flags, GeoInfo::kLookedUp | GeoInfo::kFound | GeoInfo::kAsnFound);
  EXPECT_EQ(r.asOrg(ip("8.8.8.8")), "GOOGLE");
  EXPECT_EQ(r.stats().lookups, 1u);
  EXPECT_EQ(r.stats().dbLookups, 2u);
  EXPECT_EQ(r.stats().dbErrors, 0u);
  EXPECT_EQ(r.countryDb(), country_.get());
  EXPECT_EQ(r.asnDb(), asn_.get());
}

TEST_F(GeoResolverTest, PublicAddressWithoutRecord) {
  GeoResolver r(country_, asn_, {});
  const GeoInfo g = r.resolve(ip("9.9.9.9"));
  EXPECT_EQ(g.cls, AddrClass::Public);
  EXPECT_FALSE(g.countryKnown());
  EXPECT_EQ(g.asn, 0u);
  EXPECT_EQ(g.flags, GeoInfo::kLookedUp);
  EXPECT_EQ(r.asOrg(ip("9.9.9.9")), "");
}

TEST_F(GeoResolverTest, SpecialAddressesAreNeverLookedUp) {
  GeoResolver r(country_, asn_, {});
  const std::vector<std::pair<const char*, AddrClass>> cases = {
      {"0.1.2.3", AddrClass::Unspecified},    {"10.1.2.3", AddrClass::Private},
      {"100.64.1.1", AddrClass::Cgnat},       {"127.0.0.1", AddrClass::Loopback},
      {"169.254.1.1", AddrClass::LinkLocal},  {"172.20.0.1", AddrClass::Private},
      {"192.0.0.9", AddrClass::Reserved},     {"192.0.2.1", AddrClass::Documentation},
      {"192.88.99.1", AddrClass::Reserved},   {"192.168.1.1", AddrClass::Private},
      {"198.18.0.1", AddrClass::Benchmarking}, {"198.51.100.1", AddrClass::Documentation},
      {"203.0.113.1", AddrClass::Documentation}, {"224.0.0.251", AddrClass::Multicast},
      {"240.0.0.1", AddrClass::Reserved},     {"255.255.255.255", AddrClass::Broadcast},
      {"::", AddrClass::Unspecified},         {"::1", AddrClass::Loopback},
      {"64:ff9b::8.8.8.8", AddrClass::Translation}, {"64:ff9b:1::1", AddrClass::Translation},
      {"100::1", AddrClass::Reserved},        {"2001::1", AddrClass::Reserved},
      {"2001:2::1", AddrClass::Benchmarking}, {"2001:db8:1::1", AddrClass::Documentation},
      {"3fff::1", AddrClass::Documentation},  {"fd00::1", AddrClass::Private},
      {"fe80::1", AddrClass::LinkLocal},      {"ff02::fb", AddrClass::Multicast},
  };
  for (const auto& [addr, cls] : cases) {
    const GeoInfo g = r.resolve(ip(addr));
    EXPECT_EQ(addrClassName(g.cls), addrClassName(cls)) << addr;
    EXPECT_EQ(g.flags, 0) << addr;
    EXPECT_FALSE(g.countryKnown()) << addr;
    EXPECT_EQ(g.asn, 0u) << addr;
  }
  EXPECT_EQ(r.stats().lookups, cases.size());
  EXPECT_EQ(r.stats().special, cases.size());
  EXPECT_EQ(r.stats().dbLookups, 0u);
  EXPECT_EQ(r.stats().cacheHits, 0u);
}

TEST_F(GeoResolverTest, LookupSpecialMapsDocumentationAddresses) {
  GeoResolverConfig cfg;
  cfg.lookupSpecial = {AddrClass::Documentation};
  GeoResolver r(country_, asn_, cfg);
  GeoInfo g = r.resolve(ip("198.51.100.1"));
  EXPECT_EQ(g.cls, AddrClass::Documentation);
  EXPECT_EQ(g.country.view(), "DE");
  EXPECT_EQ(g.asn, 64500u);
  EXPECT_EQ(g.flags, GeoInfo::kLookedUp | GeoInfo::kFound | GeoInfo::kAsnFound);
  g = r.resolve(ip("198.51.100.129"));
  EXPECT_EQ(g.country.view(), "US");
  EXPECT_EQ(g.registeredCountry.view(), "IE");
  g = r.resolve(ip("203.0.113.129"));
  EXPECT_EQ(g.country.view(), "JP");
  EXPECT_EQ(g.flags & GeoInfo::kAnycast, GeoInfo::kAnycast);
  g = r.resolve(ip("203.0.113.200"));
  EXPECT_EQ(g.cls, AddrClass::Documentation);
  EXPECT_EQ(g.flags, GeoInfo::kLookedUp | GeoInfo::kAsnFound);  // in the ASN /24, no country
  EXPECT_FALSE(g.countryKnown());
  g = r.resolve(ip("2001:db8:2::9"));
  EXPECT_EQ(g.country.view(), "CN");
  EXPECT_EQ(g.asn, 64503u);
  EXPECT_EQ(r.asOrg(ip("2001:db8:2::9")), "Example IPv6 Transit");
  // Other special classes stay unlooked-up.
  g = r.resolve(ip("10.0.0.1"));
  EXPECT_EQ(g.cls, AddrClass::Private);
  EXPECT_EQ(g.flags, 0);
  EXPECT_EQ(r.stats().special, 1u);
}

TEST_F(GeoResolverTest, NullCountryDbLeavesPublicUnknown) {
  GeoResolver r(nullptr, asn_, {});
  const GeoInfo g = r.resolve(ip("8.8.8.8"));
  EXPECT_EQ(g.cls, AddrClass::Public);
  EXPECT_FALSE(g.countryKnown());
  EXPECT_EQ(g.flags & (GeoInfo::kFound | GeoInfo::kLookedUp), 0);
  EXPECT_EQ(g.asn, 15169u);
  EXPECT_EQ(r.countryDb(), nullptr);

  GeoResolver none(nullptr, nullptr, {});
  const GeoInfo n = none.resolve(ip("8.8.8.8"));
  EXPECT_EQ(n.flags, 0);
  EXPECT_EQ(none.asOrg(ip("8.8.8.8")), "");
  EXPECT_EQ(none.stats().dbLookups, 0u);
}

TEST_F(GeoResolverTest, CacheCountsHits) {
  GeoResolver r(country_, nullptr, {});
  const GeoInfo first = r.resolve(ip("1.1.1.1"));
  const GeoInfo second = r.resolve(ip("1.1.1.1"));
  const GeoInfo mapped = r.resolve(ip("::ffff:1.1.1.1"));  // the same 16 bytes
  EXPECT_EQ(first.country.view(), "AU");
  EXPECT_EQ(second.country.view(), "AU");
  EXPECT_EQ(mapped.country.view(), "AU");
  EXPECT_EQ(second.flags, first.flags);
  EXPECT_EQ(r.stats().lookups, 3u);
  EXPECT_EQ(r.stats().cacheHits, 2u);
  EXPECT_EQ(r.stats().dbLookups, 1u);
}

// More distinct addresses than slots, revisited in several orders: every answer must still
// equal the database's, hits are counted, and the cache never grows.
TEST_F(GeoResolverTest, BoundedCacheStaysCorrect) {
  GeoResolverConfig cfg;
  cfg.cacheEntries = 10;  // rounded up to 16
  cfg.lookupSpecial = {AddrClass::Documentation};
  GeoResolver r(country_, asn_, cfg);

  std::vector<IpAddress> addrs;
  for (uint32_t i = 0; i < 256; ++i) {
    addrs.push_back(IpAddress::fromV4(0xc6336400u | i));  // 198.51.100.i
    addrs.push_back(IpAddress::fromV4(0xcb007100u | i));  // 203.0.113.i
    addrs.push_back(IpAddress::fromV4(0x08080800u | i));  // 8.8.8.i
  }
  auto expected = [&](const IpAddress& a) {
    GeoInfo g;
    g.cls = classifyAddress(a);
    g.flags = GeoInfo::kLookedUp;
    EXPECT_TRUE(country_->lookup(a, g));
    EXPECT_TRUE(asn_->lookup(a, g));
    return g;
  };
  auto same = [](const GeoInfo& x, const GeoInfo& y) {
    return x.country == y.country && x.registeredCountry == y.registeredCountry && x.asn == y.asn &&
           x.cls == y.cls && x.flags == y.flags;
  };
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < addrs.size(); ++i) {
      // Interleave a hot address so some lookups do hit.
      const IpAddress& a = (i % 2 == 0) ? addrs[0] : addrs[(i * 7 + size_t(round) * 13) % addrs.size()];
      const GeoInfo got = r.resolve(a);
      ASSERT_TRUE(same(got, expected(a))) << a.toString();
    }
  }
  const auto& s = r.stats();
  EXPECT_EQ(s.lookups, 3 * addrs.size());
  EXPECT_GT(s.cacheHits, s.lookups / 2 - 3);  // the hot address stays cached
  EXPECT_LT(s.cacheHits, s.lookups);
  EXPECT_EQ(s.dbLookups, 2 * (s.lookups - s.cacheHits));
  EXPECT_EQ(s.dbErrors, 0u);
  EXPECT_EQ(s.special, 0u);
}

TEST_F(GeoResolverTest, ZeroEntriesDisablesTheCache) {
  GeoResolverConfig cfg;
  cfg.cacheEntries = 0;
  GeoResolver r(country_, nullptr, cfg);
  EXPECT_EQ(r.resolve(ip("8.8.8.8")).country.view(), "US");
  EXPECT_EQ(r.resolve(ip("8.8.8.8")).country.view(), "US");
  EXPECT_EQ(r.stats().cacheHits, 0u);
  EXPECT_EQ(r.stats().dbLookups, 2u);
}

TEST_F(GeoResolverTest, IpV6AddressesAcrossSets) {
  GeoResolverConfig cfg;
  cfg.cacheEntries = 4;
  cfg.lookupSpecial = {AddrClass::Documentation};
  GeoResolver r(country_, nullptr, cfg);
  for (int round = 0; round < 2; ++round) {
    for (uint32_t i = 0; i < 64; ++i) {
      uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, uint8_t(1 + i % 4), 0, 0, 0, 0, 0, 0, 0, 0, 0, uint8_t(i)};
      const GeoInfo g = r.resolve(IpAddress::fromV6(b));
      const char* want = (i % 4 == 0) ? "DE" : (i % 4 == 1) ? "CN" : (i % 4 == 2) ? "US" : "";
      ASSERT_EQ(g.country.view(), want) << IpAddress::fromV6(b).toString();
    }
  }
}

}  // namespace
}  // namespace egressmon
