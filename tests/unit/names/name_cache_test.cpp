// NameCache: built responses and parsed fixtures; TTL clamping and packet-time expiry; the
// shared fallback; name interning and the name rings wrapping; a stress run against a
// reference map; no allocation after construction (malloc interposed for this executable, as
// tests/unit/geo/no_alloc_test.cpp does; compiled out under sanitizers, which own malloc).
#include "egressmon/names/name_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstring>
#include <deque>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <cstdlib>

#include "alloc_counter.h"

using egressmon::test_support::gAllocs;
using egressmon::test_support::gCounting;

namespace egressmon {
namespace {

constexpr TimeUs kT0 = seconds(1'700'000'000) + 123'456;  // packet time, with a fraction

IpAddress ip(const char* text) {
  const auto a = IpAddress::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddress());
}

void setName(DnsName& n, std::string_view s) {
  ASSERT_LE(s.size(), DnsName::kMax);
  std::memcpy(n.text, s.data(), s.size());
  n.text[s.size()] = '\0';
  n.len = uint8_t(s.size());
}

struct Ans {
  const char* addr;
  uint32_t ttl;
};

// DnsResponse is ~3 KiB; tests keep it on the heap.
std::unique_ptr<DnsResponse> response(std::string_view qname, std::vector<std::string_view> chain,
                                      std::vector<std::pair<IpAddress, uint32_t>> answers) {
  auto r = std::make_unique<DnsResponse>();
  setName(r->qname, qname);
  for (std::string_view c : chain) setName(r->chain[r->chainLen++], c);
  for (const auto& [addr, ttl] : answers) {
    r->answers[r->answerCount].addr = addr;
    r->answers[r->answerCount].ttl = ttl;
    ++r->answerCount;
  }
  return r;
}

std::unique_ptr<DnsResponse> response(std::string_view qname, std::vector<std::string_view> chain,
                                      std::vector<Ans> answers) {
  std::vector<std::pair<IpAddress, uint32_t>> a;
  for (const Ans& x : answers) a.emplace_back(ip(x.addr), x.ttl);
  return response(qname, std::move(chain), std::move(a));
}

std::unique_ptr<DnsResponse> fixture(const std::string& name) {
  const std::string path = std::string(EGRESSMON_SOURCE_DIR) + "/tests/fixtures/dns/" + name + ".bin";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto r = std::make_unique<DnsResponse>();
  EXPECT_EQ(parseDnsResponse(bytes.data(), bytes.size(), *r), DnsStatus::Ok) << name;
  return r;
}

NameCacheConfig smallConfig() {
  NameCacheConfig c;
  c.entries = 1024;
  return c;
}

const IpAddress kClient = IpAddress::fromV4(0x0a000005u);  // 10.0.0.5
const IpAddress kOther = IpAddress::fromV4(0x0a000006u);   // 10.0.0.6

// ---- Basic behaviour on built responses ----

TEST(NameCache, HitForTheAskingClientOnly) {
  NameCache c(smallConfig());
  c.insert(kClient, *response("www.example.com", {}, {{"192.0.2.1", 300}}), kT0);
  NameHit h;
  ASSERT_TRUE(c.lookup(kClient, ip("192.0.2.1"), kT0 + seconds(1), h));
  EXPECT_EQ(h.name, "www.example.com");
  EXPECT_EQ(h.canonical, "");
  EXPECT_EQ(h.expires, kT0 + seconds(300));
  EXPECT_FALSE(h.shared);
  NameHit miss;
  miss.name = "untouched";
  EXPECT_FALSE(c.lookup(kOther, ip("192.0.2.1"), kT0 + seconds(1), miss));
  EXPECT_EQ(miss.name, "untouched");  // left as it was
  EXPECT_FALSE(c.lookup(kClient, ip("192.0.2.2"), kT0 + seconds(1), miss));
  EXPECT_EQ(c.stats().hits, 1u);
  EXPECT_EQ(c.stats().misses, 2u);
  EXPECT_EQ(c.stats().inserts, 1u);
  EXPECT_EQ(c.stats().responses, 1u);
}

TEST(NameCache, AnyClientFallbackIsMarkedShared) {
  NameCache c(smallConfig());
  c.insert(kClient, *response("api.example.net", {"edge.cdn.example"}, {{"198.51.100.7", 120}}), kT0);
  NameHit h;
  EXPECT_FALSE(c.lookup(kOther, ip("198.51.100.7"), kT0 + seconds(5), h));
  ASSERT_TRUE(c.lookupAnyClient(ip("198.51.100.7"), kT0 + seconds(5), h));
  EXPECT_TRUE(h.shared);
  EXPECT_EQ(h.name, "api.example.net");
  EXPECT_EQ(h.canonical, "edge.cdn.example");
  EXPECT_EQ(h.expires, kT0 + seconds(120));
  EXPECT_FALSE(c.lookupAnyClient(ip("198.51.100.8"), kT0 + seconds(5), h));
  EXPECT_FALSE(c.lookupAnyClient(ip("198.51.100.7"), kT0 + seconds(120), h));  // expired
  EXPECT_EQ(c.stats().sharedHits, 1u);
  EXPECT_EQ(c.stats().sharedMisses, 2u);
  EXPECT_EQ(c.stats().expired, 1u);

  // The latest answer for the address, whichever client got it, wins.
  c.insert(kOther, *response("other.example", {}, {{"198.51.100.7", 600}}), kT0 + seconds(10));
  ASSERT_TRUE(c.lookupAnyClient(ip("198.51.100.7"), kT0 + seconds(11), h));
  EXPECT_EQ(h.name, "other.example");
  EXPECT_EQ(h.canonical, "");
  // Each client still has its own answer.
  ASSERT_TRUE(c.lookup(kClient, ip("198.51.100.7"), kT0 + seconds(11), h));
  EXPECT_EQ(h.name, "api.example.net");
  EXPECT_FALSE(h.shared);
  ASSERT_TRUE(c.lookup(kOther, ip("198.51.100.7"), kT0 + seconds(11), h));
  EXPECT_EQ(h.name, "other.example");
}

TEST(NameCache, PrefetchChangesNothing) {
  NameCache c(smallConfig());
  c.prefetch(kClient, ip("198.51.100.7"));  // an empty cache
  c.insert(kClient, *response("api.example.net", {}, {{"198.51.100.7", 120}}), kT0);
  const NameCacheStats before = c.stats();
  c.prefetch(kClient, ip("198.51.100.7"));
  c.prefetch(kOther, ip("192.0.2.99"));
  EXPECT_EQ(c.stats().hits, before.hits);
  EXPECT_EQ(c.stats().misses, before.misses);
  EXPECT_EQ(c.stats().sharedHits, before.sharedHits);
  EXPECT_EQ(c.stats().sharedMisses, before.sharedMisses);
  NameHit h;
  ASSERT_TRUE(c.lookup(kClient, ip("198.51.100.7"), kT0 + seconds(1), h));
  EXPECT_EQ(h.name, "api.example.net");
  ASSERT_TRUE(c.lookupAnyClient(ip("198.51.100.7"), kT0 + seconds(1), h));
  EXPECT_TRUE(h.shared);
}

TEST(NameCache, TtlFloorKeepsShortAnswers) {
  NameCache c(smallConfig());  // floor 60 s
  c.insert(kClient, *response("short.example", {}, {{"192.0.2.1", 5}, {"192.0.2.2", 0}}), kT0);
  NameHit h;
  ASSERT_TRUE(c.lookup(kClient, ip("192.0.2.1"), kT0 + seconds(30), h));
  EXPECT_EQ(h.expires, kT0 + seconds(60));
  ASSERT_TRUE(c.lookup(kClient, ip("192.0.2.2"), kT0 + seconds(60) - 1, h));  // TTL 0 too
  EXPECT_FALSE(c.lookup(kClient, ip("192.0.2.1"), kT0 + seconds(60), h));

  NameCacheConfig cfg = smallConfig();
  cfg.ttlFloor = 0;
  NameCache noFloor(cfg);
  noFloor.insert(kClient, *response("short.example", {}, {{"192.0.2.1", 5}}), kT0);
  EXPECT_FALSE(noFloor.lookup(kClient, ip("192.0.2.1"), kT0 + seconds(5), h));
  EXPECT_TRUE(noFloor.lookup(kClient, ip("192.0.2.1"), kT0 + seconds(5) - 1, h));
}

TEST(NameCache, TtlCeilingBoundsLongAnswers) {
  NameCache c(smallConfig());  // ceiling one day
  c.insert(kClient, *response("long.example", {}, {{"192.0.2.1", 7 * 86400}, {"192.0.2.2", UINT32_MAX}}), kT0);
  NameHit h;
  ASSERT_TRUE(c.lookup(kClient, ip("192.0.2.1"), kT0 + seconds(86400) - 1, h));
  EXPECT_EQ(h.expires, kT0 + seconds(86400));
  EXPECT_FALSE(c.lookup(kClient, ip("192.0.2.1"), kT0 + seconds(86400), h));
  ASSERT_TRUE(c.lookup(kClient, ip("192.0.2.2"), kT0 + seconds(3600), h));
  EXPECT_EQ(h.expires, kT0 + seconds(86400));

  NameCacheConfig cfg = smallConfig();
  cfg.ttlCeiling = seconds(600);
  NameCache tight(cfg);
  tight.insert(kClient, *response("long.example", {}, {{"192.0.2.1", 86400}}), kT0);
  ASSERT_TRUE(tight.lookup(kClient, ip("192.0.2.1"), kT0, h));
  EXPECT_EQ(h.expires, kT0 + seconds(600));
}

TEST(NameCache, ExpiresByPacketTime) {
  NameCache c(smallConfig());
  c.insert(kClient, *response("www.example.com", {}, {{"192.0.2.1", 300}}), kT0);
  NameHit h;
  EXPECT_TRUE(c.lookup(kClient, ip("192.0.2.1"), kT0, h));
  EXPECT_TRUE(c.lookup(kClient, ip("192.0.2.1"), kT0 + seconds(300) - 1, h));
  EXPECT_FALSE(c.lookup(kClient, ip("192.0.2.1"), kT0 + seconds(300), h));
  EXPECT_FALSE(c.lookup(kClient, ip("192.0.2.1"), kT0 + seconds(100000), h));
  // Packet time, not insertion order: a replay that steps back in time sees the entry again.
  EXPECT_TRUE(c.lookup(kClient, ip("192.0.2.1"), kT0 + seconds(10), h));
  EXPECT_EQ(c.stats().expired, 2u);
  EXPECT_EQ(c.stats().hits, 3u);
  EXPECT_EQ(c.stats().misses, 2u);
}

TEST(NameCache, CnameChainGivesAskedAndCanonicalNames) {
  NameCache c(smallConfig());
  c.insert(kClient,
           *response("www.shop.example", {"a.cdn.example", "b.edge.example", "c.edge.example"},
                     {{"192.0.2.10", 300}, {"192.0.2.11", 300}}),
           kT0);
  for (const char* a : {"192.0.2.10", "192.0.2.11"}) {
    NameHit h;
    ASSERT_TRUE(c.lookup(kClient, ip(a), kT0 + 1, h)) << a;
    EXPECT_EQ(h.name, "www.shop.example");
    EXPECT_EQ(h.canonical, "c.edge.example");
  }
  EXPECT_EQ(c.stats().namesStored, 1u);  // one response: one record for both answers
}

TEST(NameCache, AaaaAndAAnswers) {
  NameCache c(smallConfig());
  const IpAddress v6Client = ip("2001:db8:1::5");
  c.insert(v6Client, *response("dual.example", {}, {{"2001:db8::1", 300}, {"192.0.2.1", 300}}), kT0);
  NameHit h;
  ASSERT_TRUE(c.lookup(v6Client, ip("2001:db8::1"), kT0 + 1, h));
  EXPECT_EQ(h.name, "dual.example");
  ASSERT_TRUE(c.lookup(v6Client, ip("192.0.2.1"), kT0 + 1, h));
  EXPECT_EQ(h.name, "dual.example");
  // 192.0.2.1 and its v4-mapped IPv6 spelling are the same address.
  ASSERT_TRUE(c.lookup(v6Client, ip("::ffff:192.0.2.1"), kT0 + 1, h));
  // A v4 client is a different client than a v6 one.
  EXPECT_FALSE(c.lookup(kClient, ip("2001:db8::1"), kT0 + 1, h));
  EXPECT_TRUE(c.lookupAnyClient(ip("2001:db8::1"), kT0 + 1, h));
}

TEST(NameCache, NewerAnswerOverwrites) {
  NameCache c(smallConfig());
  c.insert(kClient, *response("old.example", {"old.cdn.example"}, {{"192.0.2.1", 3600}}), kT0);
  c.insert(kClient, *response("new.example", {}, {{"192.0.2.1", 120}}), kT0 + seconds(10));
  NameHit h;
  ASSERT_TRUE(c.lookup(kClient, ip("192.0.2.1"), kT0 + seconds(11), h));
  EXPECT_EQ(h.name, "new.example");
  EXPECT_EQ(h.canonical, "");
  // The newer answer's TTL applies even though it is shorter than the old one's.
  EXPECT_EQ(h.expires, kT0 + seconds(130));
  EXPECT_FALSE(c.lookup(kClient, ip("192.0.2.1"), kT0 + seconds(130), h));
  EXPECT_EQ(c.stats().overwritten, 1u);
  EXPECT_EQ(c.stats().inserts, 2u);
  EXPECT_EQ(c.stats().evicted, 0u);
}

TEST(NameCache, ResponsesWithoutAnswersStoreNothing) {
  NameCache c(smallConfig());
  c.insert(kClient, *response("nothing.example", {}, std::vector<Ans>{}), kT0);
  c.insert(kClient, *response("", {}, {{"192.0.2.1", 300}}), kT0);  // no question
  NameHit h;
  EXPECT_FALSE(c.lookup(kClient, ip("192.0.2.1"), kT0, h));
  EXPECT_EQ(c.stats().skipped, 2u);
  EXPECT_EQ(c.stats().inserts, 0u);
  EXPECT_EQ(c.stats().namesStored, 0u);
}

TEST(NameCache, ConfigIsRoundedAndClamped) {
  NameCacheConfig cfg;
  cfg.entries = 1000;
  cfg.ttlFloor = seconds(300);
  cfg.ttlCeiling = seconds(30);  // below the floor: raised to it
  NameCache c(cfg);
  EXPECT_EQ(c.config().entries, 1024u);
  EXPECT_EQ(c.config().nameRecords, 256u);
  EXPECT_EQ(c.config().nameBytes, 8192u);
  EXPECT_EQ(c.config().ttlCeiling, seconds(300));
  c.insert(kClient, *response("x.example", {}, {{"192.0.2.1", 86400}}), kT0);
  NameHit h;
  ASSERT_TRUE(c.lookup(kClient, ip("192.0.2.1"), kT0, h));
  EXPECT_EQ(h.expires, kT0 + seconds(300));

  NameCacheConfig tiny;
  tiny.entries = 0;
  tiny.nameRecords = 1;
  tiny.nameBytes = 1;
  NameCache t(tiny);
  EXPECT_EQ(t.config().entries, 4u);
  EXPECT_EQ(t.config().nameRecords, 4u);
  EXPECT_EQ(t.config().nameBytes, 4096u);
  t.insert(kClient, *response("x.example", {}, {{"192.0.2.1", 60}}), kT0);
  EXPECT_TRUE(t.lookup(kClient, ip("192.0.2.1"), kT0, h));
}

TEST(NameCache, DefaultMemoryIsAboutSixtyFourBytesPerEntry) {
  NameCache c{NameCacheConfig{}};
  EXPECT_EQ(c.config().entries, 262144u);
  EXPECT_EQ(c.config().nameRecords, 65536u);
  EXPECT_EQ(c.config().nameBytes, size_t(2) << 20);
  const size_t tables = 262144 * 48 + 131072 * 8 + 65536 * 12 + 131072 * 4 + (size_t(2) << 20);
  EXPECT_EQ(tables, size_t(65) * 262144);  // 16.25 MiB
  EXPECT_GE(c.memoryBytes(), tables);
  EXPECT_LT(c.memoryBytes(), tables + 1024);  // plus the object itself
}

// ---- Parsed fixtures ----

TEST(NameCacheFixture, CnameChainFromTheWire) {
  NameCache c(smallConfig());
  c.insert(kClient, *fixture("cname_chain3"), kT0);  // TTL 20 -> floor 60 s
  NameHit h;
  for (const char* a : {"192.0.2.10", "192.0.2.11"}) {
    ASSERT_TRUE(c.lookup(kClient, ip(a), kT0 + seconds(59), h)) << a;
    EXPECT_EQ(h.name, "www.shop.example");
    EXPECT_EQ(h.canonical, "c.edge.example");
    EXPECT_EQ(h.expires, kT0 + seconds(60));
  }
  EXPECT_FALSE(c.lookup(kClient, ip("192.0.2.10"), kT0 + seconds(60), h));
}

TEST(NameCacheFixture, MixedCaseNamesAreStoredLowerCase) {
  NameCache c(smallConfig());
  c.insert(kClient, *fixture("mixed_case"), kT0);
  NameHit h;
  ASSERT_TRUE(c.lookup(kClient, ip("203.0.113.7"), kT0, h));
  EXPECT_EQ(h.name, "www.example.com");
  EXPECT_EQ(h.canonical, "edge.cdn.example.net");
}

TEST(NameCacheFixture, RealResponses) {
  NameCache c(smallConfig());
  c.insert(kClient, *fixture("real_dns_udp"), kT0);     // www.tcpdump.org, two A, TTL 1m
  c.insert(kClient, *fixture("real_nflog_aaaa"), kT0);  // example.com AAAA, TTL 20h42m7s
  c.insert(kOther, *fixture("real_edns_rrsig"), kT0);   // example.com A, TTL 1d
  c.insert(kOther, *fixture("real_dnssec_sshfp"), kT0); // no addresses
  NameHit h;
  for (const char* a : {"192.139.46.66", "198.199.88.104"}) {
    ASSERT_TRUE(c.lookup(kClient, ip(a), kT0, h)) << a;
    EXPECT_EQ(h.name, "www.tcpdump.org");
    EXPECT_EQ(h.canonical, "");
    EXPECT_EQ(h.expires, kT0 + seconds(60));
  }
  ASSERT_TRUE(c.lookup(kClient, ip("2606:2800:220:6d:26bf:1447:1097:aa7"), kT0, h));
  EXPECT_EQ(h.name, "example.com");
  EXPECT_EQ(h.expires, kT0 + seconds(20 * 3600 + 42 * 60 + 7));
  ASSERT_TRUE(c.lookup(kOther, ip("93.184.216.34"), kT0 + seconds(86400) - 1, h));
  EXPECT_EQ(h.name, "example.com");
  EXPECT_FALSE(c.lookup(kClient, ip("93.184.216.34"), kT0, h));
  ASSERT_TRUE(c.lookupAnyClient(ip("93.184.216.34"), kT0, h));
  EXPECT_TRUE(h.shared);
  EXPECT_EQ(c.stats().skipped, 1u);
  EXPECT_EQ(c.stats().inserts, 4u);
  // "example.com" from two responses (AAAA and A) is one record.
  EXPECT_EQ(c.stats().namesStored, 2u);
}

// ---- Name interning and the name rings ----

TEST(NameCache, SameNameIsStoredOnce) {
  NameCache c(smallConfig());
  for (uint32_t i = 0; i < 200; ++i) {
    const IpAddress client = IpAddress::fromV4(0x0a000000u + i % 20);
    c.insert(client, *response("popular.example", {"edge.cdn.example"}, {{IpAddress::fromV4(0xc0000200u + i), 300}}),
             kT0 + i);
  }
  EXPECT_EQ(c.stats().namesStored, 1u);
  EXPECT_EQ(c.stats().namesAdded, 1u);
  // The same asked name with another canonical name (or none) is another record.
  c.insert(kClient, *response("popular.example", {"other.cdn.example"}, {{"198.51.100.1", 300}}), kT0);
  c.insert(kClient, *response("popular.example", {}, {{"198.51.100.2", 300}}), kT0);
  EXPECT_EQ(c.stats().namesStored, 3u);
  NameHit h;
  ASSERT_TRUE(c.lookup(IpAddress::fromV4(0x0a000007u), IpAddress::fromV4(0xc0000200u + 7), kT0 + 300, h));
  EXPECT_EQ(h.name, "popular.example");
  EXPECT_EQ(h.canonical, "edge.cdn.example");
  ASSERT_TRUE(c.lookup(kClient, ip("198.51.100.1"), kT0, h));
  EXPECT_EQ(h.canonical, "other.cdn.example");
  ASSERT_TRUE(c.lookup(kClient, ip("198.51.100.2"), kT0, h));
  EXPECT_EQ(h.canonical, "");
}

TEST(NameCache, DroppedNameRecordGivesAMissNotAnotherName) {
  NameCacheConfig cfg = smallConfig();
  cfg.nameRecords = 4;
  NameCache c(cfg);
  c.insert(kClient, *response("first.example", {}, {{"192.0.2.1", 3600}}), kT0);
  // Four more names fill the four record slots: "first.example"'s slot is reused.
  for (int i = 0; i < 4; ++i) {
    const std::string name = "n" + std::to_string(i) + ".example";
    c.insert(kClient, *response(name, {}, {{IpAddress::fromV4(0xc6336400u + uint32_t(i)), 3600}}), kT0);
  }
  EXPECT_EQ(c.stats().namesDropped, 1u);
  EXPECT_EQ(c.stats().namesStored, 4u);
  NameHit h;
  EXPECT_FALSE(c.lookup(kClient, ip("192.0.2.1"), kT0 + 1, h));  // entry live, name gone
  EXPECT_FALSE(c.lookupAnyClient(ip("192.0.2.1"), kT0 + 1, h));
  EXPECT_EQ(c.stats().staleNames, 2u);
  EXPECT_EQ(c.stats().expired, 0u);
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(c.lookup(kClient, IpAddress::fromV4(0xc6336400u + uint32_t(i)), kT0 + 1, h));
    EXPECT_EQ(h.name, "n" + std::to_string(i) + ".example");
  }
  // Asked again, the name is stored afresh and the entry hits again.
  c.insert(kClient, *response("first.example", {}, {{"192.0.2.1", 3600}}), kT0 + 2);
  ASSERT_TRUE(c.lookup(kClient, ip("192.0.2.1"), kT0 + 3, h));
  EXPECT_EQ(h.name, "first.example");
}

TEST(NameCache, ByteRingWrapsOnLongNames) {
  NameCacheConfig cfg = smallConfig();
  cfg.nameRecords = 64;
  cfg.nameBytes = 4096;  // eight 510-byte records at most
  NameCache c(cfg);
  auto longName = [](int i) {
    std::string s(250, char('a' + i % 26));
    return s + std::to_string(1000 + i);  // 254 bytes, distinct
  };
  std::vector<std::string> names;
  for (int i = 0; i < 40; ++i) names.push_back(longName(i));
  for (int i = 0; i < 40; ++i) {
    c.insert(kClient, *response(names[size_t(i)], {names[size_t((i + 1) % 40)]},
                                {{IpAddress::fromV4(0xc0000200u + uint32_t(i)), 3600}}),
             kT0 + i);
  }
  NameHit h;
  int hits = 0;
  for (int i = 0; i < 40; ++i) {
    if (!c.lookup(kClient, IpAddress::fromV4(0xc0000200u + uint32_t(i)), kT0 + 100, h)) continue;
    ++hits;
    EXPECT_EQ(h.name, names[size_t(i)]);
    EXPECT_EQ(h.canonical, names[size_t((i + 1) % 40)]);
  }
  EXPECT_GE(hits, 6);  // the newest records that fit in 4 KiB
  EXPECT_LE(hits, 8);
  ASSERT_TRUE(c.lookup(kClient, IpAddress::fromV4(0xc0000200u + 39), kT0 + 100, h));
  EXPECT_EQ(c.stats().evicted, 0u);
  EXPECT_EQ(c.stats().staleNames, uint64_t(40 - hits));
  EXPECT_LE(c.stats().namesStored, 8u);
}

TEST(NameCache, NamesStillAskedSurviveTheRing) {
  NameCacheConfig cfg = smallConfig();
  cfg.entries = 1u << 16;  // ~420 entries in 16384 sets: no entry is evicted, names are
  cfg.nameRecords = 8;
  NameCache c(cfg);
  // "hot.example" is asked again and again among new names. Whatever the phase of the ring,
  // an entry pointed at it stays readable for at least nameRecords / 2 further records: a
  // record found in the older half is written afresh rather than reused.
  uint32_t cold = 0;
  auto insertCold = [&](uint32_t n) {
    for (uint32_t k = 0; k < n; ++k, ++cold) {
      c.insert(kOther, *response("cold" + std::to_string(cold) + ".example", {},
                                 {{IpAddress::fromV4(0xc6336400u + cold), 3600}}),
               kT0);
    }
  };
  c.insert(kClient, *response("hot.example", {}, {{"192.0.2.1", 3600}}), kT0);
  NameHit h;
  for (uint32_t round = 0; round < 60; ++round) {
    insertCold(round % 7);
    const IpAddress client = IpAddress::fromV4(0x0a100000u + round);
    c.insert(client, *response("hot.example", {}, {{"192.0.2.2", 3600}}), kT0);
    insertCold(4);
    ASSERT_TRUE(c.lookup(client, ip("192.0.2.2"), kT0 + 1, h)) << round;
    EXPECT_EQ(h.name, "hot.example");
    EXPECT_LE(c.stats().namesStored, 8u);
  }
  // The first entry's copy is long gone: a miss, not a wrong name.
  EXPECT_FALSE(c.lookup(kClient, ip("192.0.2.1"), kT0 + 1, h));
  EXPECT_LT(c.stats().namesAdded, uint64_t(cold) + 61);  // hot copies: fewer than its inserts
}

TEST(NameCache, InterningSurvivesIndexDeletions) {
  // Records dropped from the tail leave the name index; the names after them in a probe run
  // must still be found, or a young name would be stored twice.
  NameCacheConfig cfg = smallConfig();
  cfg.nameRecords = 16;  // a 32-slot index at load up to 1/2: long probe runs
  NameCache c(cfg);
  std::mt19937 rng(3);
  uint32_t cold = 0;
  int checked = 0;
  for (uint32_t i = 0; i < 3000; ++i) {
    const std::string hot = "pool" + std::to_string(rng() % 5) + ".example";
    const uint64_t before = c.stats().namesAdded;
    c.insert(kClient, *response(hot, {}, {{IpAddress::fromV4(0xc0000200u + i % 200), 3600}}), kT0);
    // Only when that wrote the record afresh is its age known (zero) below.
    const bool fresh = c.stats().namesAdded == before + 1;
    const uint64_t added = c.stats().namesAdded;
    const uint32_t colds = 1 + uint32_t(rng() % 7);  // each drops a record once the ring is full
    for (uint32_t k = 0; k < colds; ++k, ++cold) {
      c.insert(kOther, *response("c" + std::to_string(cold) + ".example", {},
                                 {{IpAddress::fromV4(0xc6336400u + cold % 300), 3600}}),
               kT0);
    }
    c.insert(kOther, *response(hot, {}, {{IpAddress::fromV4(0xcb007100u + i % 200), 3600}}), kT0);
    if (fresh) {
      // Younger than nameRecords / 2: found in the index, not written again.
      ASSERT_EQ(c.stats().namesAdded, added + colds) << i << " " << hot << " stored twice";
      ++checked;
    }
    ASSERT_LE(c.stats().namesStored, 16u);
  }
  EXPECT_GT(checked, 300);
  EXPECT_GT(c.stats().namesDropped, 1000u);
}

// ---- Capacity: many more answers than entries ----

TEST(NameCache, OverflowKeepsMemoryFixedAndNeverGivesAWrongName) {
  for (const bool tinyNames : {false, true}) {
    NameCacheConfig cfg;
    cfg.entries = 256;
    if (tinyNames) cfg.nameRecords = 8;  // name records wrap many times too
    NameCache c(cfg);
    const size_t memory = c.memoryBytes();
    std::mt19937 rng(tinyNames ? 7 : 42);
    std::vector<IpAddress> clients;
    for (uint32_t i = 0; i < 12; ++i) clients.push_back(IpAddress::fromV4(0x0a000000u + i));
    std::vector<IpAddress> servers;
    for (uint32_t i = 0; i < 600; ++i) {
      if (i % 3 == 0) {
        uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, uint8_t(i >> 8), uint8_t(i)};
        servers.push_back(IpAddress::fromV6(b));
      } else {
        servers.push_back(IpAddress::fromV4(0xc6120000u + i));
      }
    }
    struct Ref {
      std::string name;
      std::string canonical;
      TimeUs expires;
    };
    std::map<std::pair<IpAddress, IpAddress>, Ref> ref;
    std::map<IpAddress, Ref> refByServer;
    std::deque<std::pair<IpAddress, IpAddress>> recent;  // the last answers stored
    TimeUs now = kT0;
    uint64_t hits = 0;
    uint64_t sharedHits = 0;
    const size_t inserts = 10 * c.config().entries;
    size_t answers = 0;
    while (answers < inserts) {
      now += int64_t(rng() % 2'000'000);  // up to 2 s between responses
      const IpAddress& client = clients[rng() % clients.size()];
      const std::string name = "host" + std::to_string(rng() % 150) + ".example";
      const std::string canonical = rng() % 2 ? "" : "edge" + std::to_string(rng() % 20) + ".cdn.example";
      std::vector<std::pair<IpAddress, uint32_t>> as;
      const size_t n = 1 + rng() % 3;
      for (size_t k = 0; k < n; ++k) as.emplace_back(servers[rng() % servers.size()], uint32_t(rng() % 400));
      std::vector<std::string_view> chain;
      if (!canonical.empty()) chain = {"mid.example", canonical};
      c.insert(client, *response(name, chain, as), now);
      for (const auto& [server, ttl] : as) {
        const TimeUs expires = now + std::clamp(seconds(ttl), cfg.ttlFloor, cfg.ttlCeiling);
        ref[{client, server}] = Ref{name, canonical, expires};
        refByServer[server] = Ref{name, canonical, expires};
        recent.emplace_back(client, server);
        if (recent.size() > 24) recent.pop_front();
      }
      answers += n;

      // Half the lookups ask for a recent answer, half for any key at all.
      for (int q = 0; q < 4; ++q) {
        const auto& r = recent[rng() % recent.size()];
        const IpAddress& qc = q % 2 ? clients[rng() % clients.size()] : r.first;
        const IpAddress& qs = q % 2 ? servers[rng() % servers.size()] : r.second;
        NameHit h;
        if (c.lookup(qc, qs, now, h)) {
          ++hits;
          const auto it = ref.find({qc, qs});
          ASSERT_NE(it, ref.end());
          EXPECT_EQ(h.name, it->second.name);
          EXPECT_EQ(h.canonical, it->second.canonical);
          EXPECT_EQ(h.expires, it->second.expires);
          EXPECT_GT(h.expires, now);
          EXPECT_FALSE(h.shared);
        }
        if (c.lookupAnyClient(qs, now, h)) {
          ++sharedHits;
          const auto it = refByServer.find(qs);
          ASSERT_NE(it, refByServer.end());
          EXPECT_EQ(h.name, it->second.name);
          EXPECT_EQ(h.canonical, it->second.canonical);
          EXPECT_EQ(h.expires, it->second.expires);
          EXPECT_GT(h.expires, now);
          EXPECT_TRUE(h.shared);
        }
      }
      // The answers just stored are found (their set may only lose them to each other).
      NameHit h;
      if (c.lookup(client, as.back().first, now, h)) {
        EXPECT_EQ(h.name, name);
      }
      ASSERT_EQ(c.memoryBytes(), memory);
    }
    EXPECT_GT(hits, 100u) << tinyNames;
    EXPECT_GT(sharedHits, 100u) << tinyNames;
    EXPECT_GT(c.stats().evicted, 0u);
    EXPECT_GT(c.stats().overwritten, 0u);
    EXPECT_LE(c.stats().namesStored, c.config().nameRecords);
    if (tinyNames) {
      EXPECT_GT(c.stats().namesDropped, 0u);
      EXPECT_GT(c.stats().staleNames, 0u);
    }
    EXPECT_EQ(c.memoryBytes(), memory);
  }
}

// One shared set (4 slots) over two entry sets: entries are evicted from their own set while
// other sets' entries expire sooner. A new server must not displace another server's live
// shared answer while a slot is empty, expired or points at an entry now holding another
// server; and the server just answered is always found. Whole seconds, so expiries are exact.
TEST(NameCache, SharedSlotsFollowTheirEntries) {
  NameCacheConfig cfg;
  cfg.entries = 8;
  cfg.nameRecords = 4096;  // no name record is dropped: every live slot gives a hit
  NameCache c(cfg);
  std::mt19937 rng(11);
  std::vector<IpAddress> clients;
  for (uint32_t i = 0; i < 3; ++i) clients.push_back(IpAddress::fromV4(0x0a000010u + i));
  std::vector<IpAddress> servers;
  for (uint32_t i = 0; i < 12; ++i) servers.push_back(IpAddress::fromV4(0xcb007100u + i));
  std::map<IpAddress, std::pair<IpAddress, TimeUs>> latest;  // server -> client, expiry
  static constexpr std::string_view kNames[] = {"a.example", "b.example", "c.example.net"};
  TimeUs now = seconds(1'700'000'000);
  size_t checked = 0;
  for (int step = 0; step < 4000; ++step) {
    now += seconds(1 + rng() % 20);
    const IpAddress& client = clients[rng() % clients.size()];
    const IpAddress& server = servers[rng() % servers.size()];
    const uint32_t ttl = 60 + uint32_t(rng() % 540);
    std::vector<IpAddress> before;
    NameHit h;
    for (const IpAddress& s : servers)
      if (s != server && c.lookupAnyClient(s, now, h)) before.push_back(s);
    const std::string_view name = kNames[size_t(step) % std::size(kNames)];
    c.insert(client, *response(name, {}, {{server, ttl}}), now);
    latest[server] = {client, now + seconds(ttl)};
    ASSERT_TRUE(c.lookupAnyClient(server, now, h)) << step;
    EXPECT_EQ(h.name, name);
    if (before.size() >= 4) continue;  // every slot was live: one of them had to go
    for (const IpAddress& s : before) {
      const auto& [who, expires] = latest[s];
      if (!c.lookup(who, s, now, h) || h.expires != expires) continue;  // its entry was evicted
      ++checked;
      EXPECT_TRUE(c.lookupAnyClient(s, now, h)) << step << " " << s.toString();
    }
  }
  EXPECT_GT(checked, 1000u);
  EXPECT_GT(c.stats().evicted, 100u);
}

// lookupOrAnyClient() is lookup() then lookupAnyClient(): two caches fed the same answers, one
// asked each way, give the same names and the same counters.
TEST(NameCache, LookupOrAnyClientIsTheTwoLookupsInTurn) {
  NameCacheConfig cfg;
  cfg.entries = 64;  // sets fill up: evictions and shared fallbacks both happen
  NameCache pair(cfg), combined(cfg);
  std::mt19937 rng(17);
  std::vector<IpAddress> clients, servers;
  for (uint32_t i = 0; i < 6; ++i) clients.push_back(IpAddress::fromV4(0x0a000100u + i));
  for (uint32_t i = 0; i < 40; ++i) servers.push_back(IpAddress::fromV4(0xcb007100u + i));
  servers.push_back(ip("2001:db8::5"));
  TimeUs now = kT0;
  size_t own = 0, shared = 0, none = 0;
  for (int step = 0; step < 3000; ++step) {
    now += 200'000 + TimeUs(rng() % 2'000'000);
    if (rng() % 3 == 0) {
      const std::string name = "n" + std::to_string(rng() % 30) + ".example";
      const IpAddress& client = clients[rng() % clients.size()];
      const auto r = response(name, {}, {{servers[rng() % servers.size()], 5 + uint32_t(rng() % 120)}});
      pair.insert(client, *r, now);
      combined.insert(client, *r, now);
      continue;
    }
    const IpAddress& client = clients[rng() % clients.size()];
    const IpAddress& server = servers[rng() % servers.size()];
    NameHit a, b;
    const bool hitA = pair.lookup(client, server, now, a) || pair.lookupAnyClient(server, now, a);
    const bool hitB = combined.lookupOrAnyClient(client, server, now, b);
    ASSERT_EQ(hitA, hitB) << step;
    if (!hitA) {
      ++none;
      continue;
    }
    EXPECT_EQ(a.name, b.name) << step;
    EXPECT_EQ(a.expires, b.expires) << step;
    EXPECT_EQ(a.shared, b.shared) << step;
    ++(a.shared ? shared : own);
  }
  EXPECT_GT(own, 100u);
  EXPECT_GT(shared, 100u);
  EXPECT_GT(none, 100u);
  EXPECT_EQ(pair.stats().hits, combined.stats().hits);
  EXPECT_EQ(pair.stats().misses, combined.stats().misses);
  EXPECT_EQ(pair.stats().sharedHits, combined.stats().sharedHits);
  EXPECT_EQ(pair.stats().sharedMisses, combined.stats().sharedMisses);
  EXPECT_EQ(pair.stats().expired, combined.stats().expired);
}

// ---- No allocation after construction ----

EGRESSMON_ALLOC_INTERPOSITION_TEST(NameCacheNoAlloc)

TEST(NameCacheNoAlloc, InsertAndLookupAllocateNothing) {
  if (!EGRESSMON_COUNT_ALLOCS) GTEST_SKIP() << "sanitizer build: allocator is not interposable";
  NameCacheConfig cfg;
  cfg.entries = 512;
  cfg.nameRecords = 16;  // the rings wrap, records are refreshed, entries are evicted
  NameCache c(cfg);
  std::vector<std::unique_ptr<DnsResponse>> rs;
  for (uint32_t i = 0; i < 64; ++i) {
    std::vector<std::pair<IpAddress, uint32_t>> as;
    for (uint32_t k = 0; k < 8; ++k) as.emplace_back(IpAddress::fromV4(0xc6336400u + (i * 37 + k * 11) % 1024), 30 * k);
    const std::string name = "n" + std::to_string(i % 24) + ".example";
    rs.push_back(response(name, i % 2 ? std::vector<std::string_view>{"cdn.example"} : std::vector<std::string_view>{}, as));
  }
  std::vector<IpAddress> clients;
  for (uint32_t i = 0; i < 8; ++i) clients.push_back(IpAddress::fromV4(0x0a000000u + i));
  uint64_t sink = 0;
  gAllocs = 0;
  gCounting = true;
  TimeUs now = kT0;
  for (int round = 0; round < 20; ++round) {
    for (size_t i = 0; i < rs.size(); ++i) {
      now += 50'000;
      c.insert(clients[i % clients.size()], *rs[i], now);
      for (uint32_t k = 0; k < 8; ++k) {
        NameHit h;
        const IpAddress server = rs[(i * 7 + k) % rs.size()]->answers[k].addr;
        if (c.lookup(clients[k], server, now, h)) sink += h.name.size();
        if (c.lookupAnyClient(server, now, h)) sink += h.canonical.size() + 1;
      }
    }
  }
  gCounting = false;
  EXPECT_EQ(gAllocs.load(), 0);
  EXPECT_GT(sink, 0u);
  EXPECT_GT(c.stats().namesDropped, 0u);
  EXPECT_GT(c.stats().evicted, 0u);
}

}  // namespace
}  // namespace egressmon
