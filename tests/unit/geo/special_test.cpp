#include <gtest/gtest.h>

#include <set>
#include <string>

#include "egressmon/geo/special.h"

namespace egressmon {
namespace {

struct Case {
  const char* addr;
  AddrClass cls;
};

AddrClass classify(const char* text) {
  const auto a = IpAddress::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a ? classifyAddress(*a) : AddrClass::kCount;
}

// Each registry entry at its edges and just outside them.
const Case kCases[] = {
    // IPv4
    {"0.0.0.0", AddrClass::Unspecified},
    {"0.255.255.255", AddrClass::Unspecified},
    {"1.0.0.0", AddrClass::Public},
    {"9.255.255.255", AddrClass::Public},
    {"10.0.0.0", AddrClass::Private},
    {"10.255.255.255", AddrClass::Private},
    {"11.0.0.0", AddrClass::Public},
    {"100.63.255.255", AddrClass::Public},
    {"100.64.0.0", AddrClass::Cgnat},
    {"100.127.255.255", AddrClass::Cgnat},
    {"100.128.0.0", AddrClass::Public},
    {"126.255.255.255", AddrClass::Public},
    {"127.0.0.1", AddrClass::Loopback},
    {"127.255.255.255", AddrClass::Loopback},
    {"169.253.255.255", AddrClass::Public},
    {"169.254.0.0", AddrClass::LinkLocal},
    {"169.254.169.254", AddrClass::LinkLocal},
    {"169.255.0.0", AddrClass::Public},
    {"172.15.255.255", AddrClass::Public},
    {"172.16.0.0", AddrClass::Private},
    {"172.31.255.255", AddrClass::Private},
    {"172.32.0.0", AddrClass::Public},
    {"192.0.0.0", AddrClass::Reserved},
    {"192.0.0.9", AddrClass::Reserved},
    {"192.0.0.255", AddrClass::Reserved},
    {"192.0.1.0", AddrClass::Public},
    {"192.0.2.0", AddrClass::Documentation},
    {"192.0.2.255", AddrClass::Documentation},
    {"192.0.3.0", AddrClass::Public},
    {"192.31.196.1", AddrClass::Public},   // AS112-v4: globally reachable
    {"192.52.193.1", AddrClass::Public},   // AMT: globally reachable
    {"192.88.98.255", AddrClass::Public},
    {"192.88.99.1", AddrClass::Reserved},  // deprecated 6to4 relay anycast
    {"192.88.100.0", AddrClass::Public},
    {"192.167.255.255", AddrClass::Public},
    {"192.168.0.0", AddrClass::Private},
    {"192.168.255.255", AddrClass::Private},
    {"192.169.0.0", AddrClass::Public},
    {"198.17.255.255", AddrClass::Public},
    {"198.18.0.0", AddrClass::Benchmarking},
    {"198.19.255.255", AddrClass::Benchmarking},
    {"198.20.0.0", AddrClass::Public},
    {"198.51.99.255", AddrClass::Public},
    {"198.51.100.0", AddrClass::Documentation},
    {"198.51.100.255", AddrClass::Documentation},
    {"198.51.101.0", AddrClass::Public},
    {"203.0.112.255", AddrClass::Public},
    {"203.0.113.0", AddrClass::Documentation},
    {"203.0.113.255", AddrClass::Documentation},
    {"203.0.114.0", AddrClass::Public},
    {"223.255.255.255", AddrClass::Public},
    {"224.0.0.0", AddrClass::Multicast},
    {"239.255.255.250", AddrClass::Multicast},
    {"240.0.0.0", AddrClass::Reserved},
    {"254.255.255.255", AddrClass::Reserved},
    {"255.255.255.254", AddrClass::Reserved},
    {"255.255.255.255", AddrClass::Broadcast},
    {"8.8.8.8", AddrClass::Public},
    // IPv4-mapped IPv6 is handled as IPv4
    {"::ffff:10.1.2.3", AddrClass::Private},
    {"::ffff:8.8.8.8", AddrClass::Public},
    {"::ffff:255.255.255.255", AddrClass::Broadcast},
    // IPv6
    {"::", AddrClass::Unspecified},
    {"::1", AddrClass::Loopback},
    {"::2", AddrClass::Reserved},
    {"::1:0", AddrClass::Reserved},
    {"::10.1.2.3", AddrClass::Reserved},  // deprecated IPv4-compatible
    {"::fffe:0:0", AddrClass::Reserved},
    {"64:ff9b::", AddrClass::Translation},
    {"64:ff9b::8.8.8.8", AddrClass::Translation},
    {"64:ff9b::1:0:0", AddrClass::Reserved},  // outside the /96, not in the /48
    {"64:ff9b:1::", AddrClass::Translation},
    {"64:ff9b:1:ffff:ffff:ffff:ffff:ffff", AddrClass::Translation},
    {"64:ff9b:2::", AddrClass::Reserved},
    {"100::", AddrClass::Reserved},
    {"100::ffff:ffff:ffff:ffff", AddrClass::Reserved},
    {"1fff:ffff::1", AddrClass::Reserved},
    {"2000::1", AddrClass::Public},
    {"2001::", AddrClass::Reserved},        // Teredo, inside 2001::/23
    {"2001:0:4136:e378::1", AddrClass::Reserved},
    {"2001:1::1", AddrClass::Reserved},     // PCP anycast
    {"2001:2::", AddrClass::Benchmarking},
    {"2001:2:0:ffff::1", AddrClass::Benchmarking},
    {"2001:2:1::", AddrClass::Reserved},    // past the /48, still in the /23
    {"2001:3::1", AddrClass::Reserved},     // AMT
    {"2001:4:112::1", AddrClass::Reserved}, // AS112-v6
    {"2001:20::1", AddrClass::Reserved},    // ORCHIDv2
    {"2001:1ff:ffff::1", AddrClass::Reserved},
    {"2001:200::1", AddrClass::Public},     // first address past 2001::/23
    {"2001:db7:ffff::1", AddrClass::Public},
    {"2001:db8::", AddrClass::Documentation},
    {"2001:db8:ffff:ffff::1", AddrClass::Documentation},
    {"2001:db9::", AddrClass::Public},
    {"2001:4860:4860::8888", AddrClass::Public},
    {"2002::", AddrClass::Public},          // 6to4: public by choice
    {"2002:c000:0204::1", AddrClass::Public},
    {"2606:4700:4700::1111", AddrClass::Public},
    {"2620:4f:8000::1", AddrClass::Public},
    {"3ffe:ffff::1", AddrClass::Public},
    {"3fff::", AddrClass::Documentation},
    {"3fff:fff:ffff::1", AddrClass::Documentation},
    {"3fff:1000::", AddrClass::Public},
    {"4000::1", AddrClass::Reserved},
    {"5f00::1", AddrClass::Reserved},       // SRv6 SIDs, outside 2000::/3
    {"fbff:ffff::1", AddrClass::Reserved},
    {"fc00::", AddrClass::Private},
    {"fd12:3456:789a::1", AddrClass::Private},
    {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AddrClass::Private},
    {"fe00::1", AddrClass::Reserved},
    {"fe7f:ffff::1", AddrClass::Reserved},
    {"fe80::", AddrClass::LinkLocal},
    {"fe80::1", AddrClass::LinkLocal},
    {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", AddrClass::LinkLocal},
    {"fec0::1", AddrClass::Reserved},       // deprecated site-local
    {"ff00::", AddrClass::Multicast},
    {"ff02::1", AddrClass::Multicast},
    {"ff05::1:3", AddrClass::Multicast},
};

TEST(ClassifyAddress, RegistryTable) {
  for (const Case& c : kCases) {
    EXPECT_EQ(addrClassName(classify(c.addr)), addrClassName(c.cls)) << c.addr;
  }
}

TEST(ClassifyAddress, EveryIpv4FirstOctet) {
  // Walk x.0.0.1 and x.255.255.254 for every first octet against a straightforward prefix list.
  struct P {
    uint32_t base;
    int bits;
    AddrClass cls;
  };
  const P prefixes[] = {
      {0x00000000, 8, AddrClass::Unspecified},   {0x0a000000, 8, AddrClass::Private},
      {0x64400000, 10, AddrClass::Cgnat},        {0x7f000000, 8, AddrClass::Loopback},
      {0xa9fe0000, 16, AddrClass::LinkLocal},    {0xac100000, 12, AddrClass::Private},
      {0xc0000000, 24, AddrClass::Reserved},     {0xc0000200, 24, AddrClass::Documentation},
      {0xc0586300, 24, AddrClass::Reserved},     {0xc0a80000, 16, AddrClass::Private},
      {0xc6120000, 15, AddrClass::Benchmarking}, {0xc6336400, 24, AddrClass::Documentation},
      {0xcb007100, 24, AddrClass::Documentation}, {0xe0000000, 4, AddrClass::Multicast},
      {0xffffffff, 32, AddrClass::Broadcast},    {0xf0000000, 4, AddrClass::Reserved},
  };
  auto expected = [&](uint32_t v) {
    for (const P& p : prefixes) {
      const uint32_t mask = p.bits == 0 ? 0 : ~uint32_t(0) << (32 - p.bits);
      if ((v & mask) == p.base) return p.cls;
    }
    return AddrClass::Public;
  };
  uint32_t state = 12345;
  for (uint32_t first = 0; first < 256; ++first) {
    for (int i = 0; i < 64; ++i) {
      state = state * 1664525u + 1013904223u;
      const uint32_t v = (first << 24) | (state >> 8);
      const IpAddress a = IpAddress::fromV4(v);
      ASSERT_EQ(addrClassName(classifyAddress(a)), addrClassName(expected(v))) << a.toString();
    }
  }
}

TEST(AddrClassName, StableSnakeCaseNames) {
  std::set<std::string> seen;
  for (int i = 0; i < static_cast<int>(AddrClass::kCount); ++i) {
    const std::string name(addrClassName(static_cast<AddrClass>(i)));
    EXPECT_FALSE(name.empty());
    for (char ch : name) EXPECT_TRUE((ch >= 'a' && ch <= 'z') || ch == '_') << name;
    EXPECT_TRUE(seen.insert(name).second) << "duplicate " << name;
  }
  EXPECT_EQ(addrClassName(AddrClass::Public), "public");
  EXPECT_EQ(addrClassName(AddrClass::LinkLocal), "link_local");
  EXPECT_EQ(addrClassName(AddrClass::Cgnat), "cgnat");
  EXPECT_EQ(addrClassName(AddrClass::Translation), "translation");
}

}  // namespace
}  // namespace egressmon
