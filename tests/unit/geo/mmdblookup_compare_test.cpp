// Cross-checks GeoDb::lookup against libmaxminddb's own command-line tool: for each address,
// our country must equal what `mmdblookup --file F --ip A <path>` prints.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "egressmon/geo/geo.h"
#include "fixture_db.h"

namespace egressmon {
namespace {

using testing::FixtureDir;
using testing::runCapture;

constexpr const char* kMmdblookup = "/usr/bin/mmdblookup";
constexpr const char* kDefaultRealDb = "/var/lib/egressmon/geo-whois-asn-country.mmdb";

// The string value mmdblookup printed ("DE" from `  "DE" <utf8_string>`), or "".
std::string mmdblookupCountry(const std::string& file, const IpAddress& a, GeoSchema schema) {
  const std::string path = schema == GeoSchema::MaxMindCountry ? "country iso_code" : "country_code";
  const std::string out =
      runCapture(std::string(kMmdblookup) + " --file '" + file + "' --ip " + a.toString() + " " + path + " 2>/dev/null");
  const auto open = out.find('"');
  if (open == std::string::npos) return "";
  const auto close = out.find('"', open + 1);
  if (close == std::string::npos || out.compare(close + 1, 14, " <utf8_string>") != 0) return "?" + out;
  return out.substr(open + 1, close - open - 1);
}

void compare(const std::string& file, const std::vector<IpAddress>& addrs, int minFound) {
  auto r = GeoDb::open(file, GeoDbRole::Country);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const GeoDb& db = *r.value();
  ASSERT_TRUE(db.info().schema == GeoSchema::MaxMindCountry || db.info().schema == GeoSchema::FlatCountry);
  int found = 0;
  for (const IpAddress& a : addrs) {
    GeoInfo g;
    ASSERT_TRUE(db.lookup(a, g)) << a.toString();
    const std::string theirs = mmdblookupCountry(file, a, db.info().schema);
    EXPECT_EQ(std::string(g.country.view()), theirs) << a.toString() << " in " << file;
    if (!theirs.empty()) ++found;
  }
  std::printf("%s: %zu addresses compared, %d with a country\n", file.c_str(), addrs.size(), found);
  // Guards against a comparison that passes because both sides always say "nothing".
  EXPECT_GE(found, minFound) << file;
}

std::vector<IpAddress> parseAll(const std::vector<const char*>& texts) {
  std::vector<IpAddress> out;
  for (const char* t : texts) {
    auto a = IpAddress::parse(t);
    EXPECT_TRUE(a.has_value()) << t;
    if (a) out.push_back(*a);
  }
  return out;
}

class MmdblookupCompare : public ::testing::Test {
protected:
  void SetUp() override {
    if (::access(kMmdblookup, X_OK) != 0) GTEST_SKIP() << kMmdblookup << " not installed (package mmdb-bin)";
  }
};

// Every edge of the fixture map, plus addresses around and outside it.
const std::vector<const char*> kFixtureAddrs = {
    "198.51.100.0",  "198.51.100.1",   "198.51.100.64",  "198.51.100.127", "198.51.100.128",
    "198.51.100.129", "198.51.100.200", "198.51.100.255", "198.51.99.255", "198.51.101.0",
    "203.0.113.0",   "203.0.113.5",    "203.0.113.127",  "203.0.113.128",  "203.0.113.150",
    "203.0.113.191", "203.0.113.192",  "203.0.113.200",  "203.0.113.255",  "192.0.2.0",
    "192.0.2.77",    "192.0.2.255",    "192.0.3.1",      "8.8.8.8",        "8.8.8.255",
    "8.8.4.4",       "1.1.1.1",        "1.0.0.1",        "9.9.9.9",        "10.0.0.1",
    "127.0.0.1",     "0.0.0.0",        "255.255.255.255", "2001:db8:1::",  "2001:db8:1::1",
    "2001:db8:1:ffff::1", "2001:db8:2::", "2001:db8:2:abcd::1", "2001:db8:3::abcd",
    "2001:db8:4::1", "2001:db8::1",    "2001:db8:ffff::1", "2001:4860:4860::8888", "2001:4861::1",
    "2002:c633:6401::1", "2002:0808:0808::1", "::ffff:198.51.100.1", "2606:4700::1111", "fe80::1",
    "::1",
};

TEST_F(MmdblookupCompare, FixtureMaxMindCountry) {
  compare(FixtureDir::instance().build("maxmind-country"), parseAll(kFixtureAddrs), 25);
}

TEST_F(MmdblookupCompare, FixtureFlatCountry) {
  compare(FixtureDir::instance().build("flat-country"), parseAll(kFixtureAddrs), 25);
}

TEST_F(MmdblookupCompare, FixtureIpv4Only) {
  std::vector<const char*> v4;
  for (const char* t : kFixtureAddrs)
    if (std::string(t).find(':') == std::string::npos) v4.push_back(t);
  compare(FixtureDir::instance().build("maxmind-country", "--ipv4-only"), parseAll(v4), 15);
}

// A real database: $EGRESSMON_TEST_GEO_DB, else the packaged location.
TEST_F(MmdblookupCompare, RealDatabase) {
  const char* env = std::getenv("EGRESSMON_TEST_GEO_DB");
  const std::string file = env && *env ? env : kDefaultRealDb;
  if (::access(file.c_str(), R_OK) != 0) {
    GTEST_SKIP() << "no real country database at " << file
                 << " (install one there or set EGRESSMON_TEST_GEO_DB); fixture comparisons still ran";
  }
  std::vector<IpAddress> addrs = parseAll({
      "8.8.8.8", "1.1.1.1", "9.9.9.9", "223.5.5.5", "77.88.8.8", "185.199.108.153", "151.101.1.69",
      "13.107.42.14", "31.13.64.35", "104.16.132.229", "2001:4860:4860::8888", "2a00:1450:4001:82b::200e",
      "2606:4700:4700::1111", "2400:cb00:2048:1::c629:d7a2", "2a03:2880:f10c:83:face:b00c:0:25de",
  });
  // Deterministic pseudo-random public addresses, so the comparison is not just the famous ones.
  uint64_t s = 0x2545f4914f6cdd1dULL;
  auto next = [&s] {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  };
  while (addrs.size() < 55) {
    const IpAddress a = IpAddress::fromV4(uint32_t(next() >> 32));
    if (classifyAddress(a) == AddrClass::Public) addrs.push_back(a);
  }
  while (addrs.size() < 65) {
    uint8_t b[16] = {};
    const uint64_t x = next();
    b[0] = uint8_t(0x20 | ((x >> 56) & 0x03));  // 2000::/6, mostly allocated space
    for (int i = 1; i < 6; ++i) b[i] = uint8_t(x >> (8 * i));
    const IpAddress a = IpAddress::fromV6(b);
    if (classifyAddress(a) == AddrClass::Public) addrs.push_back(a);
  }
  compare(file, addrs, 30);
}

}  // namespace
}  // namespace egressmon
