#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "egressmon/apps/app_catalog.h"

namespace egressmon {
namespace {

IpAddress ip(const char* text) { return IpAddress::parse(text).value(); }
IpPrefix prefix(const char* text) { return IpPrefix::parse(text).value(); }

AppRule app(std::string name, std::vector<std::string> domains = {},
            std::vector<std::string> names = {}) {
  AppRule r;
  r.name = std::move(name);
  r.vendor = "Test";
  r.domains = std::move(domains);
  r.exactNames = std::move(names);
  r.source = "test:" + r.name;
  return r;
}

AppCatalog build(std::vector<AppRule> rules) {
  auto c = AppCatalog::build(std::move(rules));
  EXPECT_TRUE(c) << c.error().message;
  return std::move(c).value();
}

class CatalogTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::vector<AppRule> rules;
    rules.push_back(app("TikTok", {"tiktokv.com", "TikTok.com."}));
    rules.push_back(app("Evil", {"eviltiktokv.com"}));
    rules.push_back(app("Google", {"google.com"}));
    rules.push_back(app("Meet", {"meet.google.com"}));
    rules.push_back(app("Suffix", {"example.org"}));
    rules.push_back(app("Exact", {}, {"api.example.org"}));
    rules.push_back(app("Munich", {"xn--mnchen-3ya.de"}));
    AppRule net = app("Net8");
    net.ranges = {prefix("10.0.0.0/8")};
    rules.push_back(net);
    AppRule net16 = app("Net16");
    net16.ranges = {prefix("10.1.0.0/16"), prefix("2001:db8::/32")};
    rules.push_back(net16);
    AppRule net24 = app("Net24");
    net24.ranges = {prefix("10.1.2.0/24"), prefix("2001:db8:1::/48"), prefix("192.0.2.7/32")};
    rules.push_back(net24);
    AppRule asn = app("Asn");
    asn.asns = {64500, 64501};
    rules.push_back(asn);
    AppRule stun = app("Stun");
    stun.ports = {3478, 3479};
    rules.push_back(stun);
    AppRule media = app("Media");  // ranges filtered by ports
    media.ranges = {prefix("10.1.2.128/25")};
    media.ports = {8801, 8802, 8803};
    rules.push_back(media);
    AppRule rtc = app("Rtc", {"rtc.google.com"});  // a domain filtered by ports
    rtc.ports = {3478};
    rules.push_back(rtc);
    AppRule asnPorts = app("AsnPorts");
    asnPorts.asns = {64502};
    asnPorts.ports = {443};
    rules.push_back(asnPorts);
    c_ = build(std::move(rules));
  }
  std::string_view host(std::string_view h, uint16_t port = 443) const {
    return c_.appName(c_.match(h, IpAddress{}, 0, port));
  }
  std::string_view addr(const char* a, uint16_t port = 443) const {
    return c_.appName(c_.match("", ip(a), 0, port));
  }
  AppCatalog c_;
};

TEST_F(CatalogTest, SuffixesMatchOnLabelBoundaries) {
  EXPECT_EQ(host("tiktokv.com"), "TikTok");
  EXPECT_EQ(host("api16.tiktokv.com"), "TikTok");
  EXPECT_EQ(host("a.b.c.d.e.api16-normal.tiktokv.com"), "TikTok");
  EXPECT_EQ(host("eviltiktokv.com"), "Evil");
  EXPECT_EQ(host("x.eviltiktokv.com"), "Evil");
  EXPECT_EQ(host("tiktokv.com.evil.net"), "");
  EXPECT_EQ(host("ktokv.com"), "");
  EXPECT_EQ(host("com"), "");
  EXPECT_EQ(host("tiktok.com"), "TikTok");  // stored canonical from "TikTok.com."
}

TEST_F(CatalogTest, CaseAndTrailingDot) {
  EXPECT_EQ(host("API16.TikTokV.COM"), "TikTok");
  EXPECT_EQ(host("api16.tiktokv.com."), "TikTok");
  EXPECT_EQ(host("TIKTOKV.COM."), "TikTok");
  EXPECT_EQ(host("tiktokv.com.."), "");  // an empty label is no name
  EXPECT_EQ(host("."), "");
}

TEST_F(CatalogTest, PunycodeLabels) {
  EXPECT_EQ(host("www.xn--mnchen-3ya.de"), "Munich");
  EXPECT_EQ(host("WWW.XN--MNCHEN-3YA.DE."), "Munich");
  EXPECT_EQ(host("xn--mnchen-3ya.de"), "Munich");
  EXPECT_EQ(host("mnchen-3ya.de"), "");
}

TEST_F(CatalogTest, ExactBeatsSuffix) {
  EXPECT_EQ(host("api.example.org"), "Exact");
  EXPECT_EQ(host("API.Example.ORG."), "Exact");
  EXPECT_EQ(host("x.api.example.org"), "Suffix");  // exact names do not cover subdomains
  EXPECT_EQ(host("example.org"), "Suffix");
  EXPECT_EQ(c_.matchDetail("api.example.org", {}, 0, 0).kind, AppMatchKind::ExactName);
  EXPECT_EQ(c_.matchDetail("www.example.org", {}, 0, 0).kind, AppMatchKind::DomainSuffix);
}

TEST_F(CatalogTest, LongestSuffixWins) {
  EXPECT_EQ(host("meet.google.com"), "Meet");
  EXPECT_EQ(host("a.meet.google.com"), "Meet");
  EXPECT_EQ(host("mail.google.com"), "Google");
  EXPECT_EQ(host("google.com"), "Google");
  EXPECT_EQ(host("xmeet.google.com"), "Google");
}

TEST_F(CatalogTest, AddressRangesLongestPrefix) {
  EXPECT_EQ(addr("10.9.9.9"), "Net8");
  EXPECT_EQ(addr("10.1.9.9"), "Net16");
  EXPECT_EQ(addr("10.1.2.3"), "Net24");
  EXPECT_EQ(addr("10.1.2.255", 443), "Net24");  // Media's /25 wants ports 8801-8803
  EXPECT_EQ(addr("10.1.2.255", 8802), "Media");
  EXPECT_EQ(addr("10.1.3.0"), "Net16");  // just past the /24: back to the enclosing /16
  EXPECT_EQ(addr("10.2.0.0"), "Net8");
  EXPECT_EQ(addr("10.255.255.255"), "Net8");
  EXPECT_EQ(addr("11.0.0.0"), "");
  EXPECT_EQ(addr("9.255.255.255"), "");
  EXPECT_EQ(addr("192.0.2.7"), "Net24");
  EXPECT_EQ(addr("192.0.2.6"), "");
  EXPECT_EQ(addr("192.0.2.8"), "");
  EXPECT_EQ(addr("2001:db8::1"), "Net16");
  EXPECT_EQ(addr("2001:db8:1::1"), "Net24");
  EXPECT_EQ(addr("2001:db8:1:ffff:ffff:ffff:ffff:ffff"), "Net24");
  EXPECT_EQ(addr("2001:db8:2::"), "Net16");
  EXPECT_EQ(addr("2001:db9::"), "");
  EXPECT_EQ(addr("::ffff:10.1.2.3"), "Net24");  // v4-mapped is IPv4
  EXPECT_EQ(addr("::a01:203"), "");              // IPv4-compatible is not
  EXPECT_EQ(c_.match("", IpAddress{}, 0, 443), kNoApp);  // unknown address
  EXPECT_EQ(c_.matchDetail("", ip("10.0.0.1"), 0, 0).kind, AppMatchKind::AddressRange);
}

TEST_F(CatalogTest, AsnAndPorts) {
  EXPECT_EQ(c_.appName(c_.match("", IpAddress{}, 64500, 443)), "Asn");
  EXPECT_EQ(c_.appName(c_.match("", IpAddress{}, 64501, 0)), "Asn");
  EXPECT_EQ(c_.match("", IpAddress{}, 64499, 443), kNoApp);
  EXPECT_EQ(c_.appName(c_.match("", IpAddress{}, 64502, 443)), "AsnPorts");
  EXPECT_EQ(c_.match("", IpAddress{}, 64502, 80), kNoApp);
  EXPECT_EQ(c_.appName(c_.match("", IpAddress{}, 0, 3478)), "Stun");
  EXPECT_EQ(c_.appName(c_.match("", IpAddress{}, 0, 3479)), "Stun");
  EXPECT_EQ(c_.match("", IpAddress{}, 0, 3480), kNoApp);
  EXPECT_EQ(c_.match("", IpAddress{}, 0, 0), kNoApp);
  EXPECT_EQ(c_.matchDetail("", {}, 64500, 0).kind, AppMatchKind::Asn);
  EXPECT_EQ(c_.matchDetail("", {}, 0, 3478).kind, AppMatchKind::Port);
}

TEST_F(CatalogTest, PortFilterOnADomainYieldsToShorterSuffix) {
  EXPECT_EQ(host("rtc.google.com", 3478), "Rtc");
  EXPECT_EQ(host("x.rtc.google.com", 3478), "Rtc");
  EXPECT_EQ(host("rtc.google.com", 443), "Google");
  EXPECT_EQ(host("rtc.google.com", 0), "Google");  // unknown port fails every filter
}

TEST_F(CatalogTest, Precedence) {
  // Host name, then address range, then ASN, then port-only rules.
  EXPECT_EQ(c_.appName(c_.match("api16.tiktokv.com", ip("10.1.2.3"), 64500, 3478)), "TikTok");
  EXPECT_EQ(c_.appName(c_.match("unknown.example", ip("10.1.2.3"), 64500, 3478)), "Net24");
  EXPECT_EQ(c_.appName(c_.match("unknown.example", ip("203.0.113.1"), 64500, 3478)), "Asn");
  EXPECT_EQ(c_.appName(c_.match("unknown.example", ip("203.0.113.1"), 1, 3478)), "Stun");
  EXPECT_EQ(c_.match("unknown.example", ip("203.0.113.1"), 1, 443), kNoApp);
  EXPECT_EQ(c_.match("", ip("203.0.113.1"), 0, 443), kNoApp);
}

TEST_F(CatalogTest, TheTwoStepsMakeUpMatchDetail) {
  // matchHostName() answers from names and domains only, matchAddress() from everything else;
  // matchDetail() is the first, else the second, over names, addresses, ASNs and ports.
  EXPECT_EQ(c_.appName(c_.matchHostName("rtc.google.com", 3478).app), "Rtc");
  EXPECT_EQ(c_.matchHostName("rtc.google.com", 443).kind, AppMatchKind::DomainSuffix);
  EXPECT_EQ(c_.matchHostName("unknown.example", 3478).app, kNoApp) << "Stun is port-only";
  EXPECT_EQ(c_.matchHostName("", 3478).app, kNoApp);
  EXPECT_EQ(c_.appName(c_.matchAddress(ip("10.1.2.3"), 64500, 3478).app), "Net24");
  EXPECT_EQ(c_.matchAddress(ip("10.1.2.3"), 64500, 3478).kind, AppMatchKind::AddressRange);
  EXPECT_EQ(c_.appName(c_.matchAddress(ip("203.0.113.1"), 1, 3478).app), "Stun");
  const char* hosts[] = {"", "api16.tiktokv.com", "rtc.google.com", "unknown.example", "api.example.org"};
  const char* addrs[] = {"10.1.2.3", "10.1.2.200", "203.0.113.1", "2001:db8:1::1", "::"};
  const uint32_t asns[] = {0, 64500, 64502};
  const uint16_t ports[] = {0, 443, 3478, 8801};
  for (const char* h : hosts)
    for (const char* a : addrs)
      for (uint32_t asn : asns)
        for (uint16_t port : ports) {
          const AppMatch whole = c_.matchDetail(h, ip(a), asn, port);
          AppMatch steps = c_.matchHostName(h, port);
          if (steps.app == kNoApp) steps = c_.matchAddress(ip(a), asn, port);
          EXPECT_EQ(whole.app, steps.app) << h << " " << a << " " << asn << " " << port;
          EXPECT_EQ(whole.kind, steps.kind) << h << " " << a << " " << asn << " " << port;
        }
}

TEST_F(CatalogTest, NamesAndIds) {
  EXPECT_EQ(c_.size(), 15u);
  const AppId t = c_.find("TikTok");
  ASSERT_NE(t, kNoApp);
  EXPECT_EQ(c_.appName(t), "TikTok");
  EXPECT_EQ(c_.vendor(t), "Test");
  ASSERT_NE(c_.rule(t), nullptr);
  EXPECT_EQ(c_.rule(t)->domains[1], "tiktok.com");
  EXPECT_EQ(c_.find("tiktok"), kNoApp);
  EXPECT_EQ(c_.appName(kNoApp), "");
  EXPECT_EQ(c_.appName(AppId(999)), "");
  EXPECT_EQ(c_.rule(kNoApp), nullptr);
  EXPECT_EQ(appMatchKindName(AppMatchKind::DomainSuffix), "domain");
}

TEST(Catalog, EmptyMatchesNothing) {
  const AppCatalog c;
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.match("tiktokv.com", IpAddress::parse("10.0.0.1").value(), 1, 443), kNoApp);
  auto built = AppCatalog::build({});
  ASSERT_TRUE(built);
  EXPECT_EQ(built->match("x.com", {}, 1, 1), kNoApp);
}

TEST(Catalog, RangesAtTheEdgesOfTheAddressSpace) {
  AppRule all4 = app("All4");
  all4.ranges = {prefix("0.0.0.0/0")};
  AppRule top = app("Top");
  top.ranges = {prefix("255.255.255.255/32"), prefix("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128")};
  AppRule all6 = app("All6");
  all6.ranges = {prefix("::/0")};
  const AppCatalog c = build({all4, top, all6});
  EXPECT_EQ(c.appName(c.match("", ip("1.2.3.4"), 0, 0)), "All4");
  EXPECT_EQ(c.appName(c.match("", ip("255.255.255.255"), 0, 0)), "Top");
  EXPECT_EQ(c.appName(c.match("", ip("255.255.255.254"), 0, 0)), "All4");
  EXPECT_EQ(c.appName(c.match("", ip("2001:db8::1"), 0, 0)), "All6");
  EXPECT_EQ(c.appName(c.match("", ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 0, 0)), "Top");
  EXPECT_EQ(c.appName(c.match("", ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"), 0, 0)), "All6");
}

TEST(Catalog, RangesMatchABruteForceLongestPrefix) {
  // Nested and adjacent prefixes; each address is checked against a linear scan.
  std::vector<AppRule> rules;
  const char* prefixes[] = {"10.0.0.0/8",   "10.0.0.0/16", "10.0.0.0/24", "10.0.1.0/24",
                            "10.0.0.128/25", "10.0.0.0/32", "10.255.0.0/16", "11.0.0.0/8",
                            "10.0.2.0/23",  "10.0.3.0/24", "10.0.0.64/26", "10.0.0.65/32"};
  for (const char* p : prefixes) {
    AppRule r = app(p);
    r.ranges = {prefix(p)};
    rules.push_back(r);
  }
  const AppCatalog c = build(rules);
  for (uint32_t a = 0x09FFFF00; a < 0x0A000500; ++a) {
    const IpAddress x = IpAddress::fromV4(a);
    std::string_view want;
    int best = -1;
    for (const char* p : prefixes) {
      if (prefix(p).contains(x) && prefix(p).bits128() > best) {
        best = prefix(p).bits128();
        want = p;
      }
    }
    ASSERT_EQ(c.appName(c.match("", x, 0, 0)), want) << x.toString();
  }
}

TEST(Catalog, BuildRejectsBadRules) {
  AppRule dupDomain = app("B", {"x.com"});
  AppRule nothing = app("C");
  AppRule zero = app("D");
  zero.asns = {0};
  zero.ports = {0};
  AppRule suffix = app("E", {"co.uk", "a..b"});
  AppRule dupRange = app("F");
  dupRange.ranges = {prefix("10.0.0.0/8"), prefix("10.0.0.0/8")};
  auto r = AppCatalog::build({app("A", {"x.com"}), dupDomain, app("A", {"y.com"}), nothing, zero,
                              suffix, dupRange, app("", {"z.com"})});
  ASSERT_FALSE(r);
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("test:B: app 'B': domain \"x.com\" is also claimed by app 'A' at test:A"),
            std::string::npos) << m;
  EXPECT_NE(m.find("test:A: app 'A': duplicate app name, first defined at test:A"),
            std::string::npos) << m;
  EXPECT_NE(m.find("test:C: app 'C': nothing to match"), std::string::npos) << m;
  EXPECT_NE(m.find("test:D: app 'D': asns: 0 is not an AS number"), std::string::npos) << m;
  EXPECT_NE(m.find("test:D: app 'D': ports: 0 is not a port"), std::string::npos) << m;
  EXPECT_NE(m.find("\"co.uk\" is a public suffix"), std::string::npos) << m;
  EXPECT_NE(m.find("\"a..b\" has an empty label"), std::string::npos) << m;
  EXPECT_NE(m.find("range 10.0.0.0/8 is listed twice"), std::string::npos) << m;
  EXPECT_NE(m.find("empty name"), std::string::npos) << m;
  EXPECT_EQ(std::count(m.begin(), m.end(), '\n'), 8) << m;  // nine problems, all reported

  AppRule p1 = app("P1"), p2 = app("P2");
  p1.ports = {53};
  p2.ports = {53};
  auto ports = AppCatalog::build({p1, p2});
  ASSERT_FALSE(ports);
  EXPECT_NE(ports.error().message.find("port 53 is also claimed by app 'P1'"), std::string::npos);
  // Port filters on other conditions claim nothing: two apps may filter on the same port.
  AppRule f1 = app("F1", {"a.com"}), f2 = app("F2", {"b.com"});
  f1.ports = {443};
  f2.ports = {443};
  EXPECT_TRUE(AppCatalog::build({f1, f2}));
}


// Rule i: two domains, an exact name and a /24; queries mix suffix hits, exact hits, range
// hits and misses, with the same shape whatever the catalog size.
AppCatalog syntheticCatalog(size_t n, std::vector<std::string>& hosts,
                            std::vector<IpAddress>& addrs) {
  std::vector<AppRule> rules;
  rules.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    AppRule r = app("app" + std::to_string(i),
                    {"vendor" + std::to_string(i) + ".com", "cdn" + std::to_string(i) + ".net"},
                    {"api.service" + std::to_string(i) + ".org"});
    r.ranges = {IpPrefix(IpAddress::fromV4(uint32_t(0x0A000000u + (i << 8))), 96 + 24)};
    rules.push_back(std::move(r));
  }
  uint64_t x = 88172645463325252ull;  // xorshift: a fixed spread of rules to query
  hosts.clear();
  addrs.clear();
  for (size_t q = 0; q < 16384; ++q) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const size_t i = x % n;
    const std::string s = std::to_string(i);
    switch (q % 4) {
      case 0: hosts.push_back("edge-" + s + ".media.vendor" + s + ".com"); break;
      case 1: hosts.push_back("api.service" + s + ".org"); break;
      case 2: hosts.push_back("img.cdn" + s + ".net"); break;
      default: hosts.push_back("www.unrelated" + s + ".example"); break;
    }
    addrs.push_back(IpAddress::fromV4(uint32_t(0x0A000000u + (i << 8) + 7)));
  }
  return build(std::move(rules));
}

// Scale is checked for correctness here; how match() costs with 10 vs 10,000 rules is a
// timing, which belongs in a benchmark, not in a test that a loaded machine could fail.
TEST(CatalogScale, TenThousandRulesAnswerEveryQuery) {
  std::vector<std::string> hosts;
  std::vector<IpAddress> addrs;
  const AppCatalog big = syntheticCatalog(10'000, hosts, addrs);
  EXPECT_EQ(big.appName(big.match("x.vendor9999.com", {}, 0, 0)), "app9999");
  EXPECT_EQ(big.appName(big.match("", IpAddress::fromV4(0x0A270F01u), 0, 0)), "app9999");
  ASSERT_EQ(hosts.size(), addrs.size());
  for (size_t q = 0; q < hosts.size(); ++q) {
    // Query q is about rule i (its address is in rule i's /24); names that match no rule
    // fall through to that range, so every query answers app<i>.
    const uint32_t i = (addrs[q].v4HostOrder() - 0x0A000000u) >> 8;
    ASSERT_EQ(big.appName(big.match(hosts[q], addrs[q], 0, 0)), "app" + std::to_string(i))
        << hosts[q];
  }
}

}  // namespace
}  // namespace egressmon
