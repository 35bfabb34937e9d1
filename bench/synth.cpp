// Synthetic traffic for the benchmarks; see synth.h.
#include "synth.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "synth_names.h"

namespace egressmon::bench {

namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t mix64(uint64_t v) { return splitmix64(v); }

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void put16(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void put32(uint8_t* p, uint32_t v) {
  put16(p, v >> 16);
  put16(p + 2, v & 0xffffU);
}
void putMac(uint8_t* p, uint64_t mac) {
  for (int i = 0; i < 6; ++i) p[i] = static_cast<uint8_t>(mac >> (8 * (5 - i)));
}

uint16_t ipv4Checksum(const uint8_t* h) {
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += static_cast<uint32_t>(h[i] << 8 | h[i + 1]);
  while (sum >> 16) sum = (sum & 0xffffU) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// Fills `n` captured payload bytes; `total` is the payload's wire length.
void writePayload(const FrameSpec& f, uint8_t* p, uint32_t n, uint32_t total) {
  if (f.data != nullptr) {
    std::memcpy(p, f.data, std::min(n, f.payloadLen));
    return;
  }
  uint64_t x = f.payloadSeed;
  for (uint32_t i = 0; i < n; i += 8) {
    uint64_t r = splitmix64(x);
    for (uint32_t j = 0; j < 8 && i + j < n; ++j) p[i + j] = static_cast<uint8_t>(r >> (8 * j));
  }
  // The recognisable first bytes, as far as they were captured.
  std::array<uint8_t, 8> head{};
  uint32_t headLen = 0;
  switch (f.payload) {
    case PayloadKind::Opaque:
      break;
    case PayloadKind::TlsAppData:
      if (total > 5) {
        uint32_t rec = std::min<uint32_t>(total - 5, 16384 + 256);
        head = {0x17, 0x03, 0x03, static_cast<uint8_t>(rec >> 8), static_cast<uint8_t>(rec), 0, 0, 0};
        headLen = 5;
      }
      break;
    case PayloadKind::QuicShort:
      // Header form 0, fixed bit 1: a 1-RTT packet, which carries no names.
      head[0] = static_cast<uint8_t>(0x40 | (p[0] & 0x1f));
      headLen = n > 0 ? 1 : 0;
      break;
    case PayloadKind::Ntp:
      head[0] = f.sport == 123 ? 0x24 : 0x23;  // LI 0, version 4, mode server / client
      head[1] = f.sport == 123 ? 2 : 0;        // stratum
      head[2] = 6;                             // poll
      head[3] = 0xe9;                          // precision
      headLen = 4;
      break;
    case PayloadKind::WireGuard:
      head = {4, 0, 0, 0, 0, 0, 0, 0};  // message type 4: transport data
      headLen = 4;
      break;
    case PayloadKind::IcmpEcho:
      // Linux ping: 8-byte timestamp (left random), then 0x10, 0x11, ...
      for (uint32_t i = 8; i < n; ++i) p[i] = static_cast<uint8_t>(0x10 + i - 8);
      break;
  }
  std::memcpy(p, head.data(), std::min(headLen, n));
}

// Public prefixes the remote ends are drawn from, most popular first. Every one was checked to
// resolve in ip-location-db geo-whois-asn-country (2.3.2026061719); the comments give the
// country it answered for <prefix>.1.1 / <prefix>:1::1 (parts of some /16s answer others).
struct Prefix4 {
  uint8_t a, b;
};
constexpr Prefix4 kRemote4[] = {
    {8, 8}, {142, 250}, {172, 217}, {216, 58}, {74, 125}, {173, 194},  // US US US US US US
    {64, 233}, {13, 107}, {20, 42}, {40, 76}, {52, 0}, {54, 239},  // US US AU US US US
    {104, 16}, {151, 101}, {157, 240}, {17, 0}, {99, 84}, {199, 232},  // US US US US US US
    {69, 171}, {204, 79}, {162, 125}, {140, 82}, {23, 0}, {34, 120},  // US US US US US US
    {35, 190}, {52, 84}, {3, 120}, {18, 64}, {44, 192}, {13, 52},  // US US DE US US US
    {79, 200}, {84, 150}, {87, 160}, {91, 40}, {93, 200}, {188, 96},  // DE DE DE DE DE DE
    {88, 198}, {136, 243}, {5, 9}, {144, 76}, {212, 227}, {217, 160},  // DE DE DE DE DE DE
    {78, 46}, {90, 10}, {86, 200}, {2, 1}, {82, 64}, {88, 170},  // DE FR FR US FR FR
    {51, 68}, {51, 75}, {137, 74}, {213, 186}, {78, 192}, {81, 130},  // FR FR FR UA FR GB
    {86, 140}, {109, 144}, {2, 100}, {82, 1}, {86, 1}, {212, 58},  // GB GB GB GB GB TR
    {31, 13}, {145, 100}, {84, 26}, {83, 160}, {77, 160}, {79, 20},  // IE NL NL CL NL IT
    {151, 20}, {87, 5}, {93, 32}, {80, 30}, {83, 40}, {88, 10},  // IT IT IT ES ES ES
    {78, 70}, {213, 80}, {83, 10}, {89, 64}, {95, 24}, {87, 250},  // SE SE PL PL RU RU
    {77, 88}, {213, 180}, {94, 100}, {5, 3}, {176, 36}, {93, 72},  // UA SE DE RU UA US
    {46, 211}, {78, 170}, {85, 100}, {88, 230}, {153, 150}, {126, 10},  // UA TR TR TR JP JP
    {133, 11}, {60, 40}, {219, 96}, {210, 128}, {121, 130}, {222, 100},  // JP JP JP JP KR KR
    {175, 200}, {1, 230}, {114, 80}, {116, 224}, {220, 181}, {202, 108},  // KR KR CN CN CN CN
    {123, 125}, {183, 232}, {111, 13}, {36, 152}, {119, 147}, {58, 250},  // CN CN CN CN CN CN
    {112, 118}, {203, 198}, {1, 160}, {36, 224}, {114, 34}, {118, 160},  // HK HK TW TW TW TW
    {220, 130}, {116, 86}, {203, 116}, {117, 200}, {59, 90}, {122, 160},  // TW SG SG IN IN IN
    {182, 68}, {49, 36}, {157, 40}, {1, 130}, {101, 170}, {110, 140},  // IN IN IN AU AU AU
    {49, 176}, {60, 240}, {122, 56}, {203, 109}, {49, 224}, {177, 100},  // AU AU NZ NZ NZ BR
    {179, 100}, {189, 100}, {200, 150}, {201, 10}, {186, 192}, {187, 10},  // BR BR BR BR BR BR
    {190, 210}, {181, 10}, {187, 140}, {189, 140}, {190, 160}, {200, 27},  // AR AR MX MX CL CL
    {181, 48}, {190, 24}, {105, 224}, {41, 0}, {196, 25}, {102, 88},  // CO CO ZA ZA ZA NG
    {105, 112}, {197, 32}, {41, 32}, {156, 160}, {105, 160}, {41, 90},  // NG EG EG EG KE KE
    {142, 112}, {70, 24}, {99, 230}, {24, 114}, {154, 20}, {79, 180},  // CA CA CA CA MU IL
    {84, 228}, {188, 50}, {2, 88}, {86, 98}, {94, 200}, {5, 120},  // IL SA SA AE AE IR
    {2, 180}, {36, 70}, {180, 246}, {171, 100}, {182, 232}, {113, 170},  // IR ID ID TH TH VN
    {14, 170}, {171, 230}, {49, 145}, {112, 198}, {175, 140}, {60, 48},  // VN VN PH PH MY MY
    {39, 40}, {182, 180}, {85, 1}, {178, 195}, {77, 117}, {81, 240},  // PK PK CH CH AT BE
    {91, 180}, {87, 50}, {84, 210}, {77, 18}, {87, 93}, {88, 115},  // BE DK NO NO FI FI
    {90, 180}, {89, 24}, {84, 1}, {86, 121}, {79, 115}, {94, 65},  // CZ CZ HU RO RO GR
    {85, 242}, {2, 82}, {86, 41},  // PT PT IE
};

struct Prefix6 {
  uint16_t a, b;
};
constexpr Prefix6 kRemote6[] = {
    {0x2001, 0x4860}, {0x2a00, 0x1450}, {0x2404, 0x6800}, {0x2a03, 0x2880},  // US IE AU IE
    {0x2606, 0x4700}, {0x2600, 0x1400}, {0x2600, 0x1f18}, {0x2603, 0x1030},  // US US US US
    {0x2a01, 0xb740}, {0x2a00, 0x86c0}, {0x2a02, 0xec80}, {0x2003, 0xc0},  // IE MX NL DE
    {0x2601, 0x600}, {0x2600, 0x1700}, {0x2600, 0x1001}, {0x2603, 0x6010},  // US US US US
    {0x2607, 0xfb90}, {0x2a01, 0xcb00}, {0x2a01, 0xe0a}, {0x2a00, 0x23c4},  // US FR FR GB
    {0x2a02, 0xc7c}, {0x2a02, 0x8108}, {0x2400, 0x4050}, {0x2001, 0x268},  // GB DE JP AU
    {0x2001, 0x240}, {0x2400, 0x2410}, {0x2001, 0xe60}, {0x240e, 0x100},  // JP JP AU CN
    {0x2409, 0x8000}, {0x2408, 0x8000}, {0x2405, 0x200}, {0x2401, 0x4900},  // CN CN IN IN
    {0x2804, 0x14c}, {0x2001, 0x8003}, {0x2001, 0x470}, {0x2001, 0x41d0},  // BR AU US FR
    {0x2a01, 0x4f8}, {0x2a01, 0x4f9}, {0x2600, 0x3c00}, {0x2604, 0xa880},  // DE DE US US
    {0x2a02, 0x6b8}, {0x2001, 0x2002}, {0x2a02, 0x1205}, {0x2001, 0x1c00},  // RU SE CH NL
    {0x2001, 0x980}, {0x2001, 0xb07}, {0x2a02, 0xa440}, {0x2a01, 0x110},  // NL IT NL GB
    {0x2800, 0x810}, {0x2803, 0x9800}, {0x2001, 0x4200}, {0x2402, 0x800},  // AR AR ZA VN
    {0x2405, 0x4800}, {0x2001, 0xee0}, {0x2402, 0x3a80}, {0x2001, 0x44b8},  // VN AU IN AU
    {0x2404, 0xe800}, {0x2a02, 0x2f0c}, {0x2a0a, 0xa540}, {0x2001, 0x1600},  // SG RO DE CH
    {0x2a02, 0x810}, {0x2001, 0x1388}, {0x2402, 0x4000}, {0x2403, 0x6200},  // NL PE LK TH
    {0x2001, 0x43f8}, {0x2c0f, 0x4000}, {0x2804, 0x7f0}, {0x2a00, 0x1028},  // TZ ZA BR CZ
    {0x2001, 0x16b8},  // DE
};

constexpr uint32_t kLocalHosts = 16384;  // clients in 10.0.0.0/8 and fd65:676d:6f6e::/48
constexpr uint32_t kLocalServers = 256;  // servers for inbound and local-local flows
constexpr uint32_t kHostsPerPrefix = 4096;
constexpr uint64_t kGatewayMac = 0x00005e000101ULL;
constexpr uint32_t kEphemeralPorts = 28232;  // Linux 32768-60999

// Zipf-like popularity: weight of rank i is 2^20 / (i + 8).
template <size_t N>
std::array<uint32_t, N> cumulativeWeights() {
  std::array<uint32_t, N> c{};
  uint32_t sum = 0;
  for (size_t i = 0; i < N; ++i) c[i] = sum += static_cast<uint32_t>((1U << 20) / (i + 8));
  return c;
}
const auto kCum4 = cumulativeWeights<std::size(kRemote4)>();
const auto kCum6 = cumulativeWeights<std::size(kRemote6)>();

template <size_t N>
uint32_t pickRank(Rng& rng, const std::array<uint32_t, N>& cum) {
  uint32_t r = rng.below(cum.back());
  return static_cast<uint32_t>(std::upper_bound(cum.begin(), cum.end(), r) - cum.begin());
}

}  // namespace

Rng::Rng(uint64_t seed) {
  uint64_t x = seed;
  for (auto& s : s_) s = splitmix64(x);
}

uint64_t Rng::next() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

FrameLen buildFrame(const FrameSpec& f, uint8_t* out, uint32_t snaplen) {
  std::array<uint8_t, 128> h{};
  const uint32_t ipHdr = f.v6 ? 40 : 20;
  uint32_t l4Hdr = 8;  // UDP, ICMP echo
  if (f.proto == 6) l4Hdr = f.tcpSynOptions ? 40 : 32;
  const uint32_t ipLen = ipHdr + l4Hdr + f.payloadLen;
  const uint32_t hdrLen = 14 + ipHdr + l4Hdr;

  putMac(&h[0], f.dstMac);
  putMac(&h[6], f.srcMac);
  put16(&h[12], f.v6 ? 0x86dd : 0x0800);
  uint8_t* ip = &h[14];
  if (f.v6) {
    put32(ip, 0x60000000U | (f.flowLabel & 0xfffffU));
    put16(ip + 4, ipLen - 40);
    ip[6] = f.proto;
    ip[7] = f.ttl;
    std::memcpy(ip + 8, f.src.b, 16);
    std::memcpy(ip + 24, f.dst.b, 16);
  } else {
    ip[0] = 0x45;
    put16(ip + 2, ipLen);
    put16(ip + 4, f.ipId);
    put16(ip + 6, 0x4000);  // DF
    ip[8] = f.ttl;
    ip[9] = f.proto;
    std::memcpy(ip + 12, f.src.b, 4);
    std::memcpy(ip + 16, f.dst.b, 4);
    put16(ip + 10, ipv4Checksum(ip));
  }
  uint8_t* l4 = ip + ipHdr;
  if (f.proto == 6) {
    put16(l4, f.sport);
    put16(l4 + 2, f.dport);
    put32(l4 + 4, f.seq);
    put32(l4 + 8, f.ack);
    l4[12] = static_cast<uint8_t>((l4Hdr / 4) << 4);
    l4[13] = f.tcpFlags;
    put16(l4 + 14, f.window);
    uint8_t* o = l4 + 20;
    if (f.tcpSynOptions) {  // Linux order: MSS, SACK-permitted, timestamps, NOP, window scale
      o[0] = 2;
      o[1] = 4;
      put16(o + 2, f.v6 ? 1440 : 1460);
      o[4] = 4;
      o[5] = 2;
      o += 6;
    } else {
      o[0] = o[1] = 1;
      o += 2;
    }
    o[0] = 8;
    o[1] = 10;
    put32(o + 2, f.tsVal);
    put32(o + 6, f.tsEcr);
    if (f.tcpSynOptions) {
      o[10] = 1;
      o[11] = 3;
      o[12] = 3;
      o[13] = 7;
    }
  } else if (f.proto == 17) {
    put16(l4, f.sport);
    put16(l4 + 2, f.dport);
    put16(l4 + 4, l4Hdr + f.payloadLen);
    // IPv6 forbids a zero UDP checksum; any non-zero value will do here.
    put16(l4 + 6, f.v6 ? static_cast<uint32_t>(f.payloadSeed | 1U) & 0xffffU : 0);
  } else {
    l4[0] = f.icmpType;
    put16(l4 + 4, f.icmpId);
    put16(l4 + 6, f.icmpSeq);
  }

  FrameLen len;
  len.wire = 14 + ipLen;
  len.cap = f.whole ? len.wire : std::min(len.wire, snaplen);
  std::memcpy(out, h.data(), std::min(hdrLen, len.cap));
  if (len.cap > hdrLen) writePayload(f, out + hdrLen, len.cap - hdrLen, f.payloadLen);
  return len;
}

// ---------------------------------------------------------------------------------------------
// The traffic model.

enum class FlowKind : uint8_t { TcpOut, TcpIn, TcpLocal, Quic, Ntp, WireGuard, IcmpOut, IcmpLocal };

enum class Opening : uint8_t { None, Tls, Http, Quic };

enum class Phase : uint8_t {
  Syn, SynAck, HandshakeAck, Request, Data, DataAck, Fin1, Fin2, LastAck, Rst,  // TCP
  Exchange,  // UDP and ICMP: request from the client, response from the server, repeated
};

namespace {

struct KindShare {
  FlowKind kind;
  uint32_t perMille;
};
// Share of flows: TCP 75%, UDP 22%, ICMP 3%; 5% remote-initiated, 3.5% local-local.
constexpr KindShare kKinds[] = {
    {FlowKind::TcpOut, 670}, {FlowKind::TcpIn, 50},     {FlowKind::TcpLocal, 30},
    {FlowKind::Quic, 190},   {FlowKind::Ntp, 10},       {FlowKind::WireGuard, 20},
    {FlowKind::IcmpOut, 25}, {FlowKind::IcmpLocal, 5},
};

bool isTcp(FlowKind k) { return k == FlowKind::TcpOut || k == FlowKind::TcpIn || k == FlowKind::TcpLocal; }
bool isIcmp(FlowKind k) { return k == FlowKind::IcmpOut || k == FlowKind::IcmpLocal; }

Addr localHost(uint32_t h, bool v6) {
  Addr a;
  if (v6) {  // fd65:676d:6f6e:<h/256>::1<h%256>
    const uint8_t p[] = {0xfd, 0x65, 0x67, 0x6d, 0x6f, 0x6e};
    std::memcpy(a.b, p, sizeof p);
    put16(a.b + 6, h >> 8);
    put16(a.b + 14, 0x100 | (h & 0xff));
  } else {  // 10.x.y.z with z in 2..251
    a.b[0] = 10;
    a.b[1] = static_cast<uint8_t>((h / 250) >> 8);
    a.b[2] = static_cast<uint8_t>(h / 250);
    a.b[3] = static_cast<uint8_t>(h % 250 + 2);
  }
  return a;
}

Addr localServer(uint32_t s, bool v6) {
  Addr a;
  if (v6) {  // fd65:676d:6f6e:c800::<s+1>
    const uint8_t p[] = {0xfd, 0x65, 0x67, 0x6d, 0x6f, 0x6e, 0xc8, 0x00};
    std::memcpy(a.b, p, sizeof p);
    put16(a.b + 14, s + 1);
  } else {  // 10.200.0.<s+1>
    a.b[0] = 10;
    a.b[1] = 200;
    a.b[2] = static_cast<uint8_t>((s + 1) >> 8);
    a.b[3] = static_cast<uint8_t>(s + 1);
  }
  return a;
}

Addr remoteHost(Rng& rng, bool v6) {
  Addr a;
  // Within a prefix a few hosts are popular: index = below(below(4096) + 1).
  const uint32_t host = rng.below(rng.below(kHostsPerPrefix) + 1);
  if (v6) {
    const uint32_t rank = pickRank(rng, kCum6);
    const uint64_t m = mix64((uint64_t{rank} << 32) | host | (1ULL << 63));
    put16(a.b, kRemote6[rank].a);
    put16(a.b + 2, kRemote6[rank].b);
    put32(a.b + 4, static_cast<uint32_t>(m >> 32));
    put16(a.b + 14, static_cast<uint32_t>(m & 0xffffU) | 1U);
  } else {
    const uint32_t rank = pickRank(rng, kCum4);
    const uint64_t m = mix64((uint64_t{rank} << 32) | host);
    a.b[0] = kRemote4[rank].a;
    a.b[1] = kRemote4[rank].b;
    a.b[2] = static_cast<uint8_t>(m >> 8);
    a.b[3] = static_cast<uint8_t>(m);
    if (a.b[3] == 0 || a.b[3] == 255) a.b[3] = static_cast<uint8_t>(1 + (m >> 16) % 254);
  }
  return a;
}

}  // namespace

struct FlowState {
  Addr cli, srv;  // initiator and responder
  uint64_t cliMac = 0, srvMac = 0;
  uint32_t seqC = 0, seqS = 0;  // next sequence number of each side
  uint32_t tsC = 0, tsS = 0;    // TCP timestamp clock offsets
  uint32_t left = 0;            // TCP: data segments left in this round; else packets left
  uint32_t segsAfter = 0;       // TCP: data segments of the rounds not yet started
  uint16_t sport = 0, dport = 0;
  uint16_t ipIdC = 0, ipIdS = 0;
  uint16_t roundsAfter = 0;     // TCP: request/response rounds after this one
  uint8_t unacked = 0;
  uint8_t ttlC = 64, ttlS = 64;  // as seen at the capture point
  FlowKind kind = FlowKind::TcpOut;
  Phase phase = Phase::Syn;
  bool v6 = false;
  bool upload = false;    // TCP data flows from client to server
  bool refuse = false;    // TCP: answer the SYN with RST
  bool rstClose = false;  // TCP: end with RST instead of FIN
  bool requested = false;  // TCP: the first request was sent
  // Names (TrafficConfig::names; see planNames()).
  uint64_t nameSeed = 0;   // seeds the DNS exchange and the opening message
  uint16_t dnsPort = 0;    // the lookup's client port
  uint16_t datagram = 0;   // QUIC: UDP payload size of the Initials
  uint8_t dnsLeft = 0;     // lookup packets still to send: 2 the query, 1 the response
  uint8_t openParts = 0;   // packets of the opening message (ClientHello, request); 0: none
  uint8_t openSent = 0;    // of which sent
  Opening opening = Opening::None;
  names::Service service = names::Service::Web;
  bool pq = false;         // ClientHello with an X25519MLKEM768 key share
  bool reorder = false;    // TLS: a two-segment ClientHello's second segment goes first
};

TrafficModel::TrafficModel(const TrafficConfig& cfg)
    : cfg_(cfg), rng_(cfg.seed), namesRng_(cfg.seed ^ 0x6e616d6573ULL) {
  cfg_.packets = std::max<uint64_t>(cfg_.packets, 1);
  if (cfg_.flows == 0) cfg_.flows = std::max<uint64_t>(cfg_.packets / 20, 1);
  cfg_.flows = std::min(cfg_.flows, cfg_.packets);
  cfg_.concurrent = std::clamp<uint64_t>(cfg_.concurrent, 1, cfg_.flows);
  cfg_.ipv6PerMille = std::min<uint32_t>(cfg_.ipv6PerMille, 1000);
  cfg_.snaplen = std::max<uint32_t>(cfg_.snaplen, 1);
  cfg_.pps = std::max<uint64_t>(cfg_.pps, 1);
  active_.reserve(cfg_.concurrent);
  nextPort_.resize(kLocalHosts);
  for (uint32_t h = 0; h < kLocalHosts; ++h) nextPort_[h] = static_cast<uint16_t>(mix64(h) % kEphemeralPorts);
  cfg_.dnsPerMille = std::min<uint32_t>(cfg_.dnsPerMille, 1000);
  if (cfg_.names) scratch_.resize(names::kMaxPayload);
}

TrafficModel::~TrafficModel() = default;

TrafficStats TrafficModel::stats() const {
  TrafficStats s = stats_;
  s.flowsAliveAtEnd = active_.size();
  return s;
}

// Packets for a new flow to aim at, so that flow starts spread over the whole capture: the
// packets still to come shared among the flows still to start, then spread out (60% short,
// 30% up to twice, 10% up to four times the mean).
uint32_t TrafficModel::targetLength() {
  const uint64_t packetsLeft = cfg_.packets - stats_.packets;
  const uint64_t flowsLeft = std::max<uint64_t>(cfg_.flows - stats_.flowsStarted, 1);
  const auto t = static_cast<uint32_t>(std::clamp<uint64_t>(packetsLeft / flowsLeft, 2, 1U << 28));
  const uint32_t c = rng_.below(10);
  if (c < 6) return rng_.between(1, t);
  if (c < 9) return rng_.between(t, 2 * t);
  return rng_.between(t, 4 * t);
}

void TrafficModel::startFlow() {
  FlowState fl;
  uint32_t r = rng_.below(1000);
  for (const auto& k : kKinds) {
    fl.kind = k.kind;
    if (r < k.perMille) break;
    r -= k.perMille;
  }
  fl.v6 = rng_.below(1000) < cfg_.ipv6PerMille;
  const uint32_t target = targetLength();
  const uint32_t h = rng_.below(kLocalHosts);
  const auto ephemeral = [&] {
    const auto p = static_cast<uint16_t>(32768 + nextPort_[h]);
    nextPort_[h] = static_cast<uint16_t>((nextPort_[h] + 1) % kEphemeralPorts);
    return p;
  };
  const auto remoteTtl = [&] {
    return static_cast<uint8_t>(rng_.below(4) == 0 ? rng_.between(100, 120) : rng_.between(40, 58));
  };
  fl.cliMac = 0x020000000000ULL | (h + 1);
  fl.srvMac = kGatewayMac;
  switch (fl.kind) {
    case FlowKind::TcpOut: {
      fl.cli = localHost(h, fl.v6);
      fl.srv = remoteHost(rng_, fl.v6);
      fl.sport = ephemeral();
      const uint32_t p = rng_.below(1000);
      fl.dport = p < 880 ? 443 : p < 910 ? 8443 : p < 940 ? 993 : p < 960 ? 22 : p < 980 ? 5228 : 587;
      fl.ttlS = remoteTtl();
      break;
    }
    case FlowKind::TcpIn: {
      fl.cli = remoteHost(rng_, fl.v6);
      fl.cliMac = kGatewayMac;
      const uint32_t s = rng_.below(kLocalServers);
      fl.srv = localServer(s, fl.v6);
      fl.srvMac = 0x020000010000ULL | s;
      // Remote ephemeral ports, all different for 32767 consecutive inbound flows.
      fl.sport = static_cast<uint16_t>(32768 + (uint64_t{inboundPort_++} * 7919) % 32767);
      const uint32_t p = rng_.below(10);
      fl.dport = p < 7 ? 443 : p < 9 ? 22 : 25;
      fl.ttlC = remoteTtl();
      break;
    }
    case FlowKind::TcpLocal:
    case FlowKind::IcmpLocal: {
      fl.cli = localHost(h, fl.v6);
      const uint32_t s = rng_.below(kLocalServers);
      fl.srv = localServer(s, fl.v6);
      fl.srvMac = 0x020000010000ULL | s;
      fl.sport = ephemeral();
      constexpr uint16_t kPorts[] = {445, 22, 8080, 3389, 5432};
      fl.dport = kPorts[rng_.below(5)];
      break;
    }
    case FlowKind::Quic:
    case FlowKind::Ntp:
    case FlowKind::WireGuard:
    case FlowKind::IcmpOut:
      fl.cli = localHost(h, fl.v6);
      fl.srv = remoteHost(rng_, fl.v6);
      fl.sport = ephemeral();
      fl.dport = fl.kind == FlowKind::Quic ? 443 : fl.kind == FlowKind::Ntp ? 123 : 51820;
      fl.ttlS = remoteTtl();
      break;
  }
  if (isTcp(fl.kind)) {
    fl.phase = Phase::Syn;
    fl.seqC = static_cast<uint32_t>(rng_.next());
    fl.seqS = static_cast<uint32_t>(rng_.next());
    fl.tsC = static_cast<uint32_t>(rng_.next());
    fl.tsS = static_cast<uint32_t>(rng_.next());
    fl.refuse = rng_.below(1000) < 20;
    fl.rstClose = rng_.below(1000) < 30;
    fl.upload = rng_.below(100) < 8;
    // Handshake 3 + close 3; each round a request, D segments and (D + 1) / 2 ACKs.
    const uint32_t body = target > 9 ? target - 6 : 3;
    fl.roundsAfter = static_cast<uint16_t>(body >= 80 ? rng_.below(std::min<uint32_t>(5, body / 40)) : 0);
    fl.segsAfter = std::max<uint32_t>(fl.roundsAfter + 1U, (body - fl.roundsAfter - 1) * 2 / 3);
  } else {
    fl.phase = Phase::Exchange;
    const uint32_t pairs = fl.kind == FlowKind::Ntp ? 1 : isIcmp(fl.kind) ? std::clamp<uint32_t>(target / 2, 1, 10)
                                                                          : std::max<uint32_t>(target / 2, 1);
    fl.left = 2 * pairs;
    fl.seqC = 1;  // ICMP echo sequence
  }
  if (cfg_.names) planNames(fl);
  if (fl.v6) ++stats_.ipv6Flows;
  if (fl.kind == FlowKind::TcpIn) ++stats_.inboundFlows;
  if (fl.kind == FlowKind::TcpLocal || fl.kind == FlowKind::IcmpLocal) ++stats_.localFlows;
  ++stats_.flowsStarted;
  active_.push_back(fl);
}

// ---------------------------------------------------------------------------------------------
// Names (TrafficConfig::names).

namespace {

// The clients' resolver: the router (its MAC is the gateway's), as a home or office network's
// DHCP hands it out, a recursive resolver (dnsmasq, unbound) on 10.0.0.1 / fd65:676d:6f6e::1.
// Neither address is one of the clients or servers above.
constexpr Addr kResolver4 = {{10, 0, 0, 1}};
constexpr Addr kResolver6 = {{0xfd, 0x65, 0x67, 0x6d, 0x6f, 0x6e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};

// Share of outbound TCP flows to 443 moved to port 80 and opened by an HTTP request, per mille.
constexpr uint32_t kHttpPerMille = 40;
// Share of TLS (web) and QUIC ClientHellos with an X25519MLKEM768 key share, per cent, and of
// the two-segment TLS ones sent out of order, per cent.
constexpr uint32_t kPqPercent = 30;
constexpr uint32_t kReorderPercent = 5;
// TTLs resolvers hand out, in seconds (operators pick round values).
constexpr uint32_t kTtls[] = {60, 60, 120, 300, 300, 300, 600, 900, 1800, 3600};
// QUIC Initial datagram sizes: Chrome's 1250 mostly, the RFC 9000 minimum, Firefox's 1357.
constexpr uint16_t kDatagrams[] = {1250, 1250, 1250, 1250, 1250, 1250, 1200, 1357, 1357, 1200};

// Byte-wise, so the same on every machine.
uint64_t addrHash(const Addr& a) {
  uint64_t hi = 0, lo = 0;
  for (int i = 0; i < 8; ++i) hi = hi << 8 | a.b[i];
  for (int i = 8; i < 16; ++i) lo = lo << 8 | a.b[i];
  return mix64(hi ^ mix64(lo));
}

bool isOutbound(FlowKind k) {
  return k == FlowKind::TcpOut || k == FlowKind::Quic || k == FlowKind::Ntp || k == FlowKind::WireGuard ||
         k == FlowKind::IcmpOut;
}

const names::Host& hostOf(const FlowState& fl) {
  return names::hostFor(fl.service, addrHash(fl.srv), fl.kind == FlowKind::Quic);
}

}  // namespace

// Decides what names a new flow carries. Draws only from namesRng_.
void TrafficModel::planNames(FlowState& fl) {
  Rng& r = namesRng_;
  fl.nameSeed = r.next();
  if (fl.kind == FlowKind::TcpOut && fl.dport == 443 && r.below(1000) < kHttpPerMille) fl.dport = 80;
  bool tls = false;
  switch (fl.kind) {
    case FlowKind::TcpOut:
      switch (fl.dport) {
        case 993: fl.service = names::Service::Imap; tls = true; break;
        case 5228: fl.service = names::Service::Push; tls = true; break;
        case 22: fl.service = names::Service::Ssh; break;
        case 587: fl.service = names::Service::Smtp; break;
        case 80: fl.service = names::Service::Http; break;
        default: fl.service = names::Service::Web; tls = true; break;  // 443, 8443
      }
      break;
    case FlowKind::TcpIn:
      fl.service = names::Service::Inbound;
      tls = fl.dport == 443;
      break;
    case FlowKind::Quic: fl.service = names::Service::Web; break;
    case FlowKind::Ntp: fl.service = names::Service::Ntp; break;
    case FlowKind::WireGuard: fl.service = names::Service::WireGuard; break;
    case FlowKind::IcmpOut: fl.service = names::Service::Ping; break;
    case FlowKind::TcpLocal:
    case FlowKind::IcmpLocal: return;  // local servers by address
  }
  if (isOutbound(fl.kind) && r.below(1000) < cfg_.dnsPerMille) {
    fl.dnsLeft = 2;
    fl.dnsPort = static_cast<uint16_t>(32768 + r.below(kEphemeralPorts));
  }
  const bool web = fl.service == names::Service::Web;
  if (tls) {
    fl.opening = Opening::Tls;
    fl.pq = web && r.below(100) < kPqPercent;
    fl.reorder = fl.pq && r.below(100) < kReorderPercent;
    fl.openParts = 1;  // made 2 when the ClientHello does not fit one segment
  } else if (fl.kind == FlowKind::TcpOut && fl.dport == 80) {
    fl.opening = Opening::Http;
    fl.openParts = 1;
  } else if (fl.kind == FlowKind::Quic) {
    fl.opening = Opening::Quic;
    fl.pq = r.below(100) < kPqPercent;
    fl.openParts = fl.pq ? 2 : 1;
    fl.datagram = kDatagrams[r.below(std::size(kDatagrams))];
  }
}

// Writes the flow's opening message (for QUIC: Initial number openSent) to scratch_.
size_t TrafficModel::openingMessage(const FlowState& fl) {
  const names::Host& h = hostOf(fl);
  switch (fl.opening) {
    case Opening::Tls:
      return names::tlsClientHello(scratch_.data(), h.name, fl.service == names::Service::Web, fl.pq, fl.nameSeed);
    case Opening::Http:
      return names::httpRequest(scratch_.data(), h, fl.nameSeed);
    case Opening::Quic:
      return names::quicInitial(scratch_.data(), h.name, fl.pq, fl.openSent, fl.datagram, fl.nameSeed);
    case Opening::None:
      break;
  }
  return 0;
}

// The next packet of the flow's DNS lookup: the query to the resolver, then its response
// with 1-3 addresses, the flow's server among them.
void TrafficModel::dnsFrame(FlowState& fl, FrameSpec& f) {
  const bool query = fl.dnsLeft == 2;
  Rng r(fl.nameSeed ^ 0x646e73ULL);
  const auto id = static_cast<uint16_t>(r.next() >> 48);
  const names::Host& h = hostOf(fl);
  f.v6 = fl.v6;
  const Addr& resolver = fl.v6 ? kResolver6 : kResolver4;
  f.src = query ? fl.cli : resolver;
  f.dst = query ? resolver : fl.cli;
  f.srcMac = query ? fl.cliMac : kGatewayMac;
  f.dstMac = query ? kGatewayMac : fl.cliMac;
  f.ttl = 64;
  f.ipId = query ? fl.ipIdC++ : static_cast<uint16_t>(r.next() >> 48);
  f.sport = query ? fl.dnsPort : 53;
  f.dport = query ? 53 : fl.dnsPort;
  f.flowLabel = static_cast<uint32_t>(mix64(uint64_t{fl.dnsPort} << 16 | 53 | (query ? 1ULL << 40 : 0)));
  f.proto = 17;
  f.payloadSeed = r.next() | 1;  // the IPv6 UDP checksum
  f.whole = true;
  f.data = scratch_.data();
  if (query) {
    f.payloadLen = static_cast<uint32_t>(names::dnsQuery(scratch_.data(), id, h.name, fl.v6));
  } else {
    Addr addrs[3];
    const uint32_t n = r.between(1, 3);
    const uint32_t mine = r.below(n);
    for (uint32_t i = 0; i < n; ++i) {
      addrs[i] = fl.srv;
      if (i == mine) continue;
      // Siblings: the same /24 (IPv4) or /112 (IPv6), another host.
      const auto other = static_cast<uint8_t>(1 + r.below(254));
      uint8_t& last = addrs[i].b[fl.v6 ? 15 : 3];
      last = other != last ? other : static_cast<uint8_t>(other % 254 + 1);
    }
    const uint32_t ttl = kTtls[r.below(std::size(kTtls))];
    const uint32_t cnameTtl = kTtls[r.below(std::size(kTtls))];
    f.payloadLen = static_cast<uint32_t>(names::dnsResponse(scratch_.data(), id, h, fl.v6, addrs, n, ttl, cnameTtl));
    ++stats_.dnsLookups;
    if (h.cname[0] != nullptr) ++stats_.dnsCnameAnswers;
  }
  --fl.dnsLeft;
}

// Emits the flow's next packet; true when that packet ended the flow.
bool TrafficModel::emit(FlowState& fl, int64_t tsUs, uint8_t* out, FrameLen& len) {
  const auto spec = [&](bool fromClient) {
    FrameSpec f;
    f.v6 = fl.v6;
    f.src = fromClient ? fl.cli : fl.srv;
    f.dst = fromClient ? fl.srv : fl.cli;
    f.srcMac = fromClient ? fl.cliMac : fl.srvMac;
    f.dstMac = fromClient ? fl.srvMac : fl.cliMac;
    f.ttl = fromClient ? fl.ttlC : fl.ttlS;
    f.ipId = fromClient ? fl.ipIdC++ : fl.ipIdS++;
    f.sport = fromClient ? fl.sport : fl.dport;
    f.dport = fromClient ? fl.dport : fl.sport;
    f.flowLabel = static_cast<uint32_t>(mix64(uint64_t{fl.sport} << 16 | fl.dport | (fromClient ? 1ULL << 40 : 0)));
    f.payloadSeed = mix64(stats_.packets);
    return f;
  };
  bool closed = false;
  FrameSpec f;
  if (fl.dnsLeft > 0) {
    dnsFrame(fl, f);
    followUp_ = fl.dnsLeft == 0;  // the client connects as soon as the answer is in
  } else if (isTcp(fl.kind)) {
    const auto ms = static_cast<uint32_t>(tsUs / 1000);
    const uint32_t mss = fl.v6 ? 1428 : 1448;
    const auto tcp = [&](bool fromClient, uint8_t flags, uint32_t payload) {
      f = spec(fromClient);
      f.proto = 6;
      f.tcpFlags = flags;
      f.seq = fromClient ? fl.seqC : fl.seqS;
      f.ack = (flags & 0x10) ? (fromClient ? fl.seqS : fl.seqC) : 0;
      f.window = fromClient ? 501 : 509;
      f.tsVal = ms + (fromClient ? fl.tsC : fl.tsS);
      f.tsEcr = ms - 1 + (fromClient ? fl.tsS : fl.tsC);
      f.payloadLen = payload;
      const bool tls = fl.dport == 443 || fl.dport == 8443 || fl.dport == 993 || fl.dport == 5228;
      f.payload = tls ? PayloadKind::TlsAppData : PayloadKind::Opaque;
      (fromClient ? fl.seqC : fl.seqS) += payload;
    };
    const bool clientSends = fl.upload;  // who sends the bulk data
    switch (fl.phase) {
      case Phase::Syn:
        tcp(true, 0x02, 0);
        f.tcpSynOptions = true;
        f.window = 64240;
        f.tsEcr = 0;
        ++fl.seqC;
        fl.phase = Phase::SynAck;
        break;
      case Phase::SynAck:
        if (fl.refuse && mayClose()) {
          tcp(false, 0x14, 0);  // RST+ACK
          f.seq = 0;
          f.window = 0;
          closed = true;
          break;
        }
        tcp(false, 0x12, 0);
        f.tcpSynOptions = true;
        f.window = 65160;
        ++fl.seqS;
        fl.phase = Phase::HandshakeAck;
        break;
      case Phase::HandshakeAck:
        tcp(true, 0x10, 0);
        fl.phase = Phase::Request;
        break;
      case Phase::Request: {
        if (!fl.requested && fl.openParts > 0) {
          // The opening message: a ClientHello (two segments when it exceeds the MSS, maybe
          // second first) or an HTTP request.
          const auto total = static_cast<uint32_t>(openingMessage(fl));
          if (fl.openSent == 0) fl.openParts = total > mss ? 2 : 1;
          const uint32_t first = std::min(total, mss);
          const uint32_t part = fl.reorder ? fl.openParts - 1U - fl.openSent : fl.openSent;
          const uint32_t off = part == 0 ? 0 : first;
          tcp(true, part + 1U == fl.openParts ? 0x18 : 0x10, 0);
          f.seq = fl.seqC + off;
          f.payloadLen = part == 0 ? first : total - first;
          f.data = scratch_.data() + off;
          f.whole = true;
          if (++fl.openSent < fl.openParts) {
            followUp_ = true;  // the second segment is sent back to back
            break;
          }
          fl.seqC += total;
          if (fl.opening == Opening::Http) {
            ++stats_.httpRequests;
          } else {
            ++stats_.tlsHellos;
            if (fl.openParts == 2) ++stats_.tlsHellosSplit;
            if (fl.openParts == 2 && fl.reorder) ++stats_.tlsHellosReordered;
          }
        } else {
          tcp(true, 0x18, fl.requested ? rng_.between(60, 400) : rng_.between(150, 700));
        }
        fl.requested = true;
        const uint32_t d = std::max<uint32_t>(1, fl.segsAfter / (fl.roundsAfter + 1U));
        fl.segsAfter -= std::min(d, fl.segsAfter);
        fl.left = d;
        fl.unacked = 0;
        fl.phase = Phase::Data;
        break;
      }
      case Phase::Data: {
        const bool last = fl.left == 1;
        tcp(clientSends, last ? 0x18 : 0x10, last ? rng_.between(1, mss) : mss);
        --fl.left;
        ++fl.unacked;
        if (fl.unacked == 2 || last) fl.phase = Phase::DataAck;
        break;
      }
      case Phase::DataAck:
        tcp(!clientSends, 0x10, 0);
        fl.unacked = 0;
        if (fl.left > 0) {
          fl.phase = Phase::Data;
        } else if (fl.roundsAfter > 0) {
          --fl.roundsAfter;
          fl.phase = Phase::Request;
        } else if (!mayClose()) {  // every flow has started: keep this one alive
          fl.segsAfter = rng_.between(2, 20);
          fl.phase = Phase::Request;
        } else {
          fl.phase = fl.rstClose ? Phase::Rst : Phase::Fin1;
        }
        break;
      case Phase::Rst:
        tcp(rng_.below(2) == 0, 0x14, 0);
        closed = true;
        break;
      case Phase::Fin1:
        tcp(true, 0x11, 0);
        ++fl.seqC;
        fl.phase = Phase::Fin2;
        break;
      case Phase::Fin2:
        tcp(false, 0x11, 0);
        ++fl.seqS;
        fl.phase = Phase::LastAck;
        break;
      case Phase::LastAck:
        tcp(true, 0x10, 0);
        closed = true;
        break;
      case Phase::Exchange:
        break;
    }
  } else if (fl.openSent < fl.openParts) {  // QUIC: the client's Initial(s) come first
    f = spec(true);
    f.proto = 17;
    f.payloadLen = static_cast<uint32_t>(openingMessage(fl));
    f.data = scratch_.data();
    f.whole = true;
    if (++fl.openSent == fl.openParts) {  // the last one stands for the client's first datagram
      fl.seqC = 2;
      --fl.left;
      ++stats_.quicHellos;
      if (fl.openParts == 2) ++stats_.quicHellosSplit;
    } else {
      followUp_ = true;  // both Initials go out in one burst
    }
  } else {
    const bool fromClient = fl.left % 2 == 0;
    f = spec(fromClient);
    if (isIcmp(fl.kind)) {
      f.proto = fl.v6 ? 58 : 1;
      f.icmpType = static_cast<uint8_t>(fl.v6 ? (fromClient ? 128 : 129) : (fromClient ? 8 : 0));
      f.icmpId = fl.sport;
      f.icmpSeq = static_cast<uint16_t>(fl.seqC);
      f.payloadLen = 56;
      f.payload = PayloadKind::IcmpEcho;
      if (!fromClient) ++fl.seqC;
    } else {
      f.proto = 17;
      switch (fl.kind) {
        case FlowKind::Ntp:
          f.payloadLen = 48;
          f.payload = PayloadKind::Ntp;
          break;
        case FlowKind::WireGuard:
          f.payloadLen = 32 + 16 * rng_.between(0, 80);
          f.payload = PayloadKind::WireGuard;
          break;
        default: {  // QUIC: full-size datagrams, with small ACK-only ones mostly from the client
          const bool full = fl.seqC == 1 || rng_.below(10) < (fromClient ? 3U : 8U);  // seqC 1: first
          f.payloadLen = full ? rng_.between(1200, 1350) : rng_.between(40, 160);
          f.payload = PayloadKind::QuicShort;
          if (fromClient) fl.seqC = 2;
          break;
        }
      }
    }
    if (--fl.left == 0) {
      if (mayClose()) closed = true;
      else fl.left = 2;
    }
  }
  len = buildFrame(f, out, cfg_.snaplen);
  if (f.proto == 6) ++stats_.tcpPackets;
  else if (f.proto == 17) ++stats_.udpPackets;
  else ++stats_.icmpPackets;
  if (f.v6) ++stats_.ipv6Packets;
  return closed;
}

SynthFrame TrafficModel::next(uint8_t* out) {
  SynthFrame fr;
  const uint64_t i = stats_.packets;
  fr.tsUs = cfg_.startEpoch * 1'000'000 + static_cast<int64_t>((i / cfg_.pps) * 1'000'000 + (i % cfg_.pps) * 1'000'000 / cfg_.pps);
  size_t idx = 0;
  if (burst_ < active_.size()) {  // a packet that follows its predecessor at once (names)
    idx = burst_;
  } else if ((active_.size() < cfg_.concurrent && stats_.flowsStarted < cfg_.flows) || active_.empty()) {
    startFlow();
    idx = active_.size() - 1;
  } else {
    idx = rng_.below(static_cast<uint32_t>(active_.size()));
  }
  burst_ = kNoBurst;
  followUp_ = false;
  if (emit(active_[idx], fr.tsUs, out, fr.len)) {
    active_[idx] = active_.back();
    active_.pop_back();
  } else if (followUp_) {
    burst_ = idx;
  }
  ++stats_.packets;
  stats_.wireBytes += fr.len.wire;
  stats_.capturedBytes += fr.len.cap;
  return fr;
}

}  // namespace egressmon::bench
