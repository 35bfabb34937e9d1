#pragma once
// Payloads that carry names, for egressmon-gen-capture --names: DNS queries and responses
// (wire format, name compression, CNAME chains), TLS ClientHellos (Chrome-like, with or
// without an X25519MLKEM768 key share), QUIC v1 client Initials (protected with the real key
// schedule through egressmon::names' quic_detail::protectClientInitial) and HTTP/1.1 requests.
// Every byte comes from integer arithmetic on the seeds passed in, so the output is the same on
// every run and every machine (AES-GCM and HKDF are deterministic too).
#include <cstddef>
#include <cstdint>

#include "synth.h"

namespace egressmon::bench::names {

/// What a flow's remote end is, which decides the host-name pool it is named from.
enum class Service : uint8_t {
  Web,       // TLS on 443 / 8443, QUIC on 443
  Imap,      // IMAPS 993
  Push,      // 5228 (Android push)
  Ssh,       // 22
  Smtp,      // 587 (submission, STARTTLS: no ClientHello first)
  Http,      // plain HTTP on 80
  Ntp,       // 123
  WireGuard, // 51820
  Ping,      // ICMP echo
  Inbound,   // remote clients reaching the local servers (TLS on 443)
  kCount
};

/// A host name with the CNAME chain a resolver answers with (empty entries end it) and, for
/// HTTP, the path requested.
struct Host {
  const char* name;
  uint32_t weight;
  const char* cname[3];
  const char* path;
  bool h3;  // also reached over QUIC
};

/// The host a service's server address is known by: a weighted pick keyed by `addrHash`, so
/// the same address always gets the same name (DNS answers, SNI and Host agree). For QUIC
/// flows (`quic`) only hosts marked h3 are picked.
const Host& hostFor(Service s, uint64_t addrHash, bool quic = false);

/// Largest payload any builder below writes.
inline constexpr size_t kMaxPayload = 4096;

/// A DNS query (RD, one question, EDNS0 OPT with a 1232-byte UDP size) for `name`, A or AAAA.
size_t dnsQuery(uint8_t* out, uint16_t id, const char* name, bool aaaa);

/// The response to that query from a recursive resolver: the question, the host's CNAME
/// chain, then `n` (1..3) A or AAAA records of `addrs` (owner: the last name of the chain),
/// every name compressed against the ones before; `ttl` for the address records, `cnameTtl`
/// for the CNAMEs; EDNS0 OPT in the additional section.
size_t dnsResponse(uint8_t* out, uint16_t id, const Host& host, bool aaaa, const Addr* addrs, uint32_t n,
                   uint32_t ttl, uint32_t cnameTtl);

/// A TLS record holding a Chrome-like ClientHello for `sni`: GREASE, TLS 1.3 and 1.2 suites,
/// supported_versions 1.3/1.2, key_share x25519 and, with `pq`, X25519MLKEM768 (0x11ec, a
/// 1216-byte key) plus a GREASE encrypted_client_hello extension, ALPN h2/http/1.1 when `alpn`,
/// and the padding extension up to 512 bytes of handshake (so 517 bytes without `pq`, about
/// 1,900 with). Random fields from `seed`.
size_t tlsClientHello(uint8_t* out, const char* sni, bool alpn, bool pq, uint64_t seed);

/// QUIC v1 client Initial number `index` (0, or 0 and 1 with `pq`) for `sni` with ALPN h3 and
/// key_share x25519 (plus X25519MLKEM768 with `pq`, which makes the ClientHello about 1,550
/// bytes: the first Initial carries as much of it as fits, the second the rest). Each is one
/// packet: the CRYPTO frame with its part of the ClientHello, then PADDING up to a
/// `datagram`-byte UDP payload (1200..1400). All Initials of a flow share the destination
/// connection ID (8 bytes, derived from `seed`) and so the keys; packet numbers 0 and 1.
size_t quicInitial(uint8_t* out, const char* sni, bool pq, uint32_t index, uint32_t datagram, uint64_t seed);

/// "GET <path> HTTP/1.1" with Host, User-Agent, Accept and Connection headers.
size_t httpRequest(uint8_t* out, const Host& host, uint64_t seed);

}  // namespace egressmon::bench::names
