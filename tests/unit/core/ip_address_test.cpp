#include <gtest/gtest.h>

#include "egressmon/core/ip_address.h"
#include "egressmon/core/time.h"

using namespace egressmon;

TEST(IpAddress, ParsesAndPrintsBothFamilies) {
  auto v4 = IpAddress::parse("198.51.100.7");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->isV4());
  EXPECT_EQ(v4->toString(), "198.51.100.7");
  EXPECT_EQ(v4->v4HostOrder(), 0xc6336407u);
  auto v6 = IpAddress::parse("2001:db8::1");
  ASSERT_TRUE(v6);
  EXPECT_FALSE(v6->isV4());
  EXPECT_EQ(v6->toString(), "2001:db8::1");
  EXPECT_FALSE(IpAddress::parse("300.1.1.1"));
  EXPECT_FALSE(IpAddress::parse(""));
  EXPECT_FALSE(IpAddress::parse("2001:db8::1/64"));
  EXPECT_EQ(IpAddress::fromV4(0xc6336407u), *v4);
}

TEST(IpPrefix, ContainsRespectsBitBoundaries) {
  auto p = IpPrefix::parse("100.64.0.0/10");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->contains(*IpAddress::parse("100.64.0.1")));
  EXPECT_TRUE(p->contains(*IpAddress::parse("100.127.255.255")));
  EXPECT_FALSE(p->contains(*IpAddress::parse("100.128.0.0")));
  EXPECT_FALSE(p->contains(*IpAddress::parse("::ffff:0:0")));
  EXPECT_EQ(p->toString(), "100.64.0.0/10");
  auto q = IpPrefix::parse("fe80::/10");
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->contains(*IpAddress::parse("febf::1")));
  EXPECT_FALSE(q->contains(*IpAddress::parse("fec0::1")));
  // Host bits are cleared so equal prefixes compare equal.
  EXPECT_EQ(*IpPrefix::parse("10.1.2.3/8"), *IpPrefix::parse("10.0.0.0/8"));
  EXPECT_EQ(IpPrefix::parse("192.0.2.5")->toString(), "192.0.2.5/32");
  EXPECT_FALSE(IpPrefix::parse("10.0.0.0/33"));
  EXPECT_FALSE(IpPrefix::parse("10.0.0.0/"));
  EXPECT_FALSE(IpPrefix::parse("10.0.0.0/8x"));
  EXPECT_TRUE(IpPrefix::parse("::/0")->contains(*IpAddress::parse("2001:db8::1")));
}

TEST(Time, Rfc3339IsUtcWithMicroseconds) {
  EXPECT_EQ(formatRfc3339(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(formatRfc3339(seconds(1700000000) + 123456), "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(formatRfc3339(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(Time, ParseDurationAcceptsConfigUnitsAndRejectsTheRest) {
  EXPECT_EQ(parseDuration("30"), seconds(30));
  EXPECT_EQ(parseDuration("30s"), seconds(30));
  EXPECT_EQ(parseDuration("500ms"), 500'000);
  EXPECT_EQ(parseDuration("5m"), seconds(300));
  EXPECT_EQ(parseDuration("5min"), seconds(300));
  EXPECT_EQ(parseDuration("1h"), seconds(3600));
  EXPECT_EQ(parseDuration("1d"), seconds(86400));
  EXPECT_EQ(parseDuration("0"), 0);
  EXPECT_FALSE(parseDuration(""));
  EXPECT_FALSE(parseDuration("-5s"));
  EXPECT_FALSE(parseDuration("5 s"));
  EXPECT_FALSE(parseDuration("soon"));
  EXPECT_FALSE(parseDuration("5w"));
  EXPECT_FALSE(parseDuration("99999999999"));
}
