// FlowNamer on TCP: ClientHellos and requests in one segment, split, reordered (the second
// segment first, with and without the SYN seen), retransmitted and re-cut, mid-stream bytes
// that must not be named and must give their slot back, the slot bounds, and the name table
// (shared names, the maxNames bound, release).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

#include "egressmon/apps/app_catalog.h"
#include "namer_test_support.h"

namespace egressmon {
namespace {

using namespace namer_test;

FlowNamerConfig config(uint32_t slots = 8, uint32_t inspectPackets = 12,
                       uint32_t maxNames = 1u << 20) {
  FlowNamerConfig c;
  c.inspectionSlots = slots;
  c.inspectPackets = inspectPackets;
  c.maxNames = maxNames;
  return c;
}

class SplitHello : public ::testing::Test {
protected:
  void SetUp() override {
    cap_ = readSegments("openssl_multiseg.segments");
    ASSERT_EQ(cap_.segments.size(), 4u);
  }
  /// Feeds the segments in `order`, after the SYN when `syn`; the flow is picked up mid-way
  /// (initiator guessed) when there is no SYN.
  void play(FlowNamer& namer, Flow& f, const std::vector<size_t>& order, bool syn) {
    if (syn) feedSyn(namer, f, cap_.isn);
    for (size_t i : order) feedSegment(namer, f, cap_.segments[i]);
  }
  void expectNamed(FlowNamer& namer, const Flow& f) {
    const FlowNaming n = namer.describe(f);
    EXPECT_EQ(n.hostname, kMultisegName);
    EXPECT_EQ(n.source, NameSource::Sni);
    EXPECT_EQ(n.alpn, "h2,http/1.1,x-egressmon-padding-protocol-01");
    EXPECT_TRUE(f.nameFlags & Flow::kInspectDone);
    EXPECT_EQ(namer.slotsInUse(), 0u);
    EXPECT_EQ(namer.stats().sniNames, 1u);
    EXPECT_EQ(namer.stats().inspections, 1u);
  }
  Capture cap_;
};

TEST_F(SplitHello, InOrder) {
  FlowNamer namer(config(), nullptr);
  Flow f = tcpFlow(1);
  play(namer, f, {0, 1, 2, 3}, true);
  expectNamed(namer, f);
}

TEST_F(SplitHello, SecondSegmentFirstAfterTheSyn) {
  FlowNamer namer(config(), nullptr);
  Flow f = tcpFlow(1);
  feedSyn(namer, f, cap_.isn);
  feedSegment(namer, f, cap_.segments[1]);
  EXPECT_FALSE(f.nameFlags & Flow::kInspectDone) << "the second segment must not end inspection";
  EXPECT_EQ(namer.slotsInUse(), 1u);
  for (size_t i : {0, 2, 3}) feedSegment(namer, f, cap_.segments[i]);
  expectNamed(namer, f);
}

TEST_F(SplitHello, SecondSegmentFirstWithoutTheSyn) {
  // Picked up after the handshake: where the stream starts is unknown, so the segment is held
  // until the one that starts the ClientHello comes before it.
  FlowNamer namer(config(), nullptr);
  Flow f = tcpFlow(1, /*guessed=*/true);
  feedSegment(namer, f, cap_.segments[1]);
  EXPECT_FALSE(f.nameFlags & Flow::kInspectDone);
  EXPECT_EQ(namer.slotsInUse(), 1u);
  EXPECT_EQ(namer.stats().inspections, 0u) << "holding is not reassembling yet";
  for (size_t i : {0, 2, 3}) feedSegment(namer, f, cap_.segments[i]);
  expectNamed(namer, f);
}

TEST_F(SplitHello, EveryOrderWithAndWithoutTheSyn) {
  std::vector<size_t> order = {0, 1, 2, 3};
  uint64_t id = 1;
  do {
    for (bool syn : {true, false}) {
      SCOPED_TRACE(::testing::Message() << "syn " << syn << " order " << order[0] << order[1]
                                        << order[2] << order[3]);
      FlowNamer namer(config(), nullptr);
      Flow f = tcpFlow(id++, !syn);
      play(namer, f, order, syn);
      expectNamed(namer, f);
    }
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST_F(SplitHello, RetransmissionsAndOverlapsOutOfOrder) {
  FlowNamer namer(config(), nullptr);
  // The second segment twice, then the first re-cut as two overlapping pieces, the first of
  // them twice; the rest duplicated. With and without the SYN.
  const Segment& s0 = cap_.segments[0];
  Segment a{s0.seq, Bytes(s0.data.begin(), s0.data.begin() + 300)};
  Segment b{s0.seq + 250, Bytes(s0.data.begin() + 250, s0.data.end())};
  uint64_t id = 1;
  for (bool syn : {true, false}) {
    Flow f = tcpFlow(id++, !syn);
    if (syn) feedSyn(namer, f, cap_.isn);
    feedSegment(namer, f, cap_.segments[1]);
    feedSegment(namer, f, cap_.segments[1]);
    feedSegment(namer, f, b);
    feedSegment(namer, f, a);
    feedSegment(namer, f, a);
    EXPECT_FALSE(f.nameFlags & Flow::kInspectDone);
    feedSegment(namer, f, cap_.segments[3]);
    feedSegment(namer, f, cap_.segments[2]);
    EXPECT_EQ(namer.describe(f).hostname, kMultisegName) << "syn " << syn;
    EXPECT_TRUE(f.nameFlags & Flow::kInspectDone);
  }
  EXPECT_EQ(namer.slotsInUse(), 0u);
  EXPECT_EQ(namer.stats().sniNames, 2u);
}

TEST_F(SplitHello, ShuffledOverlappingPieces) {
  // The record re-cut into overlapping pieces in random order, as a sender re-packetizing on
  // retransmission would; the SYN seen half of the time.
  std::mt19937 rng(11);
  Bytes record;
  for (const Segment& s : cap_.segments) record.insert(record.end(), s.data.begin(), s.data.end());
  FlowNamer namer(config(8, 64), nullptr);
  uint64_t named = 0;
  for (uint64_t round = 1; round <= 100; ++round) {
    std::vector<Segment> pieces;
    for (size_t pos = 0; pos < record.size();) {
      const size_t start = pos - std::min<size_t>(pos, rng() % 30);
      const size_t end = std::min(record.size(), pos + 100 + rng() % 500);
      pieces.push_back({uint32_t(cap_.isn + start), Bytes(record.begin() + long(start),
                                                          record.begin() + long(end))});
      pos = end;
    }
    std::shuffle(pieces.begin(), pieces.end(), rng);
    const bool syn = round % 2 == 0;
    Flow f = tcpFlow(round, !syn);
    if (syn) feedSyn(namer, f, cap_.isn);
    for (const Segment& s : pieces) feedSegment(namer, f, s);
    ASSERT_EQ(namer.describe(f).hostname, kMultisegName) << round;
    ++named;
    namer.release(f);
  }
  EXPECT_EQ(namer.stats().sniNames, named);
  EXPECT_EQ(namer.slotsInUse(), 0u);
}

TEST(FlowNamerTcp, OneSegmentClientHello) {
  FlowNamer namer(config(), nullptr);
  const Bytes hello = readBin("openssl_tls13_sni_alpn.bin");
  Flow f = tcpFlow(1);
  feedSyn(namer, f, 1000);
  feedData(namer, f, 1000, hello);
  const FlowNaming n = namer.describe(f);
  EXPECT_EQ(n.hostname, "example.test");
  EXPECT_EQ(n.alpn, "h2,http/1.1");
  EXPECT_EQ(namer.stats().inspections, 0u) << "one segment needs no slot";
  EXPECT_TRUE(f.nameFlags & Flow::kInspectDone);
}

TEST(FlowNamerTcp, ClientHelloInTheSyn) {
  // TCP Fast Open: the data starts one past the SYN's sequence number.
  FlowNamer namer(config(), nullptr);
  const Capture cap = readSegments("openssl_multiseg.segments");
  Flow f = tcpFlow(1);
  const Segment& s0 = cap.segments[0];
  feed(namer, f, tcpPacket(f, true, kTcpSyn, cap.isn - 1, s0.data.data(), s0.data.size()), true);
  for (size_t i = 1; i < cap.segments.size(); ++i) feedSegment(namer, f, cap.segments[i]);
  EXPECT_EQ(namer.describe(f).hostname, kMultisegName);
}

TEST(FlowNamerTcp, HttpRequestSecondSegmentFirst) {
  const std::string req =
      "GET /generate_204 HTTP/1.1\r\nHost: connectivitycheck.gstatic.com\r\n"
      "User-Agent: test\r\nAccept: */*\r\n\r\n";
  const Bytes first(req.begin(), req.begin() + 20);
  const Bytes second(req.begin() + 20, req.end());
  for (bool syn : {true, false}) {
    FlowNamer namer(config(), nullptr);
    Flow f = tcpFlow(1, !syn);
    f.key.portB = 80;
    if (syn) feedSyn(namer, f, 5000);
    feedData(namer, f, 5020, second);
    EXPECT_FALSE(f.nameFlags & Flow::kInspectDone);
    feedData(namer, f, 5000, first);
    const FlowNaming n = namer.describe(f);
    EXPECT_EQ(n.hostname, "connectivitycheck.gstatic.com") << "syn " << syn;
    EXPECT_EQ(n.source, NameSource::Http);
    EXPECT_EQ(namer.slotsInUse(), 0u);
  }
}

TEST(FlowNamerTcp, OtherProtocolAfterTheSynEndsAtOnce) {
  // The SYN says this segment starts the stream, and it is neither TLS nor HTTP: no slot.
  FlowNamer namer(config(), nullptr);
  const std::string banner = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n";
  Flow f = tcpFlow(1);
  f.key.portB = 22;
  feedSyn(namer, f, 777);
  feedData(namer, f, 777, Bytes(banner.begin(), banner.end()));
  EXPECT_TRUE(f.nameFlags & Flow::kInspectDone);
  EXPECT_EQ(namer.slotsInUse(), 0u);
  EXPECT_EQ(namer.stats().inspections, 0u);
  EXPECT_EQ(namer.describe(f).hostname, "");
}

TEST(FlowNamerTcp, MidStreamBytesAreNotNamedAndGiveTheirSlotBack) {
  // A flow picked up mid-connection: its first segment seen is application data (here bytes
  // that look like nothing), held in case a ClientHello's start comes before it, until the
  // packet bound, then let go without a name.
  FlowNamerConfig c = config();
  FlowNamer namer(c, nullptr);
  Flow f = tcpFlow(1, /*guessed=*/true);
  std::mt19937 rng(3);
  Bytes garbage(700);
  uint32_t seq = 0x90000000u;
  for (;;) {
    ASSERT_LE(f.pktsOut + f.pktsIn, c.inspectPackets + 5) << "past the packet bound";
    for (auto& x : garbage) x = uint8_t(rng() | 0x80);  // never 0x16 nor an ASCII method
    feedData(namer, f, seq, garbage);
    seq += uint32_t(garbage.size());
    if (f.nameFlags & Flow::kInspectDone) break;
    EXPECT_EQ(namer.slotsInUse(), 1u) << "held, in case its start comes";
    feedAck(namer, f);
  }
  // Let go at the first payload past the bound (handshake packets do not count: +3).
  EXPECT_GT(f.pktsOut + f.pktsIn, c.inspectPackets + 3);
  EXPECT_EQ(namer.slotsInUse(), 0u);
  EXPECT_EQ(f.nameId, 0u);
  EXPECT_EQ(f.nameSource, uint8_t(NameSource::None));
  const FlowNaming n = namer.describe(f);
  EXPECT_EQ(n.hostname, "");
  EXPECT_EQ(n.source, NameSource::None);
  EXPECT_EQ(namer.stats().inspections, 0u);
  EXPECT_EQ(namer.stats().inspectionsDropped, 0u);
}

TEST(FlowNamerTcp, MidStreamBulkLetsGoWhenTheHoldIsFull) {
  // Full-size segments fill the held bytes before the packet bound.
  FlowNamer namer(config(8, 1000), nullptr);
  Flow f = tcpFlow(1, /*guessed=*/true);
  const Bytes bulk(1448, 0xa5);
  uint32_t seq = 1;
  int segments = 0;
  while (!(f.nameFlags & Flow::kInspectDone) && segments < 100) {
    feedData(namer, f, seq, bulk);
    seq += uint32_t(bulk.size());
    ++segments;
  }
  EXPECT_EQ(segments, 12);  // 11 fit in 16 KiB
  EXPECT_EQ(namer.slotsInUse(), 0u);
}

TEST(FlowNamerTcp, ReleaseFreesAHeldSlot) {
  FlowNamer namer(config(), nullptr);
  Flow f = tcpFlow(1, true);
  feedData(namer, f, 100, Bytes(50, 0xee));
  EXPECT_EQ(namer.slotsInUse(), 1u);
  namer.release(f);
  EXPECT_EQ(namer.slotsInUse(), 0u);
}

TEST(FlowNamerTcp, GuessesUseAtMostHalfTheSlots) {
  // Held segments of mid-stream flows may take half the slots; a reordered ClientHello after
  // a SYN still finds one of the others.
  FlowNamer namer(config(4), nullptr);
  std::vector<Flow> flows;
  for (uint64_t id = 1; id <= 3; ++id) {
    flows.push_back(tcpFlow(id, true));
    feedData(namer, flows.back(), 100, Bytes(50, 0xee));
  }
  EXPECT_EQ(namer.slotsInUse(), 2u);
  EXPECT_TRUE(flows[2].nameFlags & Flow::kInspectDone) << "the third guess gets no slot";
  const Capture cap = readSegments("openssl_multiseg.segments");
  Flow f = tcpFlow(10);
  feedSyn(namer, f, cap.isn);
  feedSegment(namer, f, cap.segments[2]);
  EXPECT_EQ(namer.slotsInUse(), 3u);
  feedSegment(namer, f, cap.segments[1]);
  feedSegment(namer, f, cap.segments[3]);
  feedSegment(namer, f, cap.segments[0]);
  EXPECT_EQ(namer.describe(f).hostname, kMultisegName);
  EXPECT_EQ(namer.slotsInUse(), 2u);
  EXPECT_EQ(namer.stats().inspectionsDropped, 0u);
}

TEST(FlowNamerTcp, NoFreeSlotIsCounted) {
  FlowNamer namer(config(1), nullptr);
  const Capture cap = readSegments("openssl_multiseg.segments");
  Flow a = tcpFlow(1);
  Flow b = tcpFlow(2);
  feedSyn(namer, a, cap.isn);
  feedSyn(namer, b, cap.isn);
  feedSegment(namer, a, cap.segments[1]);
  feedSegment(namer, b, cap.segments[1]);
  EXPECT_TRUE(b.nameFlags & Flow::kInspectDone);
  EXPECT_EQ(namer.stats().inspections, 1u);
  EXPECT_EQ(namer.stats().inspectionsDropped, 1u);
}

TEST(FlowNamerNames, SharedReleasedAndBounded) {
  FlowNamer namer(config(8, 12, 2), nullptr);
  const Bytes hello = readBin("openssl_tls13_sni_alpn.bin");  // example.test, h2,http/1.1
  const Bytes hello12 = readBin("openssl_tls12.bin");          // tls12.example.test
  const Bytes curl = readBin("curl_tls13.bin");                // www.example.test
  auto named = [&](uint64_t id, const Bytes& h) {
    Flow f = tcpFlow(id);
    feedSyn(namer, f, 1);
    feedData(namer, f, 1, h);
    return f;
  };
  Flow a = named(1, hello);
  Flow b = named(2, hello);
  EXPECT_NE(a.nameId, 0u);
  EXPECT_EQ(a.nameId, b.nameId);
  Flow d = named(3, hello12);
  EXPECT_NE(d.nameId, a.nameId);
  Flow e = named(4, curl);  // a third name: the table holds two
  EXPECT_EQ(e.nameId, 0u);
  EXPECT_EQ(namer.stats().namesDropped, 1u);
  EXPECT_EQ(namer.describe(e).hostname, "");
  namer.release(a);
  EXPECT_EQ(namer.describe(b).hostname, "example.test") << "b still holds the name";
  EXPECT_EQ(namer.describe(b).alpn, "h2,http/1.1");
  namer.release(b);  // example.test is gone: room for another
  Flow g = named(5, curl);
  EXPECT_NE(g.nameId, 0u);
  EXPECT_EQ(namer.describe(g).hostname, "www.example.test");
  EXPECT_EQ(namer.describe(d).hostname, "tls12.example.test");
  EXPECT_EQ(namer.describe(d).alpn, "");
  EXPECT_EQ(namer.stats().namesDropped, 1u);
}

TEST(FlowNamerNames, ManyNamesChurn) {
  // Names come and go through many sizes; each flow keeps reading its own.
  FlowNamer namer(config(), nullptr);
  std::mt19937 rng(5);
  std::vector<std::pair<Flow, std::string>> live;
  const std::string req1 = "GET / HTTP/1.1\r\nHost: ";
  uint64_t id = 1;
  for (int step = 0; step < 3000; ++step) {
    if (!live.empty() && (rng() % 3 == 0 || live.size() > 400)) {
      const size_t i = rng() % live.size();
      EXPECT_EQ(namer.describe(live[i].first).hostname, live[i].second);
      namer.release(live[i].first);
      live.erase(live.begin() + long(i));
      continue;
    }
    const size_t len = 1 + rng() % 200;
    std::string host;
    for (size_t k = 0; k < len; ++k) host += char('a' + rng() % 3);
    host += ".test";
    const std::string req = req1 + host + "\r\n\r\n";
    Flow f = tcpFlow(id++);
    f.key.portB = 80;
    feedSyn(namer, f, 1);
    feedData(namer, f, 1, Bytes(req.begin(), req.end()));
    ASSERT_EQ(namer.describe(f).hostname, host);
    live.emplace_back(f, host);
  }
  for (auto& [f, host] : live) {
    EXPECT_EQ(namer.describe(f).hostname, host);
    namer.release(f);
  }
  EXPECT_EQ(namer.stats().namesDropped, 0u);
}

TEST(FlowNamerNames, ClientHelloAfterADnsNameKeepsOrRedoesTheApp) {
  // Named by the DNS answer at its start, then by the ClientHello: the same name keeps the app
  // matched for it, another name is matched again.
  std::vector<AppRule> rules(2);
  rules[0].name = "Www";
  rules[0].vendor = "V";
  rules[0].exactNames = {"www.example.test"};
  rules[1].name = "Ex";
  rules[1].vendor = "V";
  rules[1].domains = {"example.test"};
  auto built = AppCatalog::build(std::move(rules));
  ASSERT_TRUE(built.ok());
  auto catalog = std::make_shared<const AppCatalog>(std::move(*built));
  const AppId www = catalog->find("Www");
  const AppId ex = catalog->find("Ex");
  FlowNamer namer(config(), catalog);

  // 198.51.100.7 is www.example.test, as answered to the client 10.0.0.2.
  const Bytes dns = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
                     3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
                     4, 't', 'e', 's', 't', 0,
                     0, 1, 0, 1,
                     0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x01, 0x2c, 0, 4, 198, 51, 100, 7};
  Flow resolver = tcpFlow(100);
  resolver.key.proto = kProtoUdp;
  resolver.key.portB = 53;
  PacketView answer = tcpPacket(resolver, false, 0, 0, dns.data(), dns.size());
  answer.proto = kProtoUdp;
  answer.ts = seconds(1);
  feed(namer, resolver, answer, false);
  ASSERT_EQ(namer.stats().dnsResponses, 1u);

  auto started = [&](uint64_t id) {
    Flow f = tcpFlow(id);
    f.firstSeen = f.lastSeen = seconds(2);
    namer.onFlowStart(f);
    EXPECT_EQ(NameSource(f.nameSource), NameSource::Dns);
    EXPECT_EQ(f.appId, www);
    feedSyn(namer, f, 1);
    return f;
  };
  Flow same = started(1);
  feedData(namer, same, 1, readBin("curl_tls13.bin"));  // www.example.test
  EXPECT_EQ(NameSource(same.nameSource), NameSource::Sni);
  EXPECT_EQ(namer.describe(same).hostname, "www.example.test");
  EXPECT_EQ(same.appId, www);
  EXPECT_EQ(namer.describe(same).app, "Www");

  Flow other = started(2);
  feedData(namer, other, 1, readBin("openssl_tls13_sni_alpn.bin"));  // example.test
  EXPECT_EQ(NameSource(other.nameSource), NameSource::Sni);
  EXPECT_EQ(namer.describe(other).hostname, "example.test");
  EXPECT_EQ(other.appId, ex);
  EXPECT_EQ(namer.describe(other).app, "Ex");
  EXPECT_EQ(namer.stats().dnsNamedAtStart, 2u);
  EXPECT_EQ(namer.stats().sniNames, 2u);
}

TEST(FlowNamerNames, HostNameAppIsKeptPerNameAndPort) {
  // The host-name rules' answer is kept with the interned name, for one port: flows to the
  // same name on another port are matched again (a port filter may refuse them), and address
  // rules still decide when the name matches nothing.
  std::vector<AppRule> rules(2);
  rules[0].name = "Web";
  rules[0].vendor = "V";
  rules[0].domains = {"example.test"};
  rules[0].ports = {443};
  rules[1].name = "Net";
  rules[1].vendor = "V";
  rules[1].ranges = {IpPrefix::parse("198.51.100.0/24").value()};
  auto built = AppCatalog::build(std::move(rules));
  ASSERT_TRUE(built.ok());
  auto catalog = std::make_shared<const AppCatalog>(std::move(*built));
  const AppId web = catalog->find("Web");
  const AppId net = catalog->find("Net");
  FlowNamer namer(config(), catalog);
  const Bytes hello = readBin("openssl_tls13_sni_alpn.bin");  // example.test
  std::vector<Flow> flows;
  auto named = [&](uint64_t id, uint16_t port) {
    Flow f = tcpFlow(id);  // to 198.51.100.7
    f.key.portB = port;
    namer.onFlowStart(f);
    EXPECT_EQ(f.appId, net) << "by address before the name";
    feedSyn(namer, f, 1);
    feedData(namer, f, 1, hello);
    EXPECT_EQ(namer.describe(f).hostname, "example.test");
    flows.push_back(f);
    return f.appId;
  };
  EXPECT_EQ(named(1, 443), web);
  EXPECT_EQ(named(2, 8443), net) << "the port filter refuses the name rule on 8443";
  EXPECT_EQ(named(3, 443), web);
  EXPECT_EQ(named(4, 443), web);
  EXPECT_EQ(named(5, 8443), net);
  for (const Flow& f : flows) EXPECT_EQ(f.nameId, flows[0].nameId) << "one interned name";
  for (const Flow& f : flows) namer.release(f);
  // Released and interned afresh: matched again, still by the same rules.
  flows.clear();
  EXPECT_EQ(named(6, 8443), net);
  EXPECT_EQ(named(7, 443), web);
}

}  // namespace
}  // namespace egressmon
