#pragma once
// One bidirectional flow: fixed size (128 bytes), held in the flow table's slab. Direction is
// told from the local side's point of view: "out" is local -> remote, "in" is remote -> local.
#include <cstdint>
#include <cstring>
#include <string_view>

#include "egressmon/core/ip_address.h"
#include "egressmon/core/time.h"
#include "egressmon/geo/geo.h"

namespace egressmon {

/// Canonical bidirectional key: (a, portA) <= (b, portB), so both directions share one key.
struct FlowKey {
  IpAddress a;
  IpAddress b;
  uint16_t portA = 0;
  uint16_t portB = 0;
  uint8_t proto = 0;
  uint8_t pad_[3] = {0, 0, 0};

  friend bool operator==(const FlowKey& x, const FlowKey& y) {
    return x.a == y.a && x.b == y.b && x.portA == y.portA && x.portB == y.portB &&
           x.proto == y.proto;
  }
};
static_assert(sizeof(FlowKey) == 40);

/// 64-bit hash of a key (the same for both directions by construction of the key).
/// Inline: it runs for every packet.
inline uint64_t hashFlowKey(const FlowKey& k) {
  // Five 64-bit words (the key is 40 bytes with zeroed padding), mixed multiply-xorshift style.
  uint64_t w[5];
  static_assert(sizeof(w) == sizeof(FlowKey));
  std::memcpy(w, &k, sizeof w);
  uint64_t h = 0x9e3779b97f4a7c15ull;
  for (uint64_t x : w) {
    h ^= x;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
  }
  h *= 0x94d049bb133111ebull;
  return h ^ (h >> 29);
}


enum class FlowState : uint8_t {
  Active,          // UDP, ICMP and other protocols
  TcpOpening,      // SYN seen, no answer yet
  TcpEstablished,  // SYN-ACK seen, or data seen without a handshake (mid-stream)
  TcpClosing,      // FIN from one side
  TcpClosed,       // FIN from both sides, or RST
};
std::string_view flowStateName(FlowState s);

/// Where the two endpoints are relative to local_networks.
enum class Locality : uint8_t {
  LocalRemote,   // the usual case: one local, one remote endpoint
  LocalLocal,    // both local: "local" is the initiator
  RemoteRemote,  // both remote (transit on a gateway): "local" is the initiator
};
std::string_view localityName(Locality l);

enum class EndReason : uint8_t {
  IdleTimeout,    // no packet for the idle timeout of its protocol and state
  ActiveTimeout,  // alive longer than the active timeout: a record is cut, the flow goes on
  Evicted,        // the table was full: the longest-idle flow made room
  EndOfInput,     // the capture ended (or the daemon stops) with the flow still open
};
std::string_view endReasonName(EndReason r);

/// Timeout class (one LRU list each, so each list's head is its oldest flow).
enum class TimeoutClass : uint8_t { TcpOpening, TcpEstablished, TcpClosed, Udp, Icmp, Other, kCount };

struct Flow {
  FlowKey key;                 // 40
  TimeUs firstSeen = 0;        // 8  (of this record: an active timeout restarts it)
  TimeUs lastSeen = 0;         // 8
  uint64_t id = 0;             // 8  unique per flow within the process, kept across records
  uint64_t bytesOut = 0;       // 8  IP bytes local -> remote (wire lengths)
  uint64_t bytesIn = 0;        // 8  IP bytes remote -> local
  uint32_t pktsOut = 0;        // 4
  uint32_t pktsIn = 0;         // 4
  uint32_t lruPrev = 0;        // 4  links in its timeout class list (table-internal)
  uint32_t lruNext = 0;        // 4
  GeoInfo remoteGeo;           // 12 geolocation of the remote endpoint, looked up once
  uint8_t tcpFlagsOut = 0;     // 1  OR of TCP flags sent local -> remote
  uint8_t tcpFlagsIn = 0;      // 1
  FlowState state = FlowState::Active;
  Locality locality = Locality::LocalRemote;
  TimeoutClass tclass = TimeoutClass::Other;
  uint8_t bits = 0;            // kLocalIsA | kInitiatorLocal | ...
  uint16_t records = 0;        // 2  records cut before this one (active timeouts)
  uint32_t queuedSec = 0;      // 4  packet second when queued in its LRU list (table-internal)
  uint32_t nameId = 0;         // 4  the flow's host name in the namer's table (0 = none)
  uint16_t appId = 0;          // 2  the app the catalog attributes it to (0 = none)
  uint8_t nameSource = 0;      // 1  NameSource of nameId
  uint8_t nameFlags = 0;       // 1  NameFlags below

  enum Bits : uint8_t {
    kLocalIsA = 1,          // key.a is the local endpoint
    kInitiatorLocal = 2,    // the local endpoint opened the flow
    kInitiatorGuessed = 4,  // initiator inferred from the first packet, not a handshake
    kInUse = 8,             // slab slot holds a live flow
    kJudged = 16,           // the region policy's verdict is final for the flow's current
                            // name and app (cleared when either changes: judge again)
    kJudgedOnce = 32,       // judged at least once (counts judgements made again)
    kDataOut = 64,          // the local side sent payload (the policy alerts only after it)
    kAwaitData = 128,       // judged as alerting before the local side sent data: judge again
                            // only once it has (kDataOut)
  };
  enum NameFlags : uint8_t {
    kNameEch = 1,           // the ClientHello had an ECH extension: real (the name is then the
                            // public outer one) or GREASE, which the wire cannot tell apart
    kNameEncryptedDns = 2,  // DNS over TLS/HTTPS/QUIC: later names of this client are hidden
    kInspectDone = 4,       // the payload needs no more looking at
    kDnsStream = 8,         // a DNS server's TCP stream, followed in a slot since a response split
    kDnsStreamLost = 16,    // a DNS server's TCP stream: a response could not be read, so the
                            // rest of the stream has no known message boundary
  };

  bool localIsA() const { return bits & kLocalIsA; }
  const IpAddress& localAddr() const { return localIsA() ? key.a : key.b; }
  const IpAddress& remoteAddr() const { return localIsA() ? key.b : key.a; }
  uint16_t localPort() const { return localIsA() ? key.portA : key.portB; }
  uint16_t remotePort() const { return localIsA() ? key.portB : key.portA; }
  bool initiatorLocal() const { return bits & kInitiatorLocal; }
  bool initiatorGuessed() const { return bits & kInitiatorGuessed; }
  uint64_t totalBytes() const { return bytesOut + bytesIn; }
};
static_assert(sizeof(Flow) == 128, "keep Flow at two cache lines");

}  // namespace egressmon
