// decodePacket() on well-formed frames: every link type, VLAN/MPLS/PPPoE, IPv4 options and
// fragments, IPv6 extension headers, tunnels, transports and lengths, checked field by field.
#include <gtest/gtest.h>

#include "frame_builders.h"

namespace egressmon::test {
namespace {

void expectNotFragment(const PacketView& v) {
  EXPECT_FALSE(v.isFragment);
  EXPECT_FALSE(v.moreFragments);
  EXPECT_EQ(v.fragOffset, 0);
  EXPECT_EQ(v.fragId, 0u);
}

// A TCP segment used across the link-layer tests: 40000 -> 443, ACK|PSH, 5 payload bytes.
Bytes tcpSegment() { return tcp({.flags = kTcpAck | kTcpPsh, .payload = pattern(5)}); }
Bytes v4Tcp() { return ipv4({.proto = kProtoTcp, .payload = tcpSegment()}); }
Bytes v6Tcp() { return ipv6({.next = kProtoTcp, .payload = tcpSegment()}); }

// Checks the IPv4 TCP packet built by v4Tcp() whose IP header starts at `ipOffset`.
void expectV4Tcp(const Decoded& d, ptrdiff_t ipOffset) {
  ASSERT_EQ(d.status, DecodeStatus::Ok) << decodeStatusName(d.status);
  const PacketView& v = d.v;
  EXPECT_EQ(v.ipVersion, 4);
  EXPECT_EQ(v.src, addr(kV4A));
  EXPECT_EQ(v.dst, addr(kV4B));
  EXPECT_EQ(v.ipLen, 45u);
  EXPECT_EQ(v.proto, kProtoTcp);
  EXPECT_EQ(v.tunnelDepth, 0);
  expectNotFragment(v);
  EXPECT_TRUE(v.hasPorts);
  EXPECT_EQ(v.sport, 40000);
  EXPECT_EQ(v.dport, 443);
  EXPECT_EQ(v.tcpFlags, kTcpAck | kTcpPsh);
  EXPECT_EQ(v.tcpSeq, 0x01020304u);
  EXPECT_EQ(v.tcpAck, 0x0a0b0c0du);
  EXPECT_EQ(v.icmpType, 0);
  EXPECT_EQ(v.icmpCode, 0);
  EXPECT_EQ(d.payloadOffset(), ipOffset + 40);
  EXPECT_EQ(v.payloadLen, 5u);
  EXPECT_EQ(v.payloadWireLen, 5u);
  EXPECT_EQ(d.payloadBytes(), pattern(5));
  EXPECT_EQ(v.capLen, d.capLen);
}

void expectV6Tcp(const Decoded& d, ptrdiff_t ipOffset) {
  ASSERT_EQ(d.status, DecodeStatus::Ok) << decodeStatusName(d.status);
  const PacketView& v = d.v;
  EXPECT_EQ(v.ipVersion, 6);
  EXPECT_EQ(v.src, addr(kV6A));
  EXPECT_EQ(v.dst, addr(kV6B));
  EXPECT_EQ(v.ipLen, 65u);
  EXPECT_EQ(v.proto, kProtoTcp);
  EXPECT_EQ(v.tunnelDepth, 0);
  expectNotFragment(v);
  EXPECT_TRUE(v.hasPorts);
  EXPECT_EQ(v.sport, 40000);
  EXPECT_EQ(v.dport, 443);
  EXPECT_EQ(v.tcpFlags, kTcpAck | kTcpPsh);
  EXPECT_EQ(d.payloadOffset(), ipOffset + 60);
  EXPECT_EQ(v.payloadLen, 5u);
  EXPECT_EQ(v.payloadWireLen, 5u);
}

// ---- link layers --------------------------------------------------------------------------

TEST(DecodeLink, EthernetIpv4TcpEveryField) {
  const Bytes f = eth(kEthIpv4, v4Tcp());
  Decoded d;
  d.v.ts = 1234567;
  {
    // decode() builds a fresh view; decode by hand to check ts survives.
    d.capLen = uint32_t(f.size());
    d.buf.reset(new uint8_t[f.size()]);
    std::copy(f.begin(), f.end(), d.buf.get());
    d.status = decodePacket(LinkType::Ethernet, d.buf.get(), d.capLen, 1000, d.v);
  }
  expectV4Tcp(d, 14);
  EXPECT_EQ(d.v.ts, 1234567);
  EXPECT_EQ(d.v.wireLen, 1000u);
  EXPECT_EQ(d.v.capLen, 59u);
  EXPECT_EQ(d.v.vlanCount, 0);
  EXPECT_EQ(d.v.vlanId, 0);
}

TEST(DecodeLink, EthernetIpv6Tcp) {
  expectV6Tcp(decode(LinkType::Ethernet, eth(kEthIpv6, v6Tcp())), 14);
}

TEST(DecodeLink, LinuxSll) {
  expectV4Tcp(decode(LinkType::LinuxSll, sll(kEthIpv4, v4Tcp())), 16);
  expectV6Tcp(decode(LinkType::LinuxSll, sll(kEthIpv6, v6Tcp())), 16);
  EXPECT_EQ(decode(LinkType::LinuxSll, sll(kEthArp, Bytes(28, 0))).status, DecodeStatus::NotIp);
  // Protocol 0x0004 (802.2 LLC frames on non-Ethernet devices) is not an ethertype.
  EXPECT_EQ(decode(LinkType::LinuxSll, sll(0x0004, Bytes(20, 0))).status, DecodeStatus::NotIp);
}

TEST(DecodeLink, LinuxSllWithVlanTag) {
  // The kernel normally strips tags, but an 0x8100 protocol is followed like on Ethernet.
  Bytes tagged{0x00, 0x2a};
  put16(tagged, kEthIpv4);
  append(tagged, v4Tcp());
  const Decoded d = decode(LinkType::LinuxSll, sll(kTpid8021Q, tagged));
  expectV4Tcp(d, 20);
  EXPECT_EQ(d.v.vlanCount, 1);
  EXPECT_EQ(d.v.vlanId, 42);
}

TEST(DecodeLink, LinuxSll2) {
  expectV4Tcp(decode(LinkType::LinuxSll2, sll2(kEthIpv4, v4Tcp())), 20);
  expectV6Tcp(decode(LinkType::LinuxSll2, sll2(kEthIpv6, v6Tcp())), 20);
  EXPECT_EQ(decode(LinkType::LinuxSll2, sll2(kEthLldp, Bytes(30, 0))).status, DecodeStatus::NotIp);
}

TEST(DecodeLink, RawByVersionNibble) {
  expectV4Tcp(decode(LinkType::Raw, v4Tcp()), 0);
  expectV6Tcp(decode(LinkType::Raw, v6Tcp()), 0);
}

TEST(DecodeLink, Ipv4AndIpv6LinkTypes) {
  expectV4Tcp(decode(LinkType::Ipv4, v4Tcp()), 0);
  expectV6Tcp(decode(LinkType::Ipv6, v6Tcp()), 0);
}

TEST(DecodeLink, NullAcceptsBothByteOrders) {
  for (const bool le : {true, false}) {
    SCOPED_TRACE(le ? "little endian" : "big endian");
    expectV4Tcp(decode(LinkType::Null, nullHeader(2, le, v4Tcp())), 4);
    for (const uint32_t af6 : {24u, 28u, 30u}) {
      SCOPED_TRACE(af6);
      expectV6Tcp(decode(LinkType::Null, nullHeader(af6, le, v6Tcp())), 4);
    }
  }
}

TEST(DecodeLink, LoopIsNetworkOrder) {
  expectV4Tcp(decode(LinkType::Loop, loopHeader(2, v4Tcp())), 4);
  expectV6Tcp(decode(LinkType::Loop, loopHeader(24, v6Tcp())), 4);
  expectV6Tcp(decode(LinkType::Loop, loopHeader(30, v6Tcp())), 4);
}

TEST(DecodeLink, EthernetNonIpIsNotIp) {
  EXPECT_EQ(decode(LinkType::Ethernet, eth(kEthArp, Bytes(28, 0))).status, DecodeStatus::NotIp);
  EXPECT_EQ(decode(LinkType::Ethernet, eth(kEthLldp, Bytes(40, 0))).status, DecodeStatus::NotIp);
  EXPECT_EQ(decode(LinkType::Ethernet, eth(kEthPppoeDiscovery, Bytes(20, 0))).status,
            DecodeStatus::NotIp);
  // 802.3 length field (<= 1500) followed by LLC (STP here).
  EXPECT_EQ(decode(LinkType::Ethernet, eth(0x0026, Bytes{0x42, 0x42, 0x03, 0, 0, 0})).status,
            DecodeStatus::NotIp);
  EXPECT_EQ(decode(LinkType::Ethernet, eth(1500, Bytes(46, 0))).status, DecodeStatus::NotIp);
}

// ---- VLAN, MPLS, PPPoE --------------------------------------------------------------------

TEST(DecodeVlan, SingleTagKeepsIdWithoutPriority) {
  const Decoded d = decode(LinkType::Ethernet, eth(kEthIpv4, v4Tcp(), {{kTpid8021Q, 0xa064}}));
  expectV4Tcp(d, 18);
  EXPECT_EQ(d.v.vlanCount, 1);
  EXPECT_EQ(d.v.vlanId, 100);
}

TEST(DecodeVlan, QinQRecordsOutermost) {
  const Decoded d =
      decode(LinkType::Ethernet, eth(kEthIpv6, v6Tcp(), {{kTpid8021ad, 300}, {kTpid8021Q, 7}}));
  expectV6Tcp(d, 22);
  EXPECT_EQ(d.v.vlanCount, 2);
  EXPECT_EQ(d.v.vlanId, 300);
}

TEST(DecodeVlan, Tpid9100) {
  const Decoded d =
      decode(LinkType::Ethernet, eth(kEthIpv4, v4Tcp(), {{kTpid9100, 11}, {kTpid8021Q, 22}}));
  expectV4Tcp(d, 22);
  EXPECT_EQ(d.v.vlanCount, 2);
  EXPECT_EQ(d.v.vlanId, 11);
}

TEST(DecodeVlan, EightTagsAreFollowed) {
  const Decoded d = decode(LinkType::Ethernet, eth(kEthIpv4, v4Tcp(),
                                                   {{kTpid8021ad, 1},
                                                    {kTpid8021Q, 2},
                                                    {kTpid8021Q, 3},
                                                    {kTpid8021Q, 4},
                                                    {kTpid8021Q, 5},
                                                    {kTpid8021Q, 6},
                                                    {kTpid8021Q, 7},
                                                    {kTpid8021Q, 8}}));
  expectV4Tcp(d, 14 + 32);
  EXPECT_EQ(d.v.vlanCount, 8);
  EXPECT_EQ(d.v.vlanId, 1);
}

TEST(DecodeVlan, TaggedNonIp) {
  const Decoded d = decode(LinkType::Ethernet, eth(kEthArp, Bytes(28, 0), {{kTpid8021Q, 5}}));
  EXPECT_EQ(d.status, DecodeStatus::NotIp);
}

TEST(DecodeMpls, SingleLabelIpv4) {
  const Decoded d = decode(LinkType::Ethernet, eth(kEthMpls, mpls({1000}, v4Tcp())));
  expectV4Tcp(d, 18);
}

TEST(DecodeMpls, LabelStackIpv6) {
  expectV6Tcp(decode(LinkType::Ethernet, eth(kEthMpls, mpls({16, 17, 18}, v6Tcp()))), 26);
}

TEST(DecodeMpls, MulticastEthertypeAndVlan) {
  expectV4Tcp(decode(LinkType::Ethernet, eth(0x8848, mpls({5}, v4Tcp()))), 18);
  const Decoded d =
      decode(LinkType::Ethernet, eth(kEthMpls, mpls({5, 6}, v4Tcp()), {{kTpid8021Q, 9}}));
  expectV4Tcp(d, 26);
  EXPECT_EQ(d.v.vlanId, 9);
}

TEST(DecodeMpls, NonIpPayloadIsNotIp) {
  // A pseudowire control word (first nibble 0) before an Ethernet frame.
  const Bytes pw = cat({Bytes{0, 0, 0, 0}, eth(kEthIpv4, v4Tcp())});
  EXPECT_EQ(decode(LinkType::Ethernet, eth(kEthMpls, mpls({100}, pw))).status, DecodeStatus::NotIp);
}

TEST(DecodePppoe, Ipv4AndIpv6) {
  expectV4Tcp(decode(LinkType::Ethernet, eth(kEthPppoeSession, pppoe(0x0021, v4Tcp()))), 22);
  expectV6Tcp(decode(LinkType::Ethernet, eth(kEthPppoeSession, pppoe(0x0057, v6Tcp()))), 22);
  const Decoded tagged =
      decode(LinkType::Ethernet, eth(kEthPppoeSession, pppoe(0x0021, v4Tcp()), {{kTpid8021Q, 35}}));
  expectV4Tcp(tagged, 26);
  EXPECT_EQ(tagged.v.vlanId, 35);
}

TEST(DecodePppoe, ControlProtocolsAreNotIp) {
  EXPECT_EQ(decode(LinkType::Ethernet, eth(kEthPppoeSession, pppoe(0xc021, Bytes(10, 0)))).status,
            DecodeStatus::NotIp);  // LCP
  EXPECT_EQ(decode(LinkType::Ethernet, eth(kEthPppoeSession, pppoe(0x8021, Bytes(10, 0)))).status,
            DecodeStatus::NotIp);  // IPCP
}

// ---- IPv4 ---------------------------------------------------------------------------------

TEST(DecodeIpv4, OptionsAreSkipped) {
  // Record route (7), 11 bytes, padded to 12: IHL 8.
  const Bytes opts{7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0};
  const Bytes f = eth(
      kEthIpv4, ipv4({.proto = kProtoUdp, .payload = udp(5353, 53, pattern(10)), .options = opts}));
  const Decoded d = decode(LinkType::Ethernet, f);
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.v.ipLen, 32u + 18u);
  EXPECT_EQ(d.v.proto, kProtoUdp);
  EXPECT_TRUE(d.v.hasPorts);
  EXPECT_EQ(d.v.sport, 5353);
  EXPECT_EQ(d.v.dport, 53);
  EXPECT_EQ(d.payloadOffset(), 14 + 32 + 8);
  EXPECT_EQ(d.payloadBytes(), pattern(10));
  EXPECT_EQ(d.v.payloadWireLen, 10u);
  expectNotFragment(d.v);
}

TEST(DecodeIpv4, DontFragmentIsNotAFragment) {
  const Decoded d = decode(LinkType::Raw, ipv4({.payload = tcpSegment(), .df = true}));
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  expectNotFragment(d.v);
  EXPECT_TRUE(d.v.hasPorts);
}

TEST(DecodeIpv4, FirstFragmentCarriesPorts) {
  const Decoded d = decode(
      LinkType::Raw,
      ipv4(
          {.proto = kProtoUdp, .payload = udp(1111, 2222, pattern(32)), .id = 0xbeef, .mf = true}));
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_TRUE(d.v.isFragment);
  EXPECT_TRUE(d.v.moreFragments);
  EXPECT_EQ(d.v.fragOffset, 0);
  EXPECT_EQ(d.v.fragId, 0xbeefu);
  EXPECT_TRUE(d.v.hasPorts);
  EXPECT_EQ(d.v.sport, 1111);
  EXPECT_EQ(d.v.dport, 2222);
  EXPECT_EQ(d.payloadOffset(), 28);
  EXPECT_EQ(d.v.payloadLen, 32u);
}

TEST(DecodeIpv4, LaterFragmentHasNoPorts) {
  // Looks like a UDP header, but at offset 185 * 8 it is data.
  const Decoded d = decode(LinkType::Raw, ipv4({.proto = kProtoUdp,
                                                .payload = udp(1111, 2222, pattern(16)),
                                                .id = 0xbeef,
                                                .mf = true,
                                                .fragOffset = 185}));
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_TRUE(d.v.isFragment);
  EXPECT_TRUE(d.v.moreFragments);
  EXPECT_EQ(d.v.fragOffset, 185);
  EXPECT_EQ(d.v.fragId, 0xbeefu);
  EXPECT_EQ(d.v.proto, kProtoUdp);
  EXPECT_FALSE(d.v.hasPorts);
  EXPECT_EQ(d.v.sport, 0);
  EXPECT_EQ(d.v.dport, 0);
  EXPECT_EQ(d.payloadOffset(), 20);
  EXPECT_EQ(d.v.payloadLen, 24u);
  EXPECT_EQ(d.v.payloadWireLen, 24u);
}

TEST(DecodeIpv4, LastFragment) {
  const Decoded d = decode(
      LinkType::Raw, ipv4({.proto = kProtoTcp, .payload = pattern(3), .id = 7, .fragOffset = 2}));
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_TRUE(d.v.isFragment);
  EXPECT_FALSE(d.v.moreFragments);
  EXPECT_EQ(d.v.fragOffset, 2);
  EXPECT_EQ(d.v.fragId, 7u);
  EXPECT_FALSE(d.v.hasPorts);
  EXPECT_EQ(d.v.ipLen, 23u);
}

TEST(DecodeIpv4, EthernetPaddingIsNotPayload) {
  Bytes f = eth(kEthIpv4, ipv4({.proto = kProtoUdp, .payload = udp(1, 2, Bytes{0x61, 0x62})}));
  f.resize(60, 0);  // minimum Ethernet frame
  const Decoded d = decode(LinkType::Ethernet, f);
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.v.ipLen, 30u);
  EXPECT_EQ(d.v.payloadLen, 2u);
  EXPECT_EQ(d.v.payloadWireLen, 2u);
  EXPECT_EQ(d.v.wireLen, 60u);
}

TEST(DecodeIpv4, TotalLengthZeroUsesWireLength) {
  // A TSO super-packet: total length 0, 3000 payload bytes on the wire, 200 captured.
  const Bytes f =
      eth(kEthIpv4, ipv4({.payload = tcp({.payload = pattern(3000)}), .totalLength = 0}));
  const Decoded d = decode(LinkType::Ethernet, f, 200);
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.v.ipLen, 3040u);
  EXPECT_EQ(d.v.payloadWireLen, 3000u);
  EXPECT_EQ(d.v.payloadLen, 200u - 54u);
  EXPECT_EQ(d.v.wireLen, 3054u);
  EXPECT_EQ(d.v.capLen, 200u);
}

// ---- IPv6 ---------------------------------------------------------------------------------

struct ExtCase {
  const char* name;
  uint8_t first;  // next header in the IPv6 header
  Bytes headers;  // extension headers ending in next header UDP
};

TEST(DecodeIpv6, EachExtensionHeader) {
  const ExtCase cases[] = {
      {"hop-by-hop", 0, v6ext(kProtoUdp, 0)},
      {"routing", 43, v6ext(kProtoUdp, 2)},
      {"destination options", 60, v6ext(kProtoUdp, 1)},
      {"fragment (first)", 44, v6frag(kProtoUdp, 0, true, 0x11223344)},
      {"authentication", 51, v6ah(kProtoUdp, 4)},
      {"mobility", 135, v6ext(kProtoUdp, 0)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Bytes f =
        ipv6({.next = c.first, .payload = cat({c.headers, udp(500, 4500, pattern(7))})});
    const Decoded d = decode(LinkType::Ipv6, f);
    ASSERT_EQ(d.status, DecodeStatus::Ok) << decodeStatusName(d.status);
    EXPECT_EQ(d.v.proto, kProtoUdp);
    EXPECT_EQ(d.v.ipLen, uint32_t(f.size()));
    EXPECT_TRUE(d.v.hasPorts);
    EXPECT_EQ(d.v.sport, 500);
    EXPECT_EQ(d.v.dport, 4500);
    EXPECT_EQ(d.payloadOffset(), ptrdiff_t(40 + c.headers.size() + 8));
    EXPECT_EQ(d.payloadBytes(), pattern(7));
    EXPECT_EQ(d.v.payloadWireLen, 7u);
    EXPECT_EQ(d.v.isFragment, c.first == 44);
    EXPECT_EQ(d.v.moreFragments, c.first == 44);
    EXPECT_EQ(d.v.fragId, c.first == 44 ? 0x11223344u : 0u);
  }
}

TEST(DecodeIpv6, ChainOfSeveralHeaders) {
  // hop-by-hop -> destination options -> routing -> fragment -> AH -> destination options ->
  // mobility -> TCP (each header names the one after it).
  const Bytes chain = v6ext(
      60, 0,
      v6ext(43, 1, v6ext(44, 1, v6frag(51, 0, true, 99, v6ah(60, 4, v6ext(135, 0, v6ext(6, 0)))))));
  const Bytes f = eth(kEthIpv6, ipv6({.next = 0, .payload = cat({chain, tcpSegment()})}));
  const Decoded d = decode(LinkType::Ethernet, f);
  ASSERT_EQ(d.status, DecodeStatus::Ok) << decodeStatusName(d.status);
  EXPECT_EQ(d.v.proto, kProtoTcp);
  EXPECT_EQ(d.v.sport, 40000);
  EXPECT_EQ(d.v.dport, 443);
  EXPECT_TRUE(d.v.isFragment);
  EXPECT_EQ(d.v.fragId, 99u);
  EXPECT_EQ(d.payloadOffset(), ptrdiff_t(14 + 40 + chain.size() + 20));
  EXPECT_EQ(d.v.payloadLen, 5u);
}

TEST(DecodeIpv6, EightHeadersAreFollowed) {
  Bytes chain = v6ext(kProtoUdp, 0);
  for (int i = 0; i < 7; ++i) chain = v6ext(60, 0, chain);
  const Decoded d = decode(LinkType::Ipv6, ipv6({.next = 60, .payload = cat({chain, udp(1, 2)})}));
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.v.proto, kProtoUdp);
  EXPECT_EQ(d.payloadOffset(), 40 + 64 + 8);
}

TEST(DecodeIpv6, LaterFragment) {
  const Bytes f =
      ipv6({.next = 44, .payload = v6frag(kProtoTcp, 181, true, 0xcafef00d, tcpSegment())});
  const Decoded d = decode(LinkType::Ipv6, f);
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_TRUE(d.v.isFragment);
  EXPECT_TRUE(d.v.moreFragments);
  EXPECT_EQ(d.v.fragOffset, 181);
  EXPECT_EQ(d.v.fragId, 0xcafef00du);
  EXPECT_EQ(d.v.proto, kProtoTcp);
  EXPECT_FALSE(d.v.hasPorts);
  EXPECT_EQ(d.v.sport, 0);
  EXPECT_EQ(d.v.tcpFlags, 0);
  EXPECT_EQ(d.payloadOffset(), 48);
  EXPECT_EQ(d.v.payloadLen, 25u);
  EXPECT_EQ(d.v.payloadWireLen, 25u);
}

TEST(DecodeIpv6, LaterFragmentStopsTheChain) {
  // After a non-first fragment header come payload bytes, even if they look like a header.
  const Bytes f = ipv6({.next = 44, .payload = v6frag(60, 3, false, 5, Bytes(16, 0xff))});
  const Decoded d = decode(LinkType::Ipv6, f);
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.v.proto, 60);
  EXPECT_FALSE(d.v.moreFragments);
  EXPECT_EQ(d.v.fragOffset, 3);
  EXPECT_EQ(d.v.payloadLen, 16u);
}

TEST(DecodeIpv6, AtomicFragmentIsWhole) {
  const Bytes f = ipv6({.next = 44, .payload = v6frag(kProtoUdp, 0, false, 77, udp(9, 10))});
  const Decoded d = decode(LinkType::Ipv6, f);
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  expectNotFragment(d.v);
  EXPECT_TRUE(d.v.hasPorts);
  EXPECT_EQ(d.v.sport, 9);
}

TEST(DecodeIpv6, NoNextHeaderEndsChain) {
  const Decoded d = decode(LinkType::Ipv6, ipv6({.next = 0, .payload = v6ext(59, 0)}));
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.v.proto, 59);
  EXPECT_FALSE(d.v.hasPorts);
  EXPECT_EQ(d.v.ipLen, 48u);
  EXPECT_EQ(d.v.payloadLen, 0u);
  EXPECT_EQ(d.v.payloadWireLen, 0u);
  // An empty packet: payload length 0 with No Next Header is just 40 bytes.
  const Decoded empty =
      decode(LinkType::Ethernet, cat({eth(kEthIpv6, ipv6({.next = 59})), Bytes(6, 0)}));
  ASSERT_EQ(empty.status, DecodeStatus::Ok);
  EXPECT_EQ(empty.v.ipLen, 40u);
}

TEST(DecodeIpv6, EspEndsChain) {
  const Bytes esp = cat({Bytes{0, 0, 0x10, 0x01, 0, 0, 0, 1}, pattern(24)});
  const Decoded d = decode(LinkType::Ipv6, ipv6({.next = 0, .payload = v6ext(50, 0, esp)}));
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.v.proto, 50);
  EXPECT_FALSE(d.v.hasPorts);
  EXPECT_EQ(d.v.sport, 0);
  EXPECT_EQ(d.payloadOffset(), 48);
  EXPECT_EQ(d.v.payloadLen, 32u);
}

TEST(DecodeIpv6, JumboUsesWireLength) {
  // Hop-by-hop with a jumbo payload option (0xc2), IPv6 payload length 0.
  Bytes hbh{kProtoTcp, 0, 0xc2, 4};
  put32(hbh, 8 + 70000);
  const Bytes f = eth(
      kEthIpv6,
      ipv6({.next = 0, .payload = cat({hbh, tcp({.payload = pattern(200)})}), .payloadLength = 0}));
  const uint32_t wire = 14 + 40 + 8 + 70000;  // a 70000-byte TCP segment, 220 bytes captured
  const Decoded d = decode(LinkType::Ethernet, f, -1, int(wire));
  ASSERT_EQ(d.status, DecodeStatus::Ok) << decodeStatusName(d.status);
  EXPECT_EQ(d.v.ipLen, wire - 14);
  EXPECT_EQ(d.v.proto, kProtoTcp);
  EXPECT_EQ(d.v.payloadWireLen, 70000u - 20u);
  EXPECT_EQ(d.v.payloadLen, 200u);
}

// ---- tunnels ------------------------------------------------------------------------------

TEST(DecodeTunnel, FourInFour) {
  const Bytes inner = ipv4({.proto = kProtoUdp,
                            .payload = udp(53, 5353, pattern(4)),
                            .src = kV4C,
                            .dst = kV4D,
                            .id = 0x4444,
                            .mf = true});
  const Bytes f = eth(kEthIpv4, ipv4({.proto = kProtoIpIp, .payload = inner}));
  const Decoded d = decode(LinkType::Ethernet, f);
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.v.tunnelDepth, 1);
  EXPECT_EQ(d.v.ipVersion, 4);
  EXPECT_EQ(d.v.src, addr(kV4C));
  EXPECT_EQ(d.v.dst, addr(kV4D));
  EXPECT_EQ(d.v.ipLen, 32u);
  EXPECT_EQ(d.v.proto, kProtoUdp);
  EXPECT_EQ(d.v.sport, 53);
  EXPECT_EQ(d.v.dport, 5353);
  // Fragment facts are the inner packet's.
  EXPECT_TRUE(d.v.isFragment);
  EXPECT_EQ(d.v.fragId, 0x4444u);
  EXPECT_EQ(d.payloadOffset(), 14 + 20 + 20 + 8);
}

TEST(DecodeTunnel, SixInFour) {
  const Bytes f = ipv4({.proto = kProtoIpv6, .payload = v6Tcp()});
  const Decoded d = decode(LinkType::Raw, f);
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.v.tunnelDepth, 1);
  EXPECT_EQ(d.v.ipVersion, 6);
  EXPECT_EQ(d.v.src, addr(kV6A));
  EXPECT_EQ(d.v.dst, addr(kV6B));
  EXPECT_EQ(d.v.ipLen, 65u);
  EXPECT_EQ(d.v.proto, kProtoTcp);
  EXPECT_EQ(d.v.sport, 40000);
  EXPECT_EQ(d.v.dport, 443);
  EXPECT_EQ(d.payloadOffset(), 20 + 60);
  EXPECT_EQ(d.v.payloadLen, 5u);
}

TEST(DecodeTunnel, FourInSixAndSixInSix) {
  {
    const Decoded d = decode(
        LinkType::Ipv6, ipv6({.next = kProtoIpIp, .payload = v4Tcp(), .src = kV6C, .dst = kV6D}));
    ASSERT_EQ(d.status, DecodeStatus::Ok);
    EXPECT_EQ(d.v.tunnelDepth, 1);
    EXPECT_EQ(d.v.src, addr(kV4A));
    EXPECT_EQ(d.v.ipLen, 45u);
    EXPECT_EQ(d.v.sport, 40000);
  }
  {
    const Bytes inner =
        ipv6({.next = kProtoTcp, .payload = tcpSegment(), .src = kV6C, .dst = kV6D});
    const Decoded d =
        decode(LinkType::Ipv6, ipv6({.next = 0, .payload = v6ext(kProtoIpv6, 0, inner)}));
    ASSERT_EQ(d.status, DecodeStatus::Ok);
    EXPECT_EQ(d.v.tunnelDepth, 1);
    EXPECT_EQ(d.v.ipVersion, 6);
    EXPECT_EQ(d.v.src, addr(kV6C));
    EXPECT_EQ(d.v.dst, addr(kV6D));
    EXPECT_EQ(d.v.ipLen, 65u);
    EXPECT_EQ(d.payloadOffset(), 40 + 8 + 40 + 20);
  }
}

TEST(DecodeTunnel, GreCarryingIpv4) {
  const Bytes inner = ipv4(
      {.proto = kProtoIcmp, .payload = icmp(8, 0, 0x77, 1, pattern(8)), .src = kV4C, .dst = kV4D});
  const Bytes f = eth(kEthIpv4, ipv4({.proto = kProtoGre, .payload = gre(0, kEthIpv4, inner)}));
  const Decoded d = decode(LinkType::Ethernet, f);
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.v.tunnelDepth, 1);
  EXPECT_EQ(d.v.src, addr(kV4C));
  EXPECT_EQ(d.v.proto, kProtoIcmp);
  EXPECT_EQ(d.v.sport, 0x77);
  EXPECT_EQ(d.v.ipLen, 36u);
  EXPECT_EQ(d.payloadOffset(), 14 + 20 + 4 + 20 + 8);
}

TEST(DecodeTunnel, GreWithOptionalFieldsCarryingIpv6) {
  const Bytes f = ipv6(
      {.next = kProtoGre, .payload = gre(0xb000, kEthIpv6, v6Tcp()), .src = kV6C, .dst = kV6D});
  const Decoded d = decode(LinkType::Ipv6, f);
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.v.tunnelDepth, 1);
  EXPECT_EQ(d.v.src, addr(kV6A));
  EXPECT_EQ(d.v.dst, addr(kV6B));
  EXPECT_EQ(d.v.sport, 40000);
  EXPECT_EQ(d.payloadOffset(), 40 + 16 + 60);
}

TEST(DecodeTunnel, OtherGrePayloadsStayTheFlow) {
  struct Case {
    const char* name;
    uint16_t flags;
    uint16_t proto;
  };
  const Case cases[] = {
      {"transparent ethernet bridging", 0, 0x6558},
      {"pptp (version 1)", 0x3001, 0x880b},
      {"routing present", 0x4000, kEthIpv4},
      {"version 2", 0x0002, kEthIpv4},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Bytes g = gre(c.flags, c.proto, v4Tcp());
    const Decoded d = decode(LinkType::Ipv4, ipv4({.proto = kProtoGre, .payload = g}));
    ASSERT_EQ(d.status, DecodeStatus::Ok);
    EXPECT_EQ(d.v.tunnelDepth, 0);
    EXPECT_EQ(d.v.proto, kProtoGre);
    EXPECT_EQ(d.v.src, addr(kV4A));
    EXPECT_FALSE(d.v.hasPorts);
    EXPECT_EQ(d.v.sport, 0);
    EXPECT_EQ(d.payloadOffset(), 20);
    EXPECT_EQ(d.v.payloadLen, uint32_t(g.size()));
  }
}

TEST(DecodeTunnel, FourLevelsArePeeled) {
  Bytes p = ipv4({.proto = kProtoUdp, .payload = udp(7, 8), .src = kV4C, .dst = kV4D});
  p = ipv6({.next = kProtoIpIp, .payload = p});
  p = ipv4({.proto = kProtoGre, .payload = gre(0, kEthIpv6, p)});
  p = ipv6({.next = kProtoIpIp, .payload = p});
  p = ipv4({.proto = kProtoIpv6, .payload = p});
  const Decoded d = decode(LinkType::Raw, p);
  ASSERT_EQ(d.status, DecodeStatus::Ok) << decodeStatusName(d.status);
  EXPECT_EQ(d.v.tunnelDepth, 4);
  EXPECT_EQ(d.v.src, addr(kV4C));
  EXPECT_EQ(d.v.ipLen, 28u);
  EXPECT_EQ(d.v.sport, 7);
}

TEST(DecodeTunnel, FragmentedOuterIsNotPeeled) {
  const Bytes f = ipv4({.proto = kProtoIpIp, .payload = v4Tcp(), .id = 0x9999, .mf = true});
  const Decoded d = decode(LinkType::Raw, f);
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.v.tunnelDepth, 0);
  EXPECT_EQ(d.v.proto, kProtoIpIp);
  EXPECT_EQ(d.v.src, addr(kV4A));
  EXPECT_TRUE(d.v.isFragment);
  EXPECT_EQ(d.v.fragId, 0x9999u);
  EXPECT_FALSE(d.v.hasPorts);
  EXPECT_EQ(d.v.payloadLen, 45u);

  const Bytes g =
      ipv6({.next = 44, .payload = v6frag(kProtoGre, 0, true, 3, gre(0, kEthIpv4, v4Tcp()))});
  const Decoded d6 = decode(LinkType::Raw, g);
  ASSERT_EQ(d6.status, DecodeStatus::Ok);
  EXPECT_EQ(d6.v.tunnelDepth, 0);
  EXPECT_EQ(d6.v.proto, kProtoGre);
}

// ---- transport ----------------------------------------------------------------------------

TEST(DecodeTransport, TcpOptionsAndFlags) {
  const Bytes mssSackTs{2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0};
  const Bytes f = ipv4({.payload = tcp({.sport = 51000,
                                        .dport = 22,
                                        .flags = kTcpSyn | kTcpAck,
                                        .seq = 0xfffffff0,
                                        .ack = 42,
                                        .options = mssSackTs,
                                        .payload = pattern(9)})});
  const Decoded d = decode(LinkType::Ipv4, f);
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.v.sport, 51000);
  EXPECT_EQ(d.v.dport, 22);
  EXPECT_EQ(d.v.tcpFlags, kTcpSyn | kTcpAck);
  EXPECT_EQ(d.v.tcpSeq, 0xfffffff0u);
  EXPECT_EQ(d.v.tcpAck, 42u);
  EXPECT_EQ(d.payloadOffset(), 20 + 36);
  EXPECT_EQ(d.payloadBytes(), pattern(9));
  EXPECT_EQ(d.v.payloadWireLen, 9u);
}

TEST(DecodeTransport, TcpFlagsKeepLowEightBits) {
  Bytes seg = tcp({.flags = kTcpFin | kTcpRst | 0xc0});
  seg[12] |= 0x01;  // the NS/AE bit lives in the data offset byte and is not a flag here
  const Decoded d = decode(LinkType::Ipv4, ipv4({.payload = seg}));
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.v.tcpFlags, kTcpFin | kTcpRst | 0xc0);
}

TEST(DecodeTransport, Udp) {
  const Decoded d =
      decode(LinkType::Ipv6, ipv6({.next = kProtoUdp, .payload = udp(443, 60000, pattern(30))}));
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.v.proto, kProtoUdp);
  EXPECT_TRUE(d.v.hasPorts);
  EXPECT_EQ(d.v.sport, 443);
  EXPECT_EQ(d.v.dport, 60000);
  EXPECT_EQ(d.v.tcpFlags, 0);
  EXPECT_EQ(d.payloadOffset(), 48);
  EXPECT_EQ(d.payloadBytes(), pattern(30));
  EXPECT_EQ(d.v.payloadWireLen, 30u);
}

TEST(DecodeTransport, IcmpEchoUsesIdentifierBothWays) {
  for (const uint8_t type : {uint8_t(8), uint8_t(0)}) {
    SCOPED_TRACE(int(type));
    const Decoded d =
        decode(LinkType::Ipv4,
               ipv4({.proto = kProtoIcmp, .payload = icmp(type, 0, 0x1f2e, 3, pattern(56))}));
    ASSERT_EQ(d.status, DecodeStatus::Ok);
    EXPECT_EQ(d.v.proto, kProtoIcmp);
    EXPECT_TRUE(d.v.hasPorts);
    EXPECT_EQ(d.v.icmpType, type);
    EXPECT_EQ(d.v.icmpCode, 0);
    EXPECT_EQ(d.v.sport, 0x1f2e);
    EXPECT_EQ(d.v.dport, 0x1f2e);
    EXPECT_EQ(d.payloadOffset(), 28);
    EXPECT_EQ(d.v.payloadLen, 56u);
    EXPECT_EQ(d.v.payloadWireLen, 56u);
  }
}

TEST(DecodeTransport, IcmpOtherTypesUseTypeAndCode) {
  // Destination unreachable, host unreachable, quoting the offending datagram.
  const Bytes quoted = ipv4({.proto = kProtoUdp, .payload = udp(1, 2)});
  const Decoded d =
      decode(LinkType::Ipv4, ipv4({.proto = kProtoIcmp, .payload = icmp(3, 1, 0, 0, quoted)}));
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.v.icmpType, 3);
  EXPECT_EQ(d.v.icmpCode, 1);
  EXPECT_EQ(d.v.sport, 3);
  EXPECT_EQ(d.v.dport, 1);
  EXPECT_TRUE(d.v.hasPorts);
  EXPECT_EQ(d.v.tunnelDepth, 0);  // the quoted datagram is payload, not a tunnel
  EXPECT_EQ(d.payloadOffset(), 28);
  EXPECT_EQ(d.v.payloadLen, 28u);

  // Four bytes suffice for a non-echo type.
  const Decoded shortMsg =
      decode(LinkType::Ipv4, ipv4({.proto = kProtoIcmp, .payload = Bytes{11, 0, 0, 0}}));
  ASSERT_EQ(shortMsg.status, DecodeStatus::Ok);
  EXPECT_EQ(shortMsg.v.sport, 11);
  EXPECT_EQ(shortMsg.v.payloadLen, 0u);
  EXPECT_EQ(shortMsg.v.payloadWireLen, 0u);
}

TEST(DecodeTransport, Icmpv6EchoAndOthers) {
  for (const uint8_t type : {uint8_t(128), uint8_t(129)}) {
    const Decoded d =
        decode(LinkType::Ipv6, ipv6({.next = kProtoIcmpv6, .payload = icmp(type, 0, 0xabcd, 9)}));
    ASSERT_EQ(d.status, DecodeStatus::Ok);
    EXPECT_EQ(d.v.proto, kProtoIcmpv6);
    EXPECT_EQ(d.v.icmpType, type);
    EXPECT_EQ(d.v.sport, 0xabcd);
    EXPECT_EQ(d.v.dport, 0xabcd);
  }
  // Neighbor solicitation; and type 8, which is an echo request only in ICMPv4.
  for (const uint8_t type : {uint8_t(135), uint8_t(8)}) {
    const Decoded d =
        decode(LinkType::Ipv6, ipv6({.next = kProtoIcmpv6, .payload = icmp(type, 0, 0xabcd, 9)}));
    ASSERT_EQ(d.status, DecodeStatus::Ok);
    EXPECT_EQ(d.v.sport, type);
    EXPECT_EQ(d.v.dport, 0);
  }
  // And ICMPv6 echo numbers mean nothing in ICMPv4.
  const Decoded v4 =
      decode(LinkType::Ipv4, ipv4({.proto = kProtoIcmp, .payload = icmp(128, 0, 0xabcd, 9)}));
  ASSERT_EQ(v4.status, DecodeStatus::Ok);
  EXPECT_EQ(v4.v.sport, 128);
}

TEST(DecodeTransport, OtherProtocolsHaveNoPorts) {
  for (const uint8_t proto : {uint8_t(132), uint8_t(89), uint8_t(50), uint8_t(2)}) {
    SCOPED_TRACE(int(proto));
    const Decoded d = decode(LinkType::Ipv4, ipv4({.proto = proto, .payload = pattern(12)}));
    ASSERT_EQ(d.status, DecodeStatus::Ok);
    EXPECT_EQ(d.v.proto, proto);
    EXPECT_FALSE(d.v.hasPorts);
    EXPECT_EQ(d.v.sport, 0);
    EXPECT_EQ(d.v.dport, 0);
    EXPECT_EQ(d.payloadOffset(), 20);
    EXPECT_EQ(d.payloadBytes(), pattern(12));
    EXPECT_EQ(d.v.payloadWireLen, 12u);
  }
}

// ---- lengths and reuse --------------------------------------------------------------------

TEST(DecodeLengths, SnaplenKeepsHeaderLengths) {
  const Bytes f =
      eth(kEthIpv6, ipv6({.next = kProtoTcp, .payload = tcp({.payload = pattern(1000)})}));
  const Decoded d = decode(LinkType::Ethernet, f, 96);
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.v.wireLen, 1074u);
  EXPECT_EQ(d.v.capLen, 96u);
  EXPECT_EQ(d.v.ipLen, 1060u);
  EXPECT_EQ(d.v.payloadWireLen, 1000u);
  EXPECT_EQ(d.v.payloadLen, 96u - 74u);
  EXPECT_EQ(d.payloadBytes(), pattern(22));
}

TEST(DecodeLengths, HeaderOnlyCapture) {
  const Bytes f = eth(kEthIpv4, ipv4({.proto = kProtoUdp, .payload = udp(1, 2, pattern(500))}));
  const Decoded d = decode(LinkType::Ethernet, f, 42);
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.v.ipLen, 528u);
  EXPECT_EQ(d.v.payloadLen, 0u);
  EXPECT_EQ(d.v.payloadWireLen, 500u);
  EXPECT_EQ(d.payloadOffset(), 42);
}

TEST(DecodeLengths, WireShorterThanCaptureIsTolerated) {
  const Bytes f = eth(kEthIpv4, ipv4({.proto = kProtoTcp, .payload = tcp({}), .totalLength = 0}));
  const Decoded d = decode(LinkType::Ethernet, f, -1, 10);
  ASSERT_EQ(d.status, DecodeStatus::Ok);
  EXPECT_EQ(d.v.wireLen, 10u);
  EXPECT_EQ(d.v.ipLen, 40u);  // the captured bytes stand in for the wire
}

TEST(DecodeLengths, NothingLeaksBetweenPackets) {
  const Bytes rich =
      eth(kEthIpv4,
          ipv4({.proto = kProtoIpIp,
                .payload =
                    ipv4({.payload = tcp({.flags = kTcpSyn, .payload = pattern(4)}), .mf = true})}),
          {{kTpid8021Q, 12}});
  const Bytes plain = ipv6({.next = 103, .payload = pattern(4)});  // PIM
  PacketView v;
  v.ts = 77;
  ASSERT_EQ(decodePacket(LinkType::Ethernet, rich.data(), uint32_t(rich.size()),
                         uint32_t(rich.size()), v),
            DecodeStatus::Ok);
  ASSERT_EQ(v.tunnelDepth, 1);
  ASSERT_TRUE(v.isFragment);
  ASSERT_EQ(
      decodePacket(LinkType::Ipv6, plain.data(), uint32_t(plain.size()), uint32_t(plain.size()), v),
      DecodeStatus::Ok);
  EXPECT_EQ(v.ts, 77);
  EXPECT_EQ(v.proto, 103);
  EXPECT_EQ(v.tunnelDepth, 0);
  EXPECT_EQ(v.vlanCount, 0);
  EXPECT_EQ(v.vlanId, 0);
  expectNotFragment(v);
  EXPECT_FALSE(v.hasPorts);
  EXPECT_EQ(v.sport, 0);
  EXPECT_EQ(v.dport, 0);
  EXPECT_EQ(v.tcpFlags, 0);
  EXPECT_EQ(v.tcpSeq, 0u);
  EXPECT_EQ(v.tcpAck, 0u);
  EXPECT_EQ(v.icmpType, 0);
}

}  // namespace
}  // namespace egressmon::test
