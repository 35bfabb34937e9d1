#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "egressmon/flow/flow_table.h"

using namespace egressmon;

namespace {

struct Recorder : FlowObserver {
  std::vector<Flow> started;
  std::vector<std::pair<Flow, EndReason>> ended;
  void onFlowStart(Flow& f) override {
    f.remoteGeo.asn = 64500;  // observers may fill fields the table does not own
    started.push_back(f);
  }
  void onFlowEnd(const Flow& f, EndReason r) override { ended.emplace_back(f, r); }
};

IpAddress ip(const char* s) { return *IpAddress::parse(s); }

PacketView pkt(const char* src, uint16_t sport, const char* dst, uint16_t dport, uint8_t proto,
               uint8_t flags, uint32_t len, TimeUs ts) {
  PacketView p;
  p.src = ip(src);
  p.dst = ip(dst);
  p.sport = sport;
  p.dport = dport;
  p.proto = proto;
  p.tcpFlags = flags;
  p.ipLen = len;
  p.ts = ts;
  p.hasPorts = true;
  p.ipVersion = p.src.isV4() ? 4 : 6;
  return p;
}

TimeUs at(double s) { return TimeUs(s * 1e6) + seconds(1'700'000'000); }

class FlowTableTest : public ::testing::Test {
protected:
  FlowTableConfig cfg;
  LocalNetworks local;
  Recorder rec;
};

}  // namespace

TEST_F(FlowTableTest, BothDirectionsShareOneFlowWithLocalAndRemoteSides) {
  FlowTable t(cfg, local, rec);
  t.onPacket(pkt("10.0.0.5", 40000, "198.51.100.7", 443, kProtoTcp, kTcpSyn, 60, at(0)));
  t.onPacket(pkt("198.51.100.7", 443, "10.0.0.5", 40000, kProtoTcp, kTcpSyn | kTcpAck, 60, at(0.01)));
  t.onPacket(pkt("10.0.0.5", 40000, "198.51.100.7", 443, kProtoTcp, kTcpAck, 52, at(0.02)));
  t.onPacket(pkt("10.0.0.5", 40000, "198.51.100.7", 443, kProtoTcp, kTcpAck | kTcpPsh, 552, at(0.03)));
  t.onPacket(pkt("198.51.100.7", 443, "10.0.0.5", 40000, kProtoTcp, kTcpAck, 1500, at(0.04)));
  ASSERT_EQ(t.size(), 1u);
  t.flushAll();
  ASSERT_EQ(rec.ended.size(), 1u);
  const Flow& f = rec.ended[0].first;
  EXPECT_EQ(rec.ended[0].second, EndReason::EndOfInput);
  EXPECT_EQ(f.localAddr(), ip("10.0.0.5"));
  EXPECT_EQ(f.localPort(), 40000);
  EXPECT_EQ(f.remoteAddr(), ip("198.51.100.7"));
  EXPECT_EQ(f.remotePort(), 443);
  EXPECT_EQ(f.bytesOut, 60u + 52 + 552);
  EXPECT_EQ(f.bytesIn, 60u + 1500);
  EXPECT_EQ(f.pktsOut, 3u);
  EXPECT_EQ(f.pktsIn, 2u);
  EXPECT_TRUE(f.initiatorLocal());
  EXPECT_FALSE(f.initiatorGuessed());
  EXPECT_EQ(f.locality, Locality::LocalRemote);
  EXPECT_EQ(f.state, FlowState::TcpEstablished);
  EXPECT_EQ(f.tcpFlagsOut, kTcpSyn | kTcpAck | kTcpPsh);
  EXPECT_EQ(f.tcpFlagsIn, kTcpSyn | kTcpAck);
  EXPECT_EQ(f.firstSeen, at(0));
  EXPECT_EQ(f.lastSeen, at(0.04));
  EXPECT_EQ(f.remoteGeo.asn, 64500u);  // kept what the observer filled at start
  EXPECT_EQ(t.size(), 0u);
}

TEST_F(FlowTableTest, RemoteClientOpeningToLocalServerIsRemoteInitiated) {
  FlowTable t(cfg, local, rec);
  // Address order puts the remote endpoint first in the canonical key; sides must not flip.
  t.onPacket(pkt("203.0.113.9", 51000, "192.168.1.10", 22, kProtoTcp, kTcpSyn, 60, at(0)));
  t.onPacket(pkt("192.168.1.10", 22, "203.0.113.9", 51000, kProtoTcp, kTcpSyn | kTcpAck, 60, at(1)));
  t.onPacket(pkt("192.168.1.10", 22, "203.0.113.9", 51000, kProtoTcp, kTcpAck, 1000, at(2)));
  t.flushAll();
  const Flow& f = rec.ended.at(0).first;
  EXPECT_EQ(f.localAddr(), ip("192.168.1.10"));
  EXPECT_EQ(f.remoteAddr(), ip("203.0.113.9"));
  EXPECT_FALSE(f.initiatorLocal());
  EXPECT_FALSE(f.initiatorGuessed());
  EXPECT_EQ(f.bytesOut, 1060u);  // what the local server sent is data leaving
  EXPECT_EQ(f.bytesIn, 60u);
}

TEST_F(FlowTableTest, SynAckFirstMeansTheReceiverInitiated) {
  FlowTable t(cfg, local, rec);
  t.onPacket(pkt("198.51.100.7", 443, "10.0.0.5", 40000, kProtoTcp, kTcpSyn | kTcpAck, 60, at(0)));
  t.flushAll();
  EXPECT_TRUE(rec.ended.at(0).first.initiatorLocal());
  EXPECT_FALSE(rec.ended.at(0).first.initiatorGuessed());
}

TEST_F(FlowTableTest, InitiatorWithoutHandshakeIsAGuess) {
  FlowTable t(cfg, local, rec);
  // Mid-stream TCP from the remote side: guessed, and the server-port heuristic says local.
  t.onPacket(pkt("198.51.100.7", 443, "10.0.0.5", 40000, kProtoTcp, kTcpAck, 1500, at(0)));
  // UDP from a local high port to a remote: guessed, local.
  t.onPacket(pkt("10.0.0.5", 50000, "198.51.100.8", 4500, kProtoUdp, 0, 100, at(0)));
  t.flushAll();
  ASSERT_EQ(rec.ended.size(), 2u);
  for (const auto& [f, r] : rec.ended) {
    EXPECT_TRUE(f.initiatorGuessed());
    EXPECT_TRUE(f.initiatorLocal());
  }
  for (const auto& [f, r] : rec.ended) {
    if (f.key.proto == kProtoTcp) {
      EXPECT_EQ(f.state, FlowState::TcpEstablished);
    }
  }
}

TEST_F(FlowTableTest, IcmpEchoRequestAndReplyAreOneFlow) {
  FlowTable t(cfg, local, rec);
  PacketView req = pkt("10.0.0.5", 77, "198.51.100.7", 77, kProtoIcmp, 0, 84, at(0));
  req.icmpType = 8;
  PacketView rep = pkt("198.51.100.7", 77, "10.0.0.5", 77, kProtoIcmp, 0, 84, at(0.1));
  rep.icmpType = 0;
  t.onPacket(rep);  // the reply seen first still names the local side as initiator
  t.onPacket(req);
  EXPECT_EQ(t.size(), 1u);
  t.flushAll();
  const Flow& f = rec.ended.at(0).first;
  EXPECT_TRUE(f.initiatorLocal());
  EXPECT_FALSE(f.initiatorGuessed());
  EXPECT_EQ(f.pktsOut, 1u);
  EXPECT_EQ(f.pktsIn, 1u);
}

TEST_F(FlowTableTest, LocalityMarksLanAndTransitFlows) {
  FlowTable t(cfg, local, rec);
  t.onPacket(pkt("10.0.0.9", 50000, "10.0.0.5", 445, kProtoTcp, kTcpSyn, 60, at(0)));
  t.onPacket(pkt("198.51.100.9", 50000, "203.0.113.5", 80, kProtoTcp, kTcpSyn, 60, at(0)));
  t.flushAll();
  ASSERT_EQ(rec.ended.size(), 2u);
  std::map<Locality, Flow> by;
  for (const auto& [f, r] : rec.ended) by[f.locality] = f;
  ASSERT_TRUE(by.count(Locality::LocalLocal));
  ASSERT_TRUE(by.count(Locality::RemoteRemote));
  // For both, the "local" role is the initiator.
  EXPECT_EQ(by[Locality::LocalLocal].localAddr(), ip("10.0.0.9"));
  EXPECT_EQ(by[Locality::RemoteRemote].localAddr(), ip("198.51.100.9"));
  EXPECT_EQ(by[Locality::RemoteRemote].remoteAddr(), ip("203.0.113.5"));
}

TEST_F(FlowTableTest, IdleTimeoutsDependOnProtocolAndState) {
  cfg.timeouts.udp = seconds(60);
  cfg.timeouts.tcpEstablished = seconds(300);
  cfg.timeouts.tcpClosed = seconds(10);
  FlowTable t(cfg, local, rec);
  t.onPacket(pkt("10.0.0.5", 50000, "198.51.100.8", 53, kProtoUdp, 0, 80, at(0)));
  t.onPacket(pkt("10.0.0.5", 40000, "198.51.100.7", 443, kProtoTcp, kTcpSyn, 60, at(0)));
  t.onPacket(pkt("198.51.100.7", 443, "10.0.0.5", 40000, kProtoTcp, kTcpSyn | kTcpAck, 60, at(0)));
  // A closed connection.
  t.onPacket(pkt("10.0.0.5", 40001, "198.51.100.7", 443, kProtoTcp, kTcpSyn, 60, at(0)));
  t.onPacket(pkt("198.51.100.7", 443, "10.0.0.5", 40001, kProtoTcp, kTcpRst | kTcpAck, 40, at(0)));
  EXPECT_EQ(t.size(), 3u);
  t.advance(at(9));
  EXPECT_EQ(t.size(), 3u);
  t.advance(at(11));  // closed TCP: gone after 10 s
  EXPECT_EQ(t.size(), 2u);
  t.advance(at(59));
  EXPECT_EQ(t.size(), 2u);
  t.advance(at(61));  // UDP: gone after 60 s
  EXPECT_EQ(t.size(), 1u);
  t.advance(at(299));
  EXPECT_EQ(t.size(), 1u);
  t.advance(at(301));  // established TCP: after 300 s
  EXPECT_EQ(t.size(), 0u);
  ASSERT_EQ(rec.ended.size(), 3u);
  EXPECT_EQ(rec.ended[0].first.localPort(), 40001);
  EXPECT_EQ(rec.ended[0].first.state, FlowState::TcpClosed);
  EXPECT_EQ(rec.ended[1].first.key.proto, kProtoUdp);
  for (const auto& e : rec.ended) EXPECT_EQ(e.second, EndReason::IdleTimeout);
  EXPECT_EQ(t.stats().idleExpired, 3u);
}

TEST_F(FlowTableTest, ActivityKeepsAFlowAliveAcrossItsTimeout) {
  cfg.timeouts.udp = seconds(60);
  FlowTable t(cfg, local, rec);
  for (int s = 0; s <= 600; s += 30)
    t.onPacket(pkt("10.0.0.5", 50000, "198.51.100.8", 4500, kProtoUdp, 0, 80, at(s)));
  EXPECT_EQ(t.size(), 1u);
  EXPECT_TRUE(rec.ended.empty());
  t.advance(at(661));
  EXPECT_EQ(t.size(), 0u);
  ASSERT_EQ(rec.ended.size(), 1u);
  EXPECT_EQ(rec.ended[0].first.pktsOut, 21u);
}

TEST_F(FlowTableTest, ActiveTimeoutCutsRecordsOfALongFlow) {
  cfg.timeouts.active = seconds(100);
  FlowTable t(cfg, local, rec);
  for (int s = 0; s <= 250; s += 10)
    t.onPacket(pkt("10.0.0.5", 50000, "198.51.100.8", 4500, kProtoUdp, 0, 100, at(s)));
  t.flushAll();
  ASSERT_EQ(rec.ended.size(), 3u);
  EXPECT_EQ(rec.ended[0].second, EndReason::ActiveTimeout);
  EXPECT_EQ(rec.ended[1].second, EndReason::ActiveTimeout);
  EXPECT_EQ(rec.ended[2].second, EndReason::EndOfInput);
  EXPECT_EQ(rec.ended[0].first.pktsOut, 10u);  // 0..90
  EXPECT_EQ(rec.ended[1].first.pktsOut, 10u);  // 100..190
  EXPECT_EQ(rec.ended[2].first.pktsOut, 6u);   // 200..250
  EXPECT_EQ(rec.ended[0].first.records, 0);
  EXPECT_EQ(rec.ended[2].first.records, 2);
  EXPECT_EQ(rec.ended[0].first.id, rec.ended[2].first.id);
  EXPECT_EQ(t.stats().flowsCreated, 1u);
  EXPECT_EQ(t.stats().activeRecords, 2u);
}

TEST_F(FlowTableTest, FullTableEvictsTheLongestIdleFlow) {
  cfg.maxFlows = 3;
  FlowTable t(cfg, local, rec);
  t.onPacket(pkt("10.0.0.1", 1001, "198.51.100.1", 53, kProtoUdp, 0, 80, at(1)));
  t.onPacket(pkt("10.0.0.2", 1002, "198.51.100.2", 53, kProtoUdp, 0, 80, at(2)));
  t.onPacket(pkt("10.0.0.3", 1003, "198.51.100.3", 53, kProtoUdp, 0, 80, at(3)));
  t.onPacket(pkt("10.0.0.1", 1001, "198.51.100.1", 53, kProtoUdp, 0, 80, at(4)));  // touch #1
  t.onPacket(pkt("10.0.0.4", 1004, "198.51.100.4", 53, kProtoUdp, 0, 80, at(5)));
  EXPECT_EQ(t.size(), 3u);
  ASSERT_EQ(rec.ended.size(), 1u);
  EXPECT_EQ(rec.ended[0].second, EndReason::Evicted);
  EXPECT_EQ(rec.ended[0].first.localAddr(), ip("10.0.0.2"));
  EXPECT_EQ(t.stats().evicted, 1u);
  // The victim is the oldest across every timeout class's list.
  t.onPacket(pkt("10.0.0.9", 2000, "198.51.100.9", 443, kProtoTcp, kTcpSyn, 60, at(6)));
  EXPECT_EQ(rec.ended.back().first.localAddr(), ip("10.0.0.3"));
  t.onPacket(pkt("10.0.0.8", 2000, "198.51.100.9", 443, kProtoTcp, kTcpSyn, 60, at(7)));
  EXPECT_EQ(rec.ended.back().first.localAddr(), ip("10.0.0.1"));
  EXPECT_EQ(t.stats().evicted, 3u);
}

TEST_F(FlowTableTest, LaterFragmentsCountToTheFirstFragmentsFlow) {
  FlowTable t(cfg, local, rec);
  PacketView first = pkt("10.0.0.5", 50000, "198.51.100.8", 4500, kProtoUdp, 0, 1500, at(0));
  first.isFragment = true;
  first.moreFragments = true;
  first.fragId = 0x1234;
  PacketView later = first;
  later.hasPorts = false;
  later.sport = later.dport = 0;
  later.fragOffset = 185;
  later.moreFragments = false;
  later.ipLen = 520;
  later.ts = at(0.001);
  PacketView stray = later;
  stray.fragId = 0x9999;
  t.onPacket(first);
  t.onPacket(later);
  t.onPacket(stray);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.stats().fragmentsMatched, 1u);
  EXPECT_EQ(t.stats().fragmentsUnmatched, 1u);
  t.flushAll();
  EXPECT_EQ(rec.ended.at(0).first.bytesOut, 2020u);
  EXPECT_EQ(rec.ended.at(0).first.pktsOut, 2u);
}

TEST_F(FlowTableTest, NewSynOnAClosedConnectionStartsANewFlow) {
  FlowTable t(cfg, local, rec);
  t.onPacket(pkt("10.0.0.5", 40000, "198.51.100.7", 80, kProtoTcp, kTcpSyn, 60, at(0)));
  t.onPacket(pkt("198.51.100.7", 80, "10.0.0.5", 40000, kProtoTcp, kTcpRst | kTcpAck, 40, at(0.1)));
  t.onPacket(pkt("10.0.0.5", 40000, "198.51.100.7", 80, kProtoTcp, kTcpSyn, 60, at(1)));
  EXPECT_EQ(t.stats().flowsCreated, 2u);
  EXPECT_EQ(rec.ended.size(), 1u);
  EXPECT_EQ(t.size(), 1u);
}

TEST_F(FlowTableTest, IndexStaysConsistentThroughManyInsertsAndExpiries) {
  cfg.timeouts.udp = seconds(10);
  FlowTable t(cfg, local, rec);
  const int n = 50000;
  // Even flows start at t=0, odd ones at t=5; at t=12 only the even ones have expired.
  for (int k = 0; k < n; ++k) {
    const int i = k < n / 2 ? 2 * k : 2 * (k - n / 2) + 1;
    PacketView p = pkt("10.0.0.1", 0, "198.51.100.1", 53, kProtoUdp, 0, 100, at(i % 2 ? 5 : 0));
    p.src = IpAddress::fromV4(0x0a000000u + uint32_t(i));
    p.sport = uint16_t(1024 + i % 60000);
    t.onPacket(p);
  }
  EXPECT_EQ(t.size(), size_t(n));
  t.advance(at(12));
  EXPECT_EQ(t.size(), size_t(n / 2));
  // Every surviving flow must still be found (no duplicate created).
  for (int i = 1; i < n; i += 2) {
    PacketView p = pkt("10.0.0.1", 0, "198.51.100.1", 53, kProtoUdp, 0, 100, at(13));
    p.src = IpAddress::fromV4(0x0a000000u + uint32_t(i));
    p.sport = uint16_t(1024 + i % 60000);
    t.onPacket(p);
  }
  EXPECT_EQ(t.stats().flowsCreated, uint64_t(n));
  EXPECT_EQ(t.size(), size_t(n / 2));
  t.flushAll();
  uint64_t pkts = 0;
  for (const auto& e : rec.ended) pkts += e.first.pktsOut;
  EXPECT_EQ(pkts, uint64_t(n + n / 2));
}

TEST_F(FlowTableTest, TimeGoingBackwardsDelaysExpiryButNeverLosesFlows) {
  cfg.timeouts.udp = seconds(10);
  FlowTable t(cfg, local, rec);
  t.onPacket(pkt("10.0.0.1", 1001, "198.51.100.1", 53, kProtoUdp, 0, 80, at(5)));
  t.onPacket(pkt("10.0.0.2", 1002, "198.51.100.2", 53, kProtoUdp, 0, 80, at(0)));  // older
  t.advance(at(12));
  EXPECT_EQ(t.size(), 2u);  // #2 is late (queued behind #1), not early
  t.advance(at(16));
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(rec.ended.size(), 2u);
}

TEST(FlowKeyHash, IsTheSameForBothDirections) {
  FlowKey k;
  k.a = *IpAddress::parse("10.0.0.1");
  k.b = *IpAddress::parse("198.51.100.1");
  k.portA = 1;
  k.portB = 2;
  k.proto = kProtoTcp;
  FlowKey other = k;
  other.portB = 3;
  EXPECT_NE(hashFlowKey(k), hashFlowKey(other));
  EXPECT_EQ(sizeof(Flow), 128u);
}
