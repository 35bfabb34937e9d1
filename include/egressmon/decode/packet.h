#pragma once
// Decoding turns one captured frame into a PacketView: the flow-level facts of its innermost
// IP packet, parsed in place (pointers into the caller's buffer), with no allocation.
// decode knows nothing of libpcap: the capture module maps DLT values to LinkType.
#include <cstdint>

#include "egressmon/core/ip_address.h"
#include "egressmon/core/time.h"

namespace egressmon {

/// Link-layer framings the decoder understands.
enum class LinkType : uint8_t {
  Ethernet,   // DLT_EN10MB
  LinuxSll,   // DLT_LINUX_SLL (cooked v1)
  LinuxSll2,  // DLT_LINUX_SLL2 (cooked v2)
  Raw,        // DLT_RAW: IPv4 or IPv6, told apart by the version nibble
  Ipv4,       // DLT_IPV4
  Ipv6,       // DLT_IPV6
  Null,       // DLT_NULL: 4-byte address family in host byte order of the capturing machine
  Loop,       // DLT_LOOP: 4-byte address family in network byte order
};

/// Why a frame was not decoded into a flow packet. Each value is a named counter; names are
/// stable (they appear in `analyze --json` statistics). Ok is the only success.
enum class DecodeStatus : uint8_t {
  Ok,
  NotIp,                 // a valid frame that carries no IP (ARP, LLDP, STP, ...)
  TruncatedLink,         // shorter than its link-layer header
  TruncatedVlan,         // 802.1Q/802.1ad tag cut short
  TooManyVlanTags,       // more tags than we follow
  TruncatedIpv4,         // shorter than the IPv4 header
  BadIpv4Version,        // version nibble is not 4 where IPv4 was announced
  BadIpv4HeaderLength,   // IHL below 5 or beyond the captured bytes
  BadIpv4TotalLength,    // total length below the header length
  TruncatedIpv6,         // shorter than the 40-byte IPv6 header
  BadIpv6Version,        // version nibble is not 6 where IPv6 was announced
  TruncatedIpv6Ext,      // an extension header runs past the captured bytes
  TooManyIpv6Ext,        // extension-header chain longer than we follow
  TruncatedTcp,          // shorter than 20 bytes, or than its data offset
  BadTcpDataOffset,      // data offset below 5
  TruncatedUdp,          // shorter than the 8-byte UDP header
  TruncatedIcmp,         // shorter than the ICMP header we need
  TunnelTooDeep,         // IP-in-IP nested beyond the limit
  UnknownIpVersion,      // DLT_RAW/NULL/LOOP payload that is neither IPv4 nor IPv6
  TruncatedGre,          // GRE cut before its protocol type, or before the options of a tunnel
  kCount
};

/// Stable snake_case name of a status (e.g. "truncated_ipv6_ext").
const char* decodeStatusName(DecodeStatus s);

inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoIpIp = 4;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIpv6 = 41;
inline constexpr uint8_t kProtoGre = 47;
inline constexpr uint8_t kProtoIcmpv6 = 58;

// TCP flag bits as on the wire.
inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpPsh = 0x08;
inline constexpr uint8_t kTcpAck = 0x10;

/// The decoded facts of one packet. Filled by decodePacket(); the pointers alias its input.
struct PacketView {
  TimeUs ts = 0;
  uint32_t wireLen = 0;      // frame length on the wire (pcap len)
  uint32_t capLen = 0;       // captured length (pcap caplen)

  // Innermost IP packet (the flow's packet when tunnels are present).
  IpAddress src;
  IpAddress dst;
  uint32_t ipLen = 0;        // the IP packet's length on the wire, from its header
  uint8_t ipVersion = 0;     // 4 or 6
  uint8_t proto = 0;         // transport protocol after IPv6 extension headers
  uint8_t tunnelDepth = 0;   // number of IP-in-IP encapsulations peeled
  uint8_t vlanCount = 0;     // 802.1Q/802.1ad tags seen
  uint16_t vlanId = 0;       // outermost VLAN id, 0 if none

  // Fragmentation. isFragment is set for every fragment; only the first (fragOffset == 0)
  // carries transport ports (hasPorts). fragId is the IPv4 ID or the IPv6 fragment ID.
  bool isFragment = false;
  bool moreFragments = false;
  bool hasPorts = false;     // sport/dport are valid (TCP, UDP, ICMP first fragment)
  uint16_t fragOffset = 0;   // in 8-byte units
  uint32_t fragId = 0;

  // Transport. For ICMP/ICMPv6 echo request/reply both ports hold the identifier, so the
  // two directions meet in one flow; for other ICMP types sport = type and dport = code.
  uint16_t sport = 0;
  uint16_t dport = 0;
  uint8_t tcpFlags = 0;
  uint8_t icmpType = 0;
  uint8_t icmpCode = 0;
  uint32_t tcpSeq = 0;
  uint32_t tcpAck = 0;

  // Transport payload as captured (may be shorter than on the wire).
  const uint8_t* payload = nullptr;
  uint32_t payloadLen = 0;      // captured payload bytes available at `payload`
  uint32_t payloadWireLen = 0;  // payload length per the IP/transport headers
};

/// Decodes one frame. Never throws, never allocates, never reads beyond data[capLen).
/// On any status but Ok the contents of `out` beyond ts/wireLen/capLen are unspecified.
DecodeStatus decodePacket(LinkType link, const uint8_t* data, uint32_t capLen, uint32_t wireLen,
                          PacketView& out);

}  // namespace egressmon
