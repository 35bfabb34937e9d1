// Fuzzes parseDnsResponse with a raw DNS message (as carried in UDP) and checks the output's
// invariants: bounded counts, NUL-terminated lower-case names, distinct chain names, and the
// same result when the output object is reused.
#include <cstdint>
#include <cstring>
#include <memory>

#include "egressmon/names/dns.h"

namespace {

using egressmon::DnsName;
using egressmon::DnsResponse;
using egressmon::DnsStatus;

void checkName(const DnsName& n) {
  if (n.len > 253 || n.text[n.len] != '\0') __builtin_trap();
  for (size_t i = 0; i < n.len; ++i) {
    if (n.text[i] >= 'A' && n.text[i] <= 'Z') __builtin_trap();
  }
}

void check(DnsStatus s, const DnsResponse& r) {
  if (s >= DnsStatus::kCount || egressmon::dnsStatusName(s) == nullptr) __builtin_trap();
  if (r.chainLen > DnsResponse::kMaxChain || r.answerCount > DnsResponse::kMaxAnswers)
    __builtin_trap();
  if (s != DnsStatus::Ok) return;
  checkName(r.qname);
  for (uint8_t i = 0; i < r.chainLen; ++i) {
    checkName(r.chain[i]);
    if (r.chain[i].view() == r.qname.view()) __builtin_trap();
    for (uint8_t j = 0; j < i; ++j) {
      if (r.chain[i].view() == r.chain[j].view()) __builtin_trap();
    }
  }
}

bool same(const DnsResponse& a, const DnsResponse& b) {
  if (a.id != b.id || a.rcode != b.rcode || a.truncatedFlag != b.truncatedFlag ||
      a.truncatedMessage != b.truncatedMessage || a.qname.view() != b.qname.view() ||
      a.chainLen != b.chainLen || a.answerCount != b.answerCount)
    return false;
  for (uint8_t i = 0; i < a.chainLen; ++i) {
    if (a.chain[i].view() != b.chain[i].view()) return false;
  }
  for (uint8_t i = 0; i < a.answerCount; ++i) {
    if (!(a.answers[i].addr == b.answers[i].addr) || a.answers[i].ttl != b.answers[i].ttl)
      return false;
  }
  return true;
}

// Reused across inputs, as the daemon reuses its output: stale state must never leak through.
DnsResponse g_reused;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto fresh = std::make_unique<DnsResponse>();
  const DnsStatus s = egressmon::parseDnsResponse(data, size, *fresh);
  check(s, *fresh);
  const DnsStatus again = egressmon::parseDnsResponse(data, size, g_reused);
  if (again != s || (s == DnsStatus::Ok && !same(*fresh, g_reused))) __builtin_trap();
  return 0;
}
