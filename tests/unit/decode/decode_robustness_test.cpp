// decodePacket() on malformed input: one or more frames per DecodeStatus, the stable status
// names, every truncation and many single-byte corruptions of valid frames (meant to run under
// AddressSanitizer too), and the fuzz seeds, which are written from the same builders.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "frame_builders.h"

namespace egressmon::test {
namespace {

struct BadCase {
  const char* name;
  LinkType link;
  Bytes frame;
  DecodeStatus want;
  int capLen = -1;  // -1: the whole frame
};

Bytes v4Tcp() { return ipv4({.payload = tcp({.payload = pattern(5)})}); }
Bytes v6Tcp() { return ipv6({.next = kProtoTcp, .payload = tcp({.payload = pattern(5)})}); }

Bytes nestedTunnels(int levels) {
  Bytes p = ipv4({.proto = kProtoUdp, .payload = udp(7, 8)});
  for (int i = 0; i < levels; ++i) {
    p = (i % 2 == 0) ? ipv6({.next = kProtoIpIp, .payload = p})
                     : ipv4({.proto = kProtoIpv6, .payload = p});
  }
  return p;  // outermost is IPv6 for odd `levels`
}

Bytes destOptsChain(int n, uint8_t last) {
  Bytes chain = v6ext(last, 0);
  for (int i = 1; i < n; ++i) chain = v6ext(60, 0, chain);
  return chain;
}

std::vector<BadCase> badCases() {
  const Bytes tagged = eth(kEthIpv4, v4Tcp(), {{kTpid8021Q, 3}});
  Bytes shortIpv6Ext = ipv6({.next = 0, .payload = v6ext(kProtoUdp, 1)});
  shortIpv6Ext.resize(40 + 8);  // the header says 16 bytes
  shortIpv6Ext[5] = 8;

  return {
      {"not ip: arp", LinkType::Ethernet, eth(kEthArp, Bytes(28, 0)), DecodeStatus::NotIp},
      {"not ip: llc", LinkType::Ethernet, eth(0x0027, Bytes(39, 0)), DecodeStatus::NotIp},
      {"not ip: sll lldp", LinkType::LinuxSll, sll(kEthLldp, Bytes(20, 0)), DecodeStatus::NotIp},

      {"ethernet 13 bytes", LinkType::Ethernet, Bytes(13, 0), DecodeStatus::TruncatedLink},
      {"ethernet empty", LinkType::Ethernet, Bytes{}, DecodeStatus::TruncatedLink},
      {"sll 15 bytes", LinkType::LinuxSll, sll(kEthIpv4, {}), DecodeStatus::TruncatedLink, 15},
      {"sll2 19 bytes", LinkType::LinuxSll2, sll2(kEthIpv4, {}), DecodeStatus::TruncatedLink, 19},
      {"null 3 bytes", LinkType::Null, Bytes{2, 0, 0}, DecodeStatus::TruncatedLink},
      {"loop 2 bytes", LinkType::Loop, Bytes{0, 0}, DecodeStatus::TruncatedLink},
      {"raw empty", LinkType::Raw, Bytes{}, DecodeStatus::TruncatedLink},
      {"mpls cut in label", LinkType::Ethernet, eth(kEthMpls, Bytes{0, 1, 0}),
       DecodeStatus::TruncatedLink},
      {"mpls without bottom", LinkType::Ethernet, eth(kEthMpls, Bytes{0, 1, 0, 64, 0, 2, 0, 64}),
       DecodeStatus::TruncatedLink},
      {"mpls nothing after stack", LinkType::Ethernet, eth(kEthMpls, mpls({1}, {})),
       DecodeStatus::TruncatedLink},
      {"pppoe cut", LinkType::Ethernet, eth(kEthPppoeSession, Bytes{0x11, 0, 0, 1, 0, 20, 0}),
       DecodeStatus::TruncatedLink},

      {"vlan tag cut", LinkType::Ethernet, tagged, DecodeStatus::TruncatedVlan, 16},
      {"second tag cut", LinkType::Ethernet,
       eth(kEthIpv4, v4Tcp(), {{kTpid8021ad, 1}, {kTpid8021Q, 2}}), DecodeStatus::TruncatedVlan,
       20},
      {"nine tags", LinkType::Ethernet,
       eth(kEthIpv4, v4Tcp(),
           {{kTpid8021ad, 1},
            {kTpid8021Q, 2},
            {kTpid8021Q, 3},
            {kTpid8021Q, 4},
            {kTpid8021Q, 5},
            {kTpid8021Q, 6},
            {kTpid8021Q, 7},
            {kTpid8021Q, 8},
            {kTpid8021Q, 9}}),
       DecodeStatus::TooManyVlanTags},

      {"ipv4 19 bytes", LinkType::Ethernet, eth(kEthIpv4, v4Tcp()), DecodeStatus::TruncatedIpv4,
       14 + 19},
      {"ipv4 after null", LinkType::Null, nullHeader(2, true, Bytes(10, 0x45)),
       DecodeStatus::TruncatedIpv4},
      {"ipv4 inner of 4in4 cut", LinkType::Raw,
       ipv4({.proto = kProtoIpIp, .payload = Bytes(12, 0x45)}), DecodeStatus::TruncatedIpv4},
      {"ipv4 inner of gre cut", LinkType::Raw,
       ipv4({.proto = kProtoGre, .payload = gre(0, kEthIpv4, Bytes(12, 0x45))}),
       DecodeStatus::TruncatedIpv4},

      {"ethertype ipv4 carrying ipv6", LinkType::Ethernet, eth(kEthIpv4, v6Tcp()),
       DecodeStatus::BadIpv4Version},
      {"ipv4 link, version 5", LinkType::Ipv4, ipv4({.payload = tcp({}), .version = 5}),
       DecodeStatus::BadIpv4Version},
      {"loop af inet carrying ipv6", LinkType::Loop, loopHeader(2, v6Tcp()),
       DecodeStatus::BadIpv4Version},
      {"4in4 inner is ipv6", LinkType::Raw, ipv4({.proto = kProtoIpIp, .payload = v6Tcp()}),
       DecodeStatus::BadIpv4Version},

      {"ihl 4", LinkType::Raw, ipv4({.payload = tcp({}), .ihlWords = 4}),
       DecodeStatus::BadIpv4HeaderLength},
      {"ihl 0", LinkType::Ipv4, ipv4({.payload = tcp({}), .ihlWords = 0}),
       DecodeStatus::BadIpv4HeaderLength},
      {"ihl 15 beyond frame", LinkType::Raw, ipv4({.payload = tcp({}), .ihlWords = 15}),
       DecodeStatus::BadIpv4HeaderLength},
      {"options cut by snaplen", LinkType::Ethernet,
       eth(kEthIpv4, ipv4({.payload = tcp({}), .options = Bytes(12, 1)})),
       DecodeStatus::BadIpv4HeaderLength, 14 + 28},

      {"total length 19", LinkType::Raw, ipv4({.payload = tcp({}), .totalLength = 19}),
       DecodeStatus::BadIpv4TotalLength},
      {"total length inside options", LinkType::Raw,
       ipv4({.payload = tcp({}), .options = Bytes(8, 1), .totalLength = 24}),
       DecodeStatus::BadIpv4TotalLength},

      {"ipv6 39 bytes", LinkType::Ethernet, eth(kEthIpv6, v6Tcp()), DecodeStatus::TruncatedIpv6,
       14 + 39},
      {"ipv6 after null", LinkType::Null, nullHeader(28, false, Bytes(30, 0x60)),
       DecodeStatus::TruncatedIpv6},
      {"ipv6 inner of 6in4 cut", LinkType::Raw,
       ipv4({.proto = kProtoIpv6, .payload = Bytes(39, 0x60)}), DecodeStatus::TruncatedIpv6},

      {"ethertype ipv6 carrying ipv4", LinkType::Ethernet, eth(kEthIpv6, v4Tcp()),
       DecodeStatus::BadIpv6Version},
      {"ipv6 link, version 4", LinkType::Ipv6,
       ipv6({.next = kProtoTcp, .payload = tcp({}), .version = 4}), DecodeStatus::BadIpv6Version},
      {"6in6 inner is ipv4", LinkType::Raw,
       ipv6({.next = kProtoIpv6, .payload = cat({v4Tcp(), Bytes(20, 0)})}),
       DecodeStatus::BadIpv6Version},

      {"ext length beyond payload", LinkType::Ipv6, shortIpv6Ext, DecodeStatus::TruncatedIpv6Ext},
      {"ext fixed part cut", LinkType::Ipv6, ipv6({.next = 60, .payload = Bytes{6, 0, 1, 4}}),
       DecodeStatus::TruncatedIpv6Ext},
      {"fragment header cut", LinkType::Ipv6,
       ipv6({.next = 44, .payload = Bytes{17, 0, 0, 1, 0, 0}}), DecodeStatus::TruncatedIpv6Ext},
      {"ah length beyond payload", LinkType::Ipv6, ipv6({.next = 51, .payload = v6ah(17, 10)}),
       DecodeStatus::TruncatedIpv6Ext, 40 + 24},
      {"ext cut by snaplen", LinkType::Ethernet,
       eth(kEthIpv6, ipv6({.next = 0, .payload = v6ext(kProtoTcp, 3, tcp({}))})),
       DecodeStatus::TruncatedIpv6Ext, 14 + 40 + 20},

      {"nine ext headers", LinkType::Ipv6,
       ipv6({.next = 60, .payload = cat({destOptsChain(9, 17), udp(1, 2)})}),
       DecodeStatus::TooManyIpv6Ext},
      {"hop-by-hop loop", LinkType::Ipv6,
       ipv6({.next = 0,
             .payload =
                 [] {
                   Bytes b;
                   for (int i = 0; i < 40; ++i) append(b, v6ext(0, 0));
                   return b;
                 }()}),
       DecodeStatus::TooManyIpv6Ext},

      {"tcp 19 bytes", LinkType::Raw, ipv4({.payload = Bytes(19, 0x50)}),
       DecodeStatus::TruncatedTcp},
      {"tcp offset beyond segment", LinkType::Raw, ipv4({.payload = tcp({.dataOffsetWords = 15})}),
       DecodeStatus::TruncatedTcp},
      {"tcp options cut by snaplen", LinkType::Raw,
       ipv4({.payload = tcp({.options = Bytes(12, 1)})}), DecodeStatus::TruncatedTcp, 20 + 24},
      {"tcp options beyond ip total length", LinkType::Raw,
       cat({ipv4({.payload = tcp({.options = Bytes(12, 1)}), .totalLength = 20 + 24}),
            Bytes(8, 0)}),
       DecodeStatus::TruncatedTcp},
      {"tiny first fragment", LinkType::Raw, ipv4({.payload = Bytes(8, 0x50), .mf = true}),
       DecodeStatus::TruncatedTcp},
      {"ipv6 tcp cut", LinkType::Ipv6, ipv6({.next = kProtoTcp, .payload = tcp({})}),
       DecodeStatus::TruncatedTcp, 40 + 10},

      {"tcp offset 4", LinkType::Raw, ipv4({.payload = tcp({.dataOffsetWords = 4})}),
       DecodeStatus::BadTcpDataOffset},
      {"tcp offset 0", LinkType::Ipv6,
       ipv6({.next = kProtoTcp, .payload = tcp({.dataOffsetWords = 0})}),
       DecodeStatus::BadTcpDataOffset},

      {"udp 7 bytes", LinkType::Raw, ipv4({.proto = kProtoUdp, .payload = Bytes(7, 0)}),
       DecodeStatus::TruncatedUdp},
      {"udp cut by snaplen", LinkType::Ipv6, ipv6({.next = kProtoUdp, .payload = udp(1, 2)}),
       DecodeStatus::TruncatedUdp, 44},

      {"icmp 3 bytes", LinkType::Raw, ipv4({.proto = kProtoIcmp, .payload = Bytes{3, 1, 0}}),
       DecodeStatus::TruncatedIcmp},
      {"icmp echo 6 bytes", LinkType::Raw,
       ipv4({.proto = kProtoIcmp, .payload = Bytes{8, 0, 0, 0, 1, 2}}),
       DecodeStatus::TruncatedIcmp},
      {"icmpv6 echo cut", LinkType::Ipv6,
       ipv6({.next = kProtoIcmpv6, .payload = icmp(129, 0, 1, 1)}), DecodeStatus::TruncatedIcmp,
       47},

      {"five tunnels", LinkType::Raw, nestedTunnels(5), DecodeStatus::TunnelTooDeep},
      {"many gre tunnels", LinkType::Raw,
       [] {
         Bytes p = v4Tcp();
         for (int i = 0; i < 6; ++i)
           p = ipv4({.proto = kProtoGre, .payload = gre(0x2000, kEthIpv4, p)});
         return p;
       }(),
       DecodeStatus::TunnelTooDeep},

      {"raw version 5", LinkType::Raw, ipv4({.payload = tcp({}), .version = 5}),
       DecodeStatus::UnknownIpVersion},
      {"raw version 0", LinkType::Raw, Bytes(40, 0), DecodeStatus::UnknownIpVersion},
      {"null af 7", LinkType::Null, nullHeader(7, true, v4Tcp()), DecodeStatus::UnknownIpVersion},
      {"null af 0", LinkType::Null, nullHeader(0, true, v4Tcp()), DecodeStatus::UnknownIpVersion},
      {"loop af in host order", LinkType::Loop, nullHeader(2, true, v4Tcp()),
       DecodeStatus::UnknownIpVersion},

      {"gre 3 bytes", LinkType::Raw, ipv4({.proto = kProtoGre, .payload = Bytes{0, 0, 8}}),
       DecodeStatus::TruncatedGre},
      {"gre key cut", LinkType::Raw,
       ipv4({.proto = kProtoGre, .payload = Bytes{0x20, 0, 0x08, 0, 0, 0}}),
       DecodeStatus::TruncatedGre},
      {"gre over ipv6 cut by snaplen", LinkType::Ipv6,
       ipv6({.next = kProtoGre, .payload = gre(0xb000, kEthIpv4, v4Tcp())}),
       DecodeStatus::TruncatedGre, 40 + 10},
  };
}

TEST(DecodeMalformed, EachCaseGivesItsStatus) {
  for (const auto& c : badCases()) {
    SCOPED_TRACE(c.name);
    const Decoded d = decode(c.link, c.frame, c.capLen);
    EXPECT_EQ(d.status, c.want) << "got " << decodeStatusName(d.status) << ", want "
                                << decodeStatusName(c.want);
    EXPECT_EQ(d.v.capLen, d.capLen);
    EXPECT_EQ(d.v.wireLen, uint32_t(c.frame.size()));
  }
}

TEST(DecodeMalformed, EveryStatusHasACase) {
  std::set<DecodeStatus> seen{DecodeStatus::Ok};
  for (const auto& c : badCases()) seen.insert(c.want);
  for (size_t i = 0; i < size_t(DecodeStatus::kCount); ++i) {
    EXPECT_TRUE(seen.count(DecodeStatus(i))) << "no case for " << decodeStatusName(DecodeStatus(i));
  }
}

TEST(DecodeStatusNames, StableSnakeCase) {
  EXPECT_STREQ(decodeStatusName(DecodeStatus::Ok), "ok");
  EXPECT_STREQ(decodeStatusName(DecodeStatus::NotIp), "not_ip");
  EXPECT_STREQ(decodeStatusName(DecodeStatus::TruncatedLink), "truncated_link");
  EXPECT_STREQ(decodeStatusName(DecodeStatus::TruncatedVlan), "truncated_vlan");
  EXPECT_STREQ(decodeStatusName(DecodeStatus::TooManyVlanTags), "too_many_vlan_tags");
  EXPECT_STREQ(decodeStatusName(DecodeStatus::TruncatedIpv4), "truncated_ipv4");
  EXPECT_STREQ(decodeStatusName(DecodeStatus::BadIpv4Version), "bad_ipv4_version");
  EXPECT_STREQ(decodeStatusName(DecodeStatus::BadIpv4HeaderLength), "bad_ipv4_header_length");
  EXPECT_STREQ(decodeStatusName(DecodeStatus::BadIpv4TotalLength), "bad_ipv4_total_length");
  EXPECT_STREQ(decodeStatusName(DecodeStatus::TruncatedIpv6), "truncated_ipv6");
  EXPECT_STREQ(decodeStatusName(DecodeStatus::BadIpv6Version), "bad_ipv6_version");
  EXPECT_STREQ(decodeStatusName(DecodeStatus::TruncatedIpv6Ext), "truncated_ipv6_ext");
  EXPECT_STREQ(decodeStatusName(DecodeStatus::TooManyIpv6Ext), "too_many_ipv6_ext");
  EXPECT_STREQ(decodeStatusName(DecodeStatus::TruncatedTcp), "truncated_tcp");
  EXPECT_STREQ(decodeStatusName(DecodeStatus::BadTcpDataOffset), "bad_tcp_data_offset");
  EXPECT_STREQ(decodeStatusName(DecodeStatus::TruncatedUdp), "truncated_udp");
  EXPECT_STREQ(decodeStatusName(DecodeStatus::TruncatedIcmp), "truncated_icmp");
  EXPECT_STREQ(decodeStatusName(DecodeStatus::TunnelTooDeep), "tunnel_too_deep");
  EXPECT_STREQ(decodeStatusName(DecodeStatus::UnknownIpVersion), "unknown_ip_version");
  EXPECT_STREQ(decodeStatusName(DecodeStatus::TruncatedGre), "truncated_gre");
  EXPECT_STREQ(decodeStatusName(DecodeStatus::kCount), "unknown");
  EXPECT_STREQ(decodeStatusName(DecodeStatus(200)), "unknown");

  std::set<std::string> names;
  for (size_t i = 0; i < size_t(DecodeStatus::kCount); ++i) {
    const std::string n = decodeStatusName(DecodeStatus(i));
    EXPECT_FALSE(n.empty());
    EXPECT_EQ(n.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_"), std::string::npos) << n;
    EXPECT_TRUE(names.insert(n).second) << "duplicate " << n;
  }
}

// ---- valid frames, truncated and corrupted ------------------------------------------------

struct Sample {
  const char* name;
  LinkType link;
  Bytes frame;
};

// A spread of well-formed frames over every path; also the source of the fuzz seeds.
std::vector<Sample> samples() {
  const Bytes web = tcp({.flags = kTcpPsh | kTcpAck,
                         .options = Bytes{1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 3},
                         .payload = pattern(24)});
  const Bytes dns = udp(53000, 53, pattern(17, 0x10));
  const Bytes chain =
      v6ext(43, 0, v6ext(44, 1, v6frag(51, 0, true, 0x0badf00d, v6ah(60, 4, v6ext(kProtoTcp, 0)))));
  return {
      {"eth_ipv4_tcp", LinkType::Ethernet, eth(kEthIpv4, ipv4({.payload = web}))},
      {"eth_qinq_ipv6_udp", LinkType::Ethernet,
       eth(kEthIpv6, ipv6({.next = kProtoUdp, .payload = dns}),
           {{kTpid8021ad, 100}, {kTpid8021Q, 200}})},
      {"sll_ipv4_icmp_echo", LinkType::LinuxSll,
       sll(kEthIpv4, ipv4({.proto = kProtoIcmp, .payload = icmp(8, 0, 0x4242, 1, pattern(16))}))},
      {"sll2_ipv6_icmpv6_ns", LinkType::LinuxSll2,
       sll2(kEthIpv6, ipv6({.next = kProtoIcmpv6, .payload = icmp(135, 0, 0, 0, pattern(16))}))},
      {"raw_ipv6_ext_chain_tcp", LinkType::Raw, ipv6({.next = 0, .payload = cat({chain, web})})},
      {"ipv4_options_first_fragment_udp", LinkType::Ipv4,
       ipv4({.proto = kProtoUdp,
             .payload = dns,
             .id = 77,
             .mf = true,
             .options = Bytes{0x94, 4, 0, 0}})},
      {"ipv6_later_fragment", LinkType::Ipv6,
       ipv6({.next = 44, .payload = v6frag(kProtoUdp, 100, false, 5, pattern(40))})},
      {"null_le_ipv4_gre_ipv6", LinkType::Null,
       nullHeader(
           2, true,
           ipv4({.proto = kProtoGre,
                 .payload = gre(0xb000, kEthIpv6, ipv6({.next = kProtoTcp, .payload = web}))}))},
      {"null_be_ipv6_esp", LinkType::Null,
       nullHeader(
           30, false,
           ipv6({.next = 50, .payload = cat({Bytes{0, 0, 1, 0, 0, 0, 0, 1}, pattern(32)})}))},
      {"loop_ipv6_4in6_udp", LinkType::Loop,
       loopHeader(
           24, ipv6({.next = kProtoIpIp, .payload = ipv4({.proto = kProtoUdp, .payload = dns})}))},
      {"eth_mpls_ipv4_6in4_tcp", LinkType::Ethernet,
       eth(kEthMpls, mpls({16, 17}, ipv4({.proto = kProtoIpv6,
                                          .payload = ipv6({.next = kProtoTcp, .payload = web})})))},
      {"eth_vlan_pppoe_ipv6_udp", LinkType::Ethernet,
       eth(kEthPppoeSession, pppoe(0x0057, ipv6({.next = kProtoUdp, .payload = dns})),
           {{kTpid8021Q, 7}})},
      {"eth_pppoe_ipv4_icmp_unreachable", LinkType::Ethernet,
       eth(kEthPppoeSession,
           pppoe(0x0021,
                 ipv4({.proto = kProtoIcmp,
                       .payload = icmp(3, 3, 0, 0, ipv4({.proto = kProtoUdp, .payload = dns}))})))},
      {"raw_ipv4_sctp", LinkType::Raw, ipv4({.proto = 132, .payload = pattern(28)})},
      {"eth_ipv6_6in6_hbh_tcp", LinkType::Ethernet,
       eth(kEthIpv6,
           ipv6({.next = 0,
                 .payload = v6ext(kProtoIpv6, 0, ipv6({.next = kProtoTcp, .payload = web}))}))},
      {"ipv4_later_fragment", LinkType::Ipv4,
       ipv4({.proto = kProtoTcp, .payload = pattern(30), .id = 9, .fragOffset = 3})},
  };
}

// Properties every Ok result must have, whatever the input.
void expectSane(const Decoded& d) {
  if (d.status != DecodeStatus::Ok) return;
  const PacketView& v = d.v;
  ASSERT_NE(v.payload, nullptr);
  EXPECT_GE(d.payloadOffset(), 0);
  EXPECT_LE(uint64_t(d.payloadOffset()) + v.payloadLen, d.capLen);
  EXPECT_LE(v.payloadLen, v.payloadWireLen);
  EXPECT_TRUE(v.ipVersion == 4 || v.ipVersion == 6);
  EXPECT_LE(v.tunnelDepth, 4);
  EXPECT_LE(v.vlanCount, 8);
  if (!v.hasPorts) {
    EXPECT_EQ(v.sport, 0);
    EXPECT_EQ(v.dport, 0);
  }
  if (v.fragOffset != 0) {
    EXPECT_FALSE(v.hasPorts);
  }
}

TEST(DecodeRobustness, SamplesDecode) {
  for (const auto& s : samples()) {
    SCOPED_TRACE(s.name);
    const Decoded d = decode(s.link, s.frame);
    EXPECT_EQ(d.status, DecodeStatus::Ok) << decodeStatusName(d.status);
    expectSane(d);
  }
}

TEST(DecodeRobustness, TruncationAtEveryLength) {
  for (const auto& s : samples()) {
    SCOPED_TRACE(s.name);
    const Decoded full = decode(s.link, s.frame);
    ASSERT_EQ(full.status, DecodeStatus::Ok);
    const ptrdiff_t fullOffset = full.payloadOffset();
    size_t okCount = 0;
    for (size_t len = 0; len < s.frame.size(); ++len) {
      SCOPED_TRACE(len);
      const Decoded d = decode(s.link, s.frame, int(len));
      EXPECT_EQ(d.v.capLen, len);
      EXPECT_EQ(d.v.wireLen, s.frame.size());
      if (d.status != DecodeStatus::Ok) continue;
      ++okCount;
      expectSane(d);
      // A shorter capture only shortens the captured payload; every header fact is the same.
      const PacketView& a = d.v;
      const PacketView& b = full.v;
      EXPECT_EQ(a.src, b.src);
      EXPECT_EQ(a.dst, b.dst);
      EXPECT_EQ(a.ipLen, b.ipLen);
      EXPECT_EQ(a.ipVersion, b.ipVersion);
      EXPECT_EQ(a.proto, b.proto);
      EXPECT_EQ(a.tunnelDepth, b.tunnelDepth);
      EXPECT_EQ(a.vlanCount, b.vlanCount);
      EXPECT_EQ(a.vlanId, b.vlanId);
      EXPECT_EQ(a.isFragment, b.isFragment);
      EXPECT_EQ(a.moreFragments, b.moreFragments);
      EXPECT_EQ(a.fragOffset, b.fragOffset);
      EXPECT_EQ(a.fragId, b.fragId);
      EXPECT_EQ(a.hasPorts, b.hasPorts);
      EXPECT_EQ(a.sport, b.sport);
      EXPECT_EQ(a.dport, b.dport);
      EXPECT_EQ(a.tcpFlags, b.tcpFlags);
      EXPECT_EQ(a.tcpSeq, b.tcpSeq);
      EXPECT_EQ(a.tcpAck, b.tcpAck);
      EXPECT_EQ(a.icmpType, b.icmpType);
      EXPECT_EQ(a.icmpCode, b.icmpCode);
      EXPECT_EQ(a.payloadWireLen, b.payloadWireLen);
      const ptrdiff_t offset = std::min<ptrdiff_t>(fullOffset, ptrdiff_t(len));
      EXPECT_EQ(d.payloadOffset(), offset);
      EXPECT_EQ(a.payloadLen, std::min<uint32_t>(b.payloadLen, uint32_t(ptrdiff_t(len) - offset)));
    }
    // Every sample has a payload, so cutting into it must still decode.
    EXPECT_GE(okCount, full.v.payloadLen);
  }
}

TEST(DecodeRobustness, SingleByteCorruption) {
  const uint8_t values[] = {0x00, 0xff, 0x01, 0x80, 0x06, 0x11, 0x29, 0x2f, 0x3c};
  for (const auto& s : samples()) {
    SCOPED_TRACE(s.name);
    for (size_t i = 0; i < s.frame.size(); ++i) {
      for (const uint8_t val : values) {
        Bytes f = s.frame;
        f[i] = val;
        for (const LinkType link : {s.link, LinkType::Raw}) {
          const Decoded d = decode(link, f);
          expectSane(d);
          ASSERT_FALSE(::testing::Test::HasFailure()) << "byte " << i << " = " << int(val);
        }
      }
    }
  }
}

TEST(DecodeRobustness, EveryLinkTypeOverEveryFrame) {
  // Frames decoded with the wrong link type must still be safe.
  for (const auto& s : samples()) {
    for (uint8_t l = 0; l < 8; ++l) {
      const Decoded d = decode(LinkType(l), s.frame);
      expectSane(d);
    }
  }
}

// ---- fuzz seeds ---------------------------------------------------------------------------

// The seed format of tests/fuzz/fuzz_decode.cpp: one byte of LinkType, then the frame.
Bytes seedBytes(const Sample& s) { return cat({Bytes{uint8_t(s.link)}, s.frame}); }

// With EGRESSMON_WRITE_DECODE_SEEDS=<dir> set, (re)writes the seeds there; otherwise checks
// that each seed in the source tree is present and still decodes.
TEST(DecodeFuzzSeeds, MatchSamples) {
  if (const char* dir = std::getenv("EGRESSMON_WRITE_DECODE_SEEDS")) {
    std::filesystem::create_directories(dir);
    for (const auto& s : samples()) {
      const Bytes b = seedBytes(s);
      ASSERT_LT(b.size(), 2048u);
      std::ofstream out(std::filesystem::path(dir) / (std::string(s.name) + ".bin"),
                        std::ios::binary);
      out.write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
      ASSERT_TRUE(out.good());
    }
    return;
  }
  const std::filesystem::path dir =
      std::filesystem::path(EGRESSMON_SOURCE_DIR) / "tests/fuzz/seeds/decode";
  for (const auto& s : samples()) {
    SCOPED_TRACE(s.name);
    std::ifstream in(dir / (std::string(s.name) + ".bin"), std::ios::binary);
    ASSERT_TRUE(in) << "missing seed; regenerate with EGRESSMON_WRITE_DECODE_SEEDS=" << dir;
    const Bytes b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(b.empty());
    const Bytes frame(b.begin() + 1, b.end());
    const Decoded d = decode(LinkType(b[0] % 8), frame);
    EXPECT_EQ(d.status, DecodeStatus::Ok) << decodeStatusName(d.status);
  }
}

}  // namespace
}  // namespace egressmon::test
