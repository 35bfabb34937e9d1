#pragma once
// DNS response parsing (RFC 1035) for name attribution: the question name, the CNAME chain and
// the A/AAAA answers. Fixed-capacity output, reused by the caller; no allocation per call.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "egressmon/core/ip_address.h"

namespace egressmon {

struct DnsName {
  static constexpr size_t kMax = 255;
  char text[kMax + 1] = {};  // dotted, lower-case, no trailing dot, NUL-terminated
  uint8_t len = 0;
  std::string_view view() const { return {text, len}; }
};

struct DnsResponse {
  static constexpr size_t kMaxAnswers = 32;
  static constexpr size_t kMaxChain = 8;
  uint16_t id = 0;
  uint8_t rcode = 0;
  bool truncatedFlag = false;      // TC bit set by the server
  bool truncatedMessage = false;   // the message ended early; the answers read so far are kept
  DnsName qname;                   // the name the client asked for
  DnsName chain[kMaxChain];        // CNAME targets in order, qname -> chain[0] -> ...
  uint8_t chainLen = 0;
  struct Answer {
    IpAddress addr;
    uint32_t ttl = 0;
  };
  Answer answers[kMaxAnswers];     // A and AAAA records reachable from qname via the chain
  uint8_t answerCount = 0;
};

enum class DnsStatus : uint8_t {
  Ok,
  NotResponse,      // QR bit clear, or opcode not QUERY
  Truncated,        // header or question cut short (nothing usable)
  BadName,          // label too long, name over 255, bad label type
  PointerLoop,      // compression pointer loop or too many jumps
  BadPointer,       // pointer outside the message or forward into itself
  kCount
};
const char* dnsStatusName(DnsStatus s);

/// Parses a DNS message as carried in UDP (TCP callers strip the 2-byte length first).
/// Any thread; no allocation; never throws. Answers are IN-class A/AAAA records owned by qname
/// or a chain name (at most kMaxAnswers kept); CNAMEs may come in any order (up to 32 that
/// come before the record naming their owner are kept for a second look). A message cut
/// inside the answers is Ok with truncatedMessage. A bad name anywhere up to the last answer
/// fails the message: a pointer that leads back to a pointer already followed (or to itself)
/// or more than 16 jumps is PointerLoop; any other forward pointer, or one past the end, is
/// BadPointer. Without a question the result is Ok with no answers. On failure `out` holds
/// what was read before the fault.
DnsStatus parseDnsResponse(const uint8_t* msg, size_t len, DnsResponse& out);

}  // namespace egressmon
