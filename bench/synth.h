#pragma once
// Deterministic synthetic traffic for the benchmarks: a fixed-seed PRNG, a frame builder
// (Ethernet + IPv4/IPv6 + TCP/UDP/ICMP) and a traffic model that interleaves many concurrent
// flows. Shared by egressmon-gen-capture and egressmon-micro-bench. Every number comes from
// integer arithmetic on the seed, so the output is the same bytes on every run and every
// machine. The traffic model itself uses only the C++ standard library; the payloads that carry
// names (TrafficConfig::names, synth_names.h) use egressmon::names to protect QUIC Initials.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace egressmon::bench {

/// xoshiro256** seeded through splitmix64. Not thread-safe; one per generator.
class Rng {
public:
  explicit Rng(uint64_t seed);
  uint64_t next();
  /// Uniform-enough value in [0, n) (multiply-shift; n == 0 yields 0).
  uint32_t below(uint32_t n) {
    return static_cast<uint32_t>((static_cast<uint64_t>(static_cast<uint32_t>(next() >> 32)) * n) >> 32);
  }
  /// Value in [lo, hi] inclusive.
  uint32_t between(uint32_t lo, uint32_t hi) { return lo + below(hi - lo + 1); }

private:
  uint64_t s_[4];
};

/// An address: 4 bytes used for IPv4, 16 for IPv6.
struct Addr {
  uint8_t b[16] = {};
};

/// What goes into a payload's first bytes (the rest is pseudo-random filler).
enum class PayloadKind : uint8_t {
  Opaque,      // random bytes
  TlsAppData,  // TLS 1.2/1.3 application_data record header (never a ClientHello)
  QuicShort,   // QUIC short-header packet (never an Initial)
  Ntp,         // NTPv4 client/server header
  WireGuard,   // WireGuard transport-data message
  IcmpEcho,    // ping's timestamp + 0x10.. pattern
};

/// Everything needed to build one frame.
struct FrameSpec {
  bool v6 = false;
  Addr src, dst;
  uint64_t srcMac = 0, dstMac = 0;  // low 48 bits
  uint8_t proto = 6;                // 6 TCP, 17 UDP, 1 ICMP / 58 ICMPv6
  uint8_t ttl = 64;
  uint16_t ipId = 0;
  uint32_t flowLabel = 0;           // IPv6 only, 20 bits
  uint16_t sport = 0, dport = 0;    // TCP/UDP ports
  uint8_t tcpFlags = 0;
  bool tcpSynOptions = false;       // MSS, SACK-permitted, timestamps, window scale (SYN, SYN-ACK)
  uint32_t seq = 0, ack = 0;
  uint16_t window = 0;
  uint32_t tsVal = 0, tsEcr = 0;    // TCP timestamp option (always present, as on Linux)
  uint8_t icmpType = 0;             // echo: 8/0 (IPv4), 128/129 (IPv6)
  uint16_t icmpId = 0, icmpSeq = 0;
  uint32_t payloadLen = 0;          // transport payload length on the wire
  PayloadKind payload = PayloadKind::Opaque;
  uint64_t payloadSeed = 0;         // seeds the filler bytes
  const uint8_t* data = nullptr;    // when set: the payload's payloadLen bytes (no kind, no filler)
  bool whole = false;               // captured whole whatever the snaplen (see TrafficConfig::names)
};

/// Lengths of one built frame.
struct FrameLen {
  uint32_t wire = 0;  // on the wire (pcap len)
  uint32_t cap = 0;   // bytes written (pcap caplen) = min(wire, snaplen)
};

inline constexpr uint32_t kMaxFrame = 1514;  // Ethernet + 1500-byte IP MTU

/// Builds the frame described by `f` and writes its first min(wire length, snaplen) bytes
/// to `out`, which must hold that many. Never fails; lengths in the headers are the wire ones.
FrameLen buildFrame(const FrameSpec& f, uint8_t* out, uint32_t snaplen);

/// Parameters of the traffic model (see docs/benchmarks.md for the model itself).
struct TrafficConfig {
  uint64_t packets = 5'000'000;
  uint64_t concurrent = 100'000;  // flows alive at once (capped at `flows`)
  uint64_t flows = 0;             // distinct flows in total; 0 = packets / 20
  uint32_t ipv6PerMille = 200;    // share of flows that are IPv6
  uint32_t snaplen = 128;
  int64_t startEpoch = 1'700'000'000;
  uint64_t pps = 200'000;         // packet-time rate: packet i is at start + i / pps
  uint64_t seed = 0x65677265'73736d6fULL;  // "egressmo"
  /// Names in the traffic (gen-capture --names): DNS lookups before a share of the outbound
  /// flows, TLS ClientHellos opening TCP 443/8443/993/5228 (and inbound 443), QUIC client
  /// Initials opening UDP 443, HTTP requests on a share of TCP flows moved to port 80. The
  /// packets carrying them are captured whole whatever the snaplen. Off: the capture is byte
  /// for byte what it was before names existed.
  bool names = false;
  uint32_t dnsPerMille = 600;     // share of outbound flows preceded by a DNS lookup
};

/// Counters of what was generated.
struct TrafficStats {
  uint64_t packets = 0;
  uint64_t wireBytes = 0;
  uint64_t capturedBytes = 0;
  uint64_t flowsStarted = 0;
  uint64_t flowsAliveAtEnd = 0;   // started and not closed (TCP FIN/RST) or finished
  uint64_t tcpPackets = 0, udpPackets = 0, icmpPackets = 0, ipv6Packets = 0;
  uint64_t inboundFlows = 0, localFlows = 0, ipv6Flows = 0;
  // With names: what was sent (counted when the last packet of each went out).
  uint64_t dnsLookups = 0;          // query and response pairs
  uint64_t dnsCnameAnswers = 0;     // responses with a CNAME chain
  uint64_t tlsHellos = 0;           // TLS ClientHellos
  uint64_t tlsHellosSplit = 0;      //   of which over two segments (X25519MLKEM768 key share)
  uint64_t tlsHellosReordered = 0;  //   of which the second segment went first
  uint64_t quicHellos = 0;          // QUIC ClientHellos
  uint64_t quicHellosSplit = 0;     //   of which over two Initials
  uint64_t httpRequests = 0;
};

/// One generated frame's metadata; its bytes are in the caller's buffer.
struct SynthFrame {
  int64_t tsUs = 0;  // microseconds since the epoch, non-decreasing
  FrameLen len;
};

struct FlowState;

/// Produces the packets of many interleaved flows, one per next() call, deterministically
/// from the config. Single-threaded. The model: while fewer than `concurrent` flows are
/// alive and flows remain, the next packet opens a new flow; otherwise it belongs to a flow
/// picked at random among the alive ones. Flows are sized so that about `flows` start over
/// the capture; once all have started, no flow closes any more, so every one started is
/// still alive at the end. With names, a few packets follow their predecessor at once
/// instead: the connection after its DNS answer, the second segment of a two-segment
/// ClientHello, the second of two QUIC Initials.
class TrafficModel {
public:
  explicit TrafficModel(const TrafficConfig& cfg);
  ~TrafficModel();
  TrafficModel(const TrafficModel&) = delete;
  TrafficModel& operator=(const TrafficModel&) = delete;

  /// True once cfg.packets packets were produced.
  bool done() const { return stats_.packets >= cfg_.packets; }
  /// Writes the next frame's captured bytes to `out` (room for cfg.snaplen bytes, at most
  /// kMaxFrame are used). Must not be called once done().
  SynthFrame next(uint8_t* out);
  /// The config after defaults and caps were applied.
  const TrafficConfig& config() const { return cfg_; }
  /// Counters so far; flowsAliveAtEnd is the number of flows alive now.
  TrafficStats stats() const;

private:
  void startFlow();
  void planNames(FlowState& fl);
  size_t openingMessage(const FlowState& fl);
  void dnsFrame(FlowState& fl, FrameSpec& f);
  bool emit(FlowState& fl, int64_t tsUs, uint8_t* out, FrameLen& len);
  bool mayClose() const { return stats_.flowsStarted < cfg_.flows; }
  uint32_t targetLength();

  TrafficConfig cfg_;
  Rng rng_;
  Rng namesRng_;                   // every names decision, so rng_ draws as without names
  std::vector<uint8_t> scratch_;   // the payload being sent (names)
  static constexpr size_t kNoBurst = ~size_t{0};
  size_t burst_ = kNoBurst;        // flow whose next packet comes next (names: back-to-back packets)
  bool followUp_ = false;          // set by emit(): this flow's next packet follows at once
  std::vector<FlowState> active_;
  std::vector<uint16_t> nextPort_;  // per local host: next ephemeral port (keeps flows distinct)
  uint32_t inboundPort_ = 0;
  TrafficStats stats_;
};

}  // namespace egressmon::bench
