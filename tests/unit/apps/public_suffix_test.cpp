#include <gtest/gtest.h>

#include <string>

#include "egressmon/apps/host_name.h"
#include "egressmon/apps/public_suffix.h"

namespace egressmon {
namespace {

TEST(RegistrableDomain, IcannSection) {
  EXPECT_EQ(registrableDomain("www.bbc.co.uk"), "bbc.co.uk");
  EXPECT_EQ(registrableDomain("a.b.example.com"), "example.com");
  EXPECT_EQ(registrableDomain("example.com"), "example.com");
  EXPECT_EQ(registrableDomain("api16-normal-c-useast1a.tiktokv.com"), "tiktokv.com");
  // Wildcard and exception rules: *.kawasaki.jp, !city.kawasaki.jp.
  EXPECT_EQ(registrableDomain("a.b.c.kawasaki.jp"), "b.c.kawasaki.jp");
  EXPECT_EQ(registrableDomain("www.city.kawasaki.jp"), "city.kawasaki.jp");
}

TEST(RegistrableDomain, PrivateSectionCounts) {
  // The PSL's private section lists github.io, so each Pages site is its own site.
  EXPECT_EQ(registrableDomain("foo.github.io"), "foo.github.io");
  EXPECT_EQ(registrableDomain("a.foo.github.io"), "foo.github.io");
  EXPECT_EQ(registrableDomain("x.cloudfront.net"), "x.cloudfront.net");
}

TEST(RegistrableDomain, CaseAndTrailingDot) {
  EXPECT_EQ(registrableDomain("WWW.Example.COM"), "example.com");
  EXPECT_EQ(registrableDomain("www.example.com."), "example.com");
  EXPECT_EQ(registrableDomain("WWW.BBC.CO.UK."), "bbc.co.uk");
}

TEST(RegistrableDomain, Punycode) {
  EXPECT_EQ(registrableDomain("www.xn--mnchen-3ya.de"), "xn--mnchen-3ya.de");
  // An IDN TLD (.中国 = xn--fiqs8s).
  EXPECT_EQ(registrableDomain("www.example.xn--fiqs8s"), "example.xn--fiqs8s");
  EXPECT_EQ(registrableDomain("XN--MNCHEN-3YA.DE"), "xn--mnchen-3ya.de");
}

TEST(RegistrableDomain, NothingToRegister) {
  EXPECT_EQ(registrableDomain(""), "");
  EXPECT_EQ(registrableDomain("."), "");
  EXPECT_EQ(registrableDomain("com"), "");
  EXPECT_EQ(registrableDomain("co.uk"), "");
  EXPECT_EQ(registrableDomain("github.io"), "");
  EXPECT_EQ(registrableDomain("a..example.com"), "");
  EXPECT_EQ(registrableDomain(".example.com"), "");
  EXPECT_EQ(registrableDomain(std::string(300, 'a') + ".com"), "");
}

TEST(RegistrableDomain, AddressLiteralsAreNotDomains) {
  EXPECT_EQ(registrableDomain("1.2.3.4"), "");
  EXPECT_EQ(registrableDomain("1.2.3.4."), "");
  EXPECT_EQ(registrableDomain("2001:db8::1"), "");
  EXPECT_EQ(registrableDomain("[2001:db8::1]"), "");
  EXPECT_EQ(registrableDomain("1.2.3"), "");  // inet_aton would read this as an address
}

TEST(PublicSuffixList, IcannSuffixOnly) {
  const PublicSuffixList psl;
  EXPECT_EQ(psl.origin(), "built-in");
  EXPECT_TRUE(psl.isIcannSuffix("com"));
  EXPECT_TRUE(psl.isIcannSuffix("co.uk"));
  EXPECT_TRUE(psl.isIcannSuffix("CO.UK."));
  EXPECT_FALSE(psl.isIcannSuffix("github.io"));       // private section
  EXPECT_FALSE(psl.isIcannSuffix("cloudfront.net"));  // private section
  EXPECT_FALSE(psl.isIcannSuffix("example.com"));
  EXPECT_FALSE(psl.isIcannSuffix("internal"));  // not listed: the implicit "*" does not count
}

TEST(PublicSuffixList, LatestAndFile) {
  const PublicSuffixList latest = PublicSuffixList::latest();
  EXPECT_EQ(latest.registrableDomain("www.bbc.co.uk"), "bbc.co.uk");
  EXPECT_FALSE(latest.origin().empty());
  auto missing = PublicSuffixList::loadFile("/nonexistent/psl.dat");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/nonexistent/psl.dat"), std::string::npos);
  // Moving keeps the list usable on both sides.
  PublicSuffixList a = PublicSuffixList::latest();
  PublicSuffixList b = std::move(a);
  EXPECT_EQ(b.registrableDomain("a.b.example.com"), "example.com");
}

TEST(HostName, Fold) {
  char buf[kMaxHostName + 1];
  ASSERT_EQ(foldHostName("WWW.Example.COM.", buf), 15u);
  EXPECT_STREQ(buf, "www.example.com");
  EXPECT_EQ(foldHostName("", buf), 0u);
  EXPECT_EQ(foldHostName(".", buf), 0u);
  EXPECT_EQ(foldHostName(std::string(253, 'a'), buf), 253u);
  EXPECT_EQ(foldHostName(std::string(253, 'a') + ".", buf), 253u);
  EXPECT_EQ(foldHostName(std::string(254, 'a'), buf), 0u);
}

TEST(HostName, CanonicalDomain) {
  EXPECT_EQ(canonicalDomain("TikTokV.com.").value(), "tiktokv.com");
  EXPECT_EQ(canonicalDomain("xn--mnchen-3ya.de").value(), "xn--mnchen-3ya.de");
  EXPECT_EQ(canonicalDomain("_dmarc.example.com").value(), "_dmarc.example.com");
  for (const char* bad : {"", ".", "a..b", ".a.b", "-a.com", "a-.com", "a b.com", "*.x.com",
                          "b\xc3\xbc" "cher.de", "1.2.3.4", "::1", "a/b.com"}) {
    auto r = canonicalDomain(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("expected"), std::string::npos) << r.error().message;
  }
  EXPECT_FALSE(canonicalDomain(std::string(64, 'a') + ".com"));
  EXPECT_TRUE(canonicalDomain(std::string(63, 'a') + ".com"));
  EXPECT_NE(canonicalDomain("*.x.com").error().message.find("(expected \"x.com\")"),
            std::string::npos);
}

}  // namespace
}  // namespace egressmon
