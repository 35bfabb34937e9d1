// AlertDeduplicator: keys, windows, evidence, held alerts and bounded memory, with exact counts.
#include <gtest/gtest.h>

#include "egressmon/alerts/dedup.h"
#include "test_alerts.h"

using namespace egressmon;
using egressmon::test::kT0;
using egressmon::test::sampleAlert;

namespace {

Alert alertAt(TimeUs t, uint64_t flowId, uint64_t bytesOut, std::string host = "www.example.com") {
  Alert a = sampleAlert();
  a.time = t;
  a.flowId = flowId;
  a.bytesOut = bytesOut;
  a.hostname = std::move(host);
  return a;
}

DedupDecision offer(AlertDeduplicator& d, Alert& a) { return d.offer(a, a.time); }

}  // namespace

TEST(AlertDedupKey, AsnThenDomainThenHostThenAddress) {
  Alert a = sampleAlert();
  EXPECT_EQ(alertDedupKey(a), "firefox|US|AS64500");
  a.asn = 0;
  EXPECT_EQ(alertDedupKey(a), "firefox|US|example.com");
  a.domain.clear();
  a.hostname = "WWW.Example.COM";
  EXPECT_EQ(alertDedupKey(a), "firefox|US|www.example.com");
  a.hostname.clear();
  EXPECT_EQ(alertDedupKey(a), "firefox|US|198.51.100.20");
  a.app.clear();
  a.country = {};
  EXPECT_EQ(alertDedupKey(a), "-|??|198.51.100.20");
}

TEST(AlertDedup, OnlyFirstAlertOfAKeyInItsWindowIsEmitted) {
  AlertDeduplicator d(DedupConfig{seconds(600), 100});
  Alert a1 = alertAt(kT0, 1, 100);
  Alert a2 = alertAt(kT0 + seconds(10), 2, 200, "cdn.example.com");
  Alert a3 = alertAt(kT0 + seconds(599), 3, 300);
  EXPECT_EQ(offer(d, a1), DedupDecision::Emit);
  EXPECT_EQ(offer(d, a2), DedupDecision::Repeat);
  EXPECT_EQ(offer(d, a3), DedupDecision::Repeat);

  // The first emitted alert carries the evidence as of itself.
  EXPECT_EQ(a1.evidence.key, "firefox|US|AS64500");
  EXPECT_EQ(a1.evidence.firstSeen, kT0);
  EXPECT_EQ(a1.evidence.lastSeen, kT0);
  EXPECT_EQ(a1.evidence.flows, 1u);
  EXPECT_EQ(a1.evidence.bytesOut, 100u);
  EXPECT_EQ(a1.evidence.hosts, std::vector<std::string>{"www.example.com"});
  EXPECT_EQ(a1.evidence.repeatsSuppressed, 0u);
  EXPECT_TRUE(a2.evidence.key.empty());  // repeats are not filled

  // The window is half-open: exactly 600 s after the emitted alert starts a new one.
  Alert a4 = alertAt(kT0 + seconds(600), 4, 400);
  EXPECT_EQ(offer(d, a4), DedupDecision::Emit);
  EXPECT_EQ(a4.evidence.firstSeen, kT0);
  EXPECT_EQ(a4.evidence.lastSeen, kT0 + seconds(600));
  EXPECT_EQ(a4.evidence.flows, 4u);
  EXPECT_EQ(a4.evidence.bytesOut, 1000u);
  EXPECT_EQ(a4.evidence.hosts, (std::vector<std::string>{"www.example.com", "cdn.example.com"}));
  EXPECT_EQ(a4.evidence.repeatsSuppressed, 2u);

  // The repeat count restarts with each emitted alert.
  Alert a5 = alertAt(kT0 + seconds(601), 5, 1);
  Alert a6 = alertAt(kT0 + seconds(1200), 6, 1);
  EXPECT_EQ(offer(d, a5), DedupDecision::Repeat);
  EXPECT_EQ(offer(d, a6), DedupDecision::Emit);
  EXPECT_EQ(a6.evidence.repeatsSuppressed, 1u);
  EXPECT_EQ(a6.evidence.flows, 6u);

  const DedupStats& s = d.stats();
  EXPECT_EQ(s.offered, 6u);
  EXPECT_EQ(s.emitted, 3u);
  EXPECT_EQ(s.repeats, 3u);
  EXPECT_EQ(s.held, 0u);
  EXPECT_EQ(d.size(), 1u);
}

TEST(AlertDedup, KeysSeparateAppsCountriesAndAsns) {
  AlertDeduplicator d;
  Alert base = alertAt(kT0, 1, 10);
  Alert otherApp = base;
  otherApp.app = "curl";
  Alert otherCountry = base;
  otherCountry.country = CountryCode::fromString("CN");
  Alert otherAsn = base;
  otherAsn.asn = 64501;
  Alert sameAsnOtherHost = base;
  sameAsnOtherHost.hostname = "other.example.net";
  sameAsnOtherHost.domain = "example.net";
  EXPECT_EQ(offer(d, base), DedupDecision::Emit);
  EXPECT_EQ(offer(d, otherApp), DedupDecision::Emit);
  EXPECT_EQ(offer(d, otherCountry), DedupDecision::Emit);
  EXPECT_EQ(offer(d, otherAsn), DedupDecision::Emit);
  EXPECT_EQ(offer(d, sameAsnOtherHost), DedupDecision::Repeat);  // the ASN decides
  EXPECT_EQ(d.size(), 4u);

  // Without an ASN, the registrable domain decides; without one, the host name (any case).
  Alert n1 = base;
  n1.asn = 0;
  n1.hostname = "a.cdn.example";
  n1.domain = "cdn.example";
  Alert n2 = n1;
  n2.hostname = "b.cdn.example";
  Alert h1 = base;
  h1.asn = 0;
  h1.domain.clear();
  h1.hostname = "Host.Example";
  Alert h2 = h1;
  h2.hostname = "host.example";
  Alert ip = base;
  ip.asn = 0;
  ip.domain.clear();
  ip.hostname.clear();
  EXPECT_EQ(offer(d, n1), DedupDecision::Emit);
  EXPECT_EQ(offer(d, n2), DedupDecision::Repeat);
  EXPECT_EQ(offer(d, h1), DedupDecision::Emit);
  EXPECT_EQ(offer(d, h2), DedupDecision::Repeat);
  EXPECT_EQ(offer(d, ip), DedupDecision::Emit);
  EXPECT_EQ(d.size(), 7u);

  // Without a name either, the remote address: each its own key, IPv4 apart from an IPv6
  // address ending in the same bytes, and apart from a host name written as that address.
  Alert ip2 = ip;
  ip2.remoteAddr = IpAddress::parse("198.51.100.21").value();
  Alert ip6 = ip;
  ip6.remoteAddr = IpAddress::parse("2001:db8::c633:6414").value();  // ends like 198.51.100.20
  Alert asHost = ip;
  asHost.hostname = "198.51.100.20";
  Alert ipAgain = ip;
  EXPECT_EQ(offer(d, ip2), DedupDecision::Emit);
  EXPECT_EQ(offer(d, ip6), DedupDecision::Emit);
  EXPECT_EQ(offer(d, asHost), DedupDecision::Emit);
  EXPECT_EQ(offer(d, ipAgain), DedupDecision::Repeat);
  EXPECT_EQ(d.size(), 10u);
  EXPECT_EQ(ip6.evidence.key, "firefox|US|2001:db8::c633:6414");
}

TEST(AlertDedup, HostSampleHoldsAtMostFiveDistinctNames) {
  AlertDeduplicator d(DedupConfig{seconds(60), 10});
  const char* hosts[] = {"a.example", "b.example", "A.EXAMPLE", "c.example", "",
                         "d.example", "e.example", "f.example", "b.example"};
  uint64_t id = 1;
  for (const char* h : hosts) {
    Alert a = alertAt(kT0, id++, 1, h);
    offer(d, a);
  }
  Alert next = alertAt(kT0 + seconds(60), id, 1, "g.example");
  ASSERT_EQ(offer(d, next), DedupDecision::Emit);
  EXPECT_EQ(next.evidence.hosts, (std::vector<std::string>{"a.example", "b.example", "c.example",
                                                           "d.example", "e.example"}));
  EXPECT_EQ(next.evidence.flows, 10u);
  EXPECT_EQ(next.evidence.repeatsSuppressed, 8u);
}

TEST(AlertDedup, SameFlowCountsOnceAndAddsOnlyNewBytes) {
  AlertDeduplicator d(DedupConfig{seconds(60), 10});
  Alert a = alertAt(kT0, 7, 100);
  Alert again = alertAt(kT0 + seconds(1), 7, 250);   // judged again, 150 more bytes
  Alert stale = alertAt(kT0 + seconds(2), 7, 200);   // an older count adds nothing
  Alert other = alertAt(kT0 + seconds(3), 8, 50);
  EXPECT_EQ(offer(d, a), DedupDecision::Emit);
  offer(d, again);
  offer(d, stale);
  offer(d, other);
  Alert next = alertAt(kT0 + seconds(60), 7, 300);
  ASSERT_EQ(offer(d, next), DedupDecision::Emit);
  EXPECT_EQ(next.evidence.flows, 2u);
  EXPECT_EQ(next.evidence.bytesOut, 350u);  // flow 7: 300, flow 8: 50
  EXPECT_EQ(next.evidence.repeatsSuppressed, 3u);
}

TEST(AlertDedup, HeldAlertsCountAsRepeatsAndKeepTheKeyACandidate) {
  AlertDeduplicator d(DedupConfig{seconds(600), 10});
  auto no = [](TimeUs) { return false; };
  auto yes = [](TimeUs) { return true; };
  Alert a1 = alertAt(kT0, 1, 10);
  Alert a2 = alertAt(kT0 + seconds(1), 2, 10);
  Alert a3 = alertAt(kT0 + seconds(2), 3, 10);
  Alert a4 = alertAt(kT0 + seconds(3), 4, 10);
  int asked = 0;
  auto counting = [&](TimeUs) {
    ++asked;
    return true;
  };
  EXPECT_EQ(d.offer(a1, a1.time, no), DedupDecision::Held);
  EXPECT_EQ(d.offer(a2, a2.time, no), DedupDecision::Held);
  EXPECT_EQ(d.offer(a3, a3.time, yes), DedupDecision::Emit);
  EXPECT_EQ(a3.evidence.repeatsSuppressed, 2u);
  EXPECT_EQ(a3.evidence.firstSeen, kT0);
  EXPECT_EQ(d.offer(a4, a4.time, counting), DedupDecision::Repeat);
  EXPECT_EQ(asked, 0);  // admit() is asked only for alerts that would be emitted
  EXPECT_EQ(d.stats().held, 2u);
  EXPECT_EQ(d.stats().repeats, 1u);
  EXPECT_EQ(d.stats().emitted, 1u);
}

TEST(AlertDedup, BoundedMemoryEvictsLeastRecentlySeenAndCounts) {
  AlertDeduplicator d(DedupConfig{seconds(600), 3});
  auto forAsn = [](uint32_t asn, TimeUs t) {
    Alert a = alertAt(t, asn, 1);
    a.asn = asn;
    return a;
  };
  for (uint32_t asn = 1; asn <= 3; ++asn) {
    Alert a = forAsn(asn, kT0 + asn);
    EXPECT_EQ(offer(d, a), DedupDecision::Emit);
  }
  Alert r1 = forAsn(1, kT0 + 10);  // key 1 seen again: now the most recent; 2 is the oldest
  Alert r1b = forAsn(1, kT0 + 11);
  EXPECT_EQ(offer(d, r1), DedupDecision::Repeat);
  Alert a2r = forAsn(2, kT0 + 12);
  EXPECT_EQ(offer(d, a2r), DedupDecision::Repeat);  // now 3 is the oldest
  EXPECT_EQ(offer(d, r1b), DedupDecision::Repeat);
  Alert a4 = forAsn(4, kT0 + 20);
  EXPECT_EQ(offer(d, a4), DedupDecision::Emit);  // evicts 3
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(d.stats().evictions, 1u);
  EXPECT_EQ(d.stats().evictedRepeats, 0u);
  Alert a5 = forAsn(5, kT0 + 21);
  EXPECT_EQ(offer(d, a5), DedupDecision::Emit);  // evicts 2, which had one repeat pending
  EXPECT_EQ(d.stats().evictions, 2u);
  EXPECT_EQ(d.stats().evictedRepeats, 1u);
  // Key 1 survived with its evidence and window; key 3 starts over.
  Alert a1late = forAsn(1, kT0 + 22);
  EXPECT_EQ(offer(d, a1late), DedupDecision::Repeat);
  Alert a3again = forAsn(3, kT0 + 23);
  a3again.hostname = "fresh.example.org";
  EXPECT_EQ(offer(d, a3again), DedupDecision::Emit);
  // It took the place of the evicted key 4 and nothing of that key's evidence.
  EXPECT_EQ(a3again.evidence.key, "firefox|US|AS3");
  EXPECT_EQ(a3again.evidence.firstSeen, kT0 + 23);
  EXPECT_EQ(a3again.evidence.flows, 1u);
  EXPECT_EQ(a3again.evidence.bytesOut, 1u);
  EXPECT_EQ(a3again.evidence.repeatsSuppressed, 0u);
  EXPECT_EQ(a3again.evidence.hosts, std::vector<std::string>{"fresh.example.org"});
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(d.stats().evictions, 3u);
}

TEST(AlertDedup, ZeroWindowEmitsEveryAlertWithEvidence) {
  AlertDeduplicator d(DedupConfig{0, 10});
  for (int i = 0; i < 3; ++i) {
    Alert a = alertAt(kT0 + i, uint64_t(i), 10);
    EXPECT_EQ(offer(d, a), DedupDecision::Emit);
    EXPECT_EQ(a.evidence.flows, uint64_t(i + 1));
    EXPECT_EQ(a.evidence.repeatsSuppressed, 0u);
  }
}

TEST(AlertDedup, PacketTimeGoingBackwardsStaysInsideTheWindow) {
  AlertDeduplicator d(DedupConfig{seconds(60), 10});
  Alert a = alertAt(kT0, 1, 10);
  Alert earlier = alertAt(kT0 - seconds(3600), 2, 10);
  EXPECT_EQ(offer(d, a), DedupDecision::Emit);
  EXPECT_EQ(offer(d, earlier), DedupDecision::Repeat);
  Alert next = alertAt(kT0 + seconds(60), 3, 10);
  ASSERT_EQ(offer(d, next), DedupDecision::Emit);
  EXPECT_EQ(next.evidence.lastSeen, kT0 + seconds(60));
}
