#include <gtest/gtest.h>

#include "egressmon/config/config.h"

using namespace egressmon;

TEST(Config, DefaultsAreSane) {
  const Config c = defaultConfig();
  EXPECT_EQ(c.engine.flow.maxFlows, 1'000'000u);
  EXPECT_EQ(c.engine.flow.timeouts.udp, seconds(60));
  EXPECT_FALSE(c.engine.localNetworks.empty());
  EXPECT_TRUE(c.geo.countryDb.empty());
}

TEST(Config, ReadsEveryKey) {
  auto r = parseConfig(R"(
[network]
local_networks = ["192.0.2.0/24", "2001:db8::/48"]
[flow]
max_flows = 5000
fragment_slots = 1024
fragment_timeout = "15s"
[flow.timeouts]
tcp_opening = 20
tcp_established = "2h"
tcp_closed = "500ms"
udp = "1m"
icmp = "30s"
other = 45
active = 0
[geo]
country_db = "/x/country.mmdb"
asn_db = "/x/asn.mmdb"
max_age_days = 10
cache_entries = 1024
lookup_special = ["documentation"]
)", "test.toml");
  ASSERT_TRUE(r) << r.error().message;
  const Config& c = r.value();
  ASSERT_EQ(c.engine.localNetworks.size(), 2u);
  EXPECT_EQ(c.engine.localNetworks[0].toString(), "192.0.2.0/24");
  EXPECT_EQ(c.engine.flow.maxFlows, 5000u);
  EXPECT_EQ(c.engine.flow.fragmentSlots, 1024u);
  EXPECT_EQ(c.engine.flow.fragmentTimeout, seconds(15));
  EXPECT_EQ(c.engine.flow.timeouts.tcpOpening, seconds(20));
  EXPECT_EQ(c.engine.flow.timeouts.tcpEstablished, seconds(7200));
  EXPECT_EQ(c.engine.flow.timeouts.tcpClosed, 500'000);
  EXPECT_EQ(c.engine.flow.timeouts.udp, seconds(60));
  EXPECT_EQ(c.engine.flow.timeouts.other, seconds(45));
  EXPECT_EQ(c.engine.flow.timeouts.active, 0);
  EXPECT_EQ(c.geo.countryDb, "/x/country.mmdb");
  EXPECT_EQ(c.geo.asnDb, "/x/asn.mmdb");
  EXPECT_EQ(c.geo.maxAgeDays, 10);
  EXPECT_EQ(c.geo.cacheEntries, 1024u);
  ASSERT_EQ(c.geo.lookupSpecial.size(), 1u);
  EXPECT_EQ(c.geo.lookupSpecial[0], AddrClass::Documentation);
}

struct BadCase {
  const char* text;
  const char* expected;  // substring of the error, which starts with file:line:col
};

class ConfigErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(ConfigErrors, NameFileLineAndWhatWasExpected) {
  auto r = parseConfig(GetParam().text, "/etc/egressmon/egressmon.toml");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(GetParam().expected), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.rfind("/etc/egressmon/egressmon.toml:", 0), 0u) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigErrors,
    ::testing::Values(
        BadCase{"\n[flow]\nmax_flowz = 3\n", "egressmon.toml:3:1: unknown key 'flow.max_flowz' in [flow]"},
        BadCase{"bogus = 1\n", "unknown key 'bogus' (expected one of: network, flow, names, apps, geo, "},
        BadCase{"[flow]\nmax_flows = \"many\"\n", ":2:13: flow.max_flows: expected an integer from 1 to 100000000, got a string"},
        BadCase{"[flow]\nmax_flows = 0\n", "expected an integer from 1 to 100000000, got 0"},
        BadCase{"[network]\nlocal_networks = [\"10.0.0.0/33\"]\n", ":2:19: network.local_networks: expected an address range"},
        BadCase{"[network]\nlocal_networks = \"10.0.0.0/8\"\n", "expected an array of address ranges"},
        BadCase{"[flow.timeouts]\nudp = \"soon\"\n", ":2:7: flow.timeouts.udp: expected a duration"},
        BadCase{"[flow.timeouts]\nudp = 0\n", "greater than zero"},
        BadCase{"[geo]\nlookup_special = [\"lan\"]\n", "geo.lookup_special: expected one of unspecified, private"},
        BadCase{"[geo]\ncountry_db = 5\n", "geo.country_db: expected a string, got an integer"},
        BadCase{"[flow\n", "egressmon.toml:1:"},
        BadCase{"flow = 3\n", "flow: expected a table [flow], got an integer"}));

TEST(Config, ReportsEveryErrorNotJustTheFirst) {
  auto r = parseConfig("[flow]\nmax_flows = -1\nbogus = 2\n", "c.toml");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("c.toml:2:"), std::string::npos);
  EXPECT_NE(r.error().message.find("c.toml:3:"), std::string::npos);
}

TEST(Config, MissingFileNamesThePath) {
  auto r = loadConfig("/nonexistent/egressmon.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "cannot read config /nonexistent/egressmon.toml: No such file or directory");
}

TEST(Config, ShippedDefaultConfigIsValid) {
  auto r = loadConfig(EGRESSMON_SOURCE_DIR "/config/egressmon.toml");
  ASSERT_TRUE(r) << r.error().message;
  const Config d = defaultConfig();
  // The shipped file documents the defaults; it must not silently change them.
  EXPECT_EQ(r.value().engine.flow.maxFlows, d.engine.flow.maxFlows);
  EXPECT_EQ(r.value().engine.flow.timeouts.tcpEstablished, d.engine.flow.timeouts.tcpEstablished);
  EXPECT_EQ(r.value().engine.flow.timeouts.udp, d.engine.flow.timeouts.udp);
  EXPECT_EQ(r.value().engine.localNetworks, d.engine.localNetworks);
  EXPECT_EQ(r.value().geo.maxAgeDays, d.geo.maxAgeDays);
}
