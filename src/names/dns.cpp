// DNS response parsing: bounds-checked walks over the message, no allocation, no exceptions.
#include "egressmon/names/dns.h"

#include <cstring>

#include "egressmon/core/bytes.h"

namespace egressmon {

const char* dnsStatusName(DnsStatus s) {
  switch (s) {
    case DnsStatus::Ok: return "ok";
    case DnsStatus::NotResponse: return "not_response";
    case DnsStatus::Truncated: return "truncated";
    case DnsStatus::BadName: return "bad_name";
    case DnsStatus::PointerLoop: return "pointer_loop";
    case DnsStatus::BadPointer: return "bad_pointer";
    case DnsStatus::kCount: break;
  }
  return "unknown";
}

namespace {

constexpr size_t kHeaderLen = 12;
constexpr size_t kRecordFixedLen = 10;  // type, class, ttl, rdlength
constexpr uint16_t kTypeA = 1;
constexpr uint16_t kTypeCname = 5;
constexpr uint16_t kTypeAaaa = 28;
constexpr uint16_t kClassIn = 1;
constexpr int kMaxNameJumps = 16;  // compression pointers followed in one name

struct Reader {
  const uint8_t* msg;
  size_t len;
  // The name at offset 12 (the first question) once decoded with room for one more jump: a
  // record owner that is a pointer to it (most answers) is that name, without decoding again.
  const DnsName* qname = nullptr;
};

char lowerAscii(uint8_t c) {
  return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : char(c);
}

// Decodes the name at `pos` into `out` (lower-cased, dotted). `next` receives the offset just
// past the name where it sits (after its first pointer, if any), `jumpsMade` the pointers it
// followed. Truncated means the bytes ran out, which the answer walk turns into a kept-so-far
// result.
DnsStatus readName(const Reader& r, size_t pos, DnsName& out, size_t& next,
                   int* jumpsMade = nullptr) {
  // The wire length of a name (labels with their length bytes, plus the root byte) is at most
  // 255, so the dotted text is at most 253 characters.
  constexpr size_t kMaxWire = 255;
  // Pointers jumped from so far: meeting one again, or a pointer leading to one, is a loop.
  // Other pointers must point strictly backward; the jump bound ends any loop left.
  size_t jumpedFrom[kMaxNameJumps];
  int jumps = 0;
  size_t wire = 1;  // the root byte
  size_t textLen = 0;
  bool jumped = false;
  for (;;) {
    if (pos >= r.len) return DnsStatus::Truncated;
    const uint8_t b = r.msg[pos];
    if ((b & 0xC0) == 0xC0) {
      if (pos + 1 >= r.len) return DnsStatus::Truncated;
      const size_t target = readBe16(r.msg + pos) & 0x3FFF;
      if (target >= r.len) return DnsStatus::BadPointer;
      if (target == pos) return DnsStatus::PointerLoop;
      for (int i = 0; i < jumps; ++i) {
        if (jumpedFrom[i] == target || jumpedFrom[i] == pos) return DnsStatus::PointerLoop;
      }
      if (target > pos) return DnsStatus::BadPointer;
      if (jumps == kMaxNameJumps) return DnsStatus::PointerLoop;
      jumpedFrom[jumps++] = pos;
      if (!jumped) {
        next = pos + 2;
        jumped = true;
      }
      pos = target;
      continue;
    }
    if ((b & 0xC0) != 0) return DnsStatus::BadName;  // 0x40 (extended) and 0x80 (reserved)
    if (b == 0) {
      if (!jumped) next = pos + 1;
      out.len = uint8_t(textLen);
      out.text[textLen] = '\0';
      if (jumpsMade != nullptr) *jumpsMade = jumps;
      return DnsStatus::Ok;
    }
    const size_t labelLen = b;  // at most 63 here: the two top bits are clear
    wire += labelLen + 1;
    if (wire > kMaxWire) return DnsStatus::BadName;
    if (pos + 1 + labelLen > r.len) return DnsStatus::Truncated;
    if (textLen != 0) out.text[textLen++] = '.';
    for (size_t i = 0; i < labelLen; ++i) out.text[textLen++] = lowerAscii(r.msg[pos + 1 + i]);
    pos += 1 + labelLen;
  }
}

bool sameName(const DnsName& a, const DnsName& b) {
  return a.len == b.len && std::memcmp(a.text, b.text, a.len) == 0;
}

// True when `name` is the question name or one of the chain's names.
bool inChain(const DnsResponse& out, const DnsName& name) {
  if (sameName(out.qname, name)) return true;
  for (uint8_t i = 0; i < out.chainLen; ++i) {
    if (sameName(out.chain[i], name)) return true;
  }
  return false;
}

struct Record {
  DnsName owner;
  uint16_t type = 0;
  uint16_t cls = 0;
  uint32_t ttl = 0;
  size_t rdata = 0;
  size_t rdlength = 0;
};

// Reads the record at `pos`; on Ok `pos` moves past it.
DnsStatus readRecord(const Reader& r, size_t& pos, Record& rec) {
  size_t p = 0;
  if (r.qname != nullptr && pos > kHeaderLen && r.len - pos >= 2 && r.msg[pos] == 0xC0 &&
      r.msg[pos + 1] == kHeaderLen) {
    // What readName would give: the pointer points backward, to a name that decoded with
    // fewer than the most jumps, through positions before this one.
    std::memcpy(rec.owner.text, r.qname->text, size_t(r.qname->len) + 1);
    rec.owner.len = r.qname->len;
    p = pos + 2;
  } else {
    const DnsStatus s = readName(r, pos, rec.owner, p);
    if (s != DnsStatus::Ok) return s;
  }
  if (r.len - p < kRecordFixedLen) return DnsStatus::Truncated;
  rec.type = readBe16(r.msg + p);
  rec.cls = readBe16(r.msg + p + 2) & 0x7FFF;  // mDNS keeps the cache-flush flag in the top bit
  rec.ttl = readBe32(r.msg + p + 4);
  rec.rdlength = readBe16(r.msg + p + 8);
  rec.rdata = p + kRecordFixedLen;
  if (r.len - rec.rdata < rec.rdlength) return DnsStatus::Truncated;
  pos = rec.rdata + rec.rdlength;
  return DnsStatus::Ok;
}

// CNAME records met before the chain reached their owner, kept by position for another look
// (records may come in any order). Real answers hold a few CNAMEs; more than kMax are ignored.
struct PendingCnames {
  static constexpr size_t kMax = 32;
  size_t owner[kMax];
  size_t rdata[kMax];
  size_t rdataEnd[kMax];
  bool used[kMax];
  size_t count = 0;
};

// Appends the CNAME target at `rdata` to the chain. A target that overruns its record, or one
// already in the chain (a CNAME loop), is ignored; one cut by the message end marks it
// truncated. Fails only on a malformed name.
DnsStatus appendTarget(const Reader& r, size_t rdata, size_t rdataEnd, DnsResponse& out) {
  DnsName target;
  size_t end = 0;
  const DnsStatus s = readName(r, rdata, target, end);
  if (s == DnsStatus::Truncated) {
    out.truncatedMessage = true;
    return DnsStatus::Ok;
  }
  if (s != DnsStatus::Ok) return s;
  if (end > rdataEnd || inChain(out, target) || out.chainLen == DnsResponse::kMaxChain) {
    return DnsStatus::Ok;
  }
  out.chain[out.chainLen++] = target;
  return DnsStatus::Ok;
}

const DnsName& chainTail(const DnsResponse& out) {
  return out.chainLen == 0 ? out.qname : out.chain[out.chainLen - 1];
}

// First walk over the answers: checks every record, extends the chain with CNAMEs that come in
// order and keeps the others in `pending`. A message that ends early stops the walk with
// truncatedMessage set; a malformed name fails the whole message.
DnsStatus walkChain(const Reader& r, size_t pos, uint16_t count, DnsResponse& out,
                    PendingCnames& pending) {
  Record rec;
  for (uint16_t i = 0; i < count; ++i) {
    const size_t start = pos;
    const DnsStatus s = readRecord(r, pos, rec);
    if (s == DnsStatus::Truncated) {
      out.truncatedMessage = true;
      return DnsStatus::Ok;
    }
    if (s != DnsStatus::Ok) return s;
    if (rec.cls != kClassIn || rec.type != kTypeCname) continue;
    if (sameName(rec.owner, chainTail(out))) {
      const DnsStatus ts = appendTarget(r, rec.rdata, rec.rdata + rec.rdlength, out);
      if (ts != DnsStatus::Ok) return ts;
    } else if (!inChain(out, rec.owner) && pending.count < PendingCnames::kMax) {
      const size_t k = pending.count++;
      pending.owner[k] = start;
      pending.rdata[k] = rec.rdata;
      pending.rdataEnd[k] = rec.rdata + rec.rdlength;
      pending.used[k] = false;
    }
  }
  return DnsStatus::Ok;
}

// Places the pending CNAMEs that continue the chain, looking again after each new link.
DnsStatus resolvePending(const Reader& r, PendingCnames& pending, DnsResponse& out) {
  DnsName owner;
  for (bool grew = true; grew && out.chainLen < DnsResponse::kMaxChain;) {
    grew = false;
    for (size_t k = 0; k < pending.count; ++k) {
      size_t next = 0;
      if (pending.used[k] || readName(r, pending.owner[k], owner, next) != DnsStatus::Ok ||
          !sameName(owner, chainTail(out))) {
        continue;
      }
      pending.used[k] = true;
      const uint8_t before = out.chainLen;
      const DnsStatus s = appendTarget(r, pending.rdata[k], pending.rdataEnd[k], out);
      if (s != DnsStatus::Ok) return s;
      grew = grew || out.chainLen != before;
    }
  }
  return DnsStatus::Ok;
}

// Second walk: collects A/AAAA records owned by qname or a chain name.
void walkAddresses(const Reader& r, size_t pos, uint16_t count, DnsResponse& out) {
  Record rec;
  for (uint16_t i = 0; i < count; ++i) {
    if (readRecord(r, pos, rec) != DnsStatus::Ok) return;  // the first walk reported it
    const bool isA = rec.type == kTypeA && rec.rdlength == 4;
    const bool isAaaa = rec.type == kTypeAaaa && rec.rdlength == 16;
    if (rec.cls != kClassIn || !(isA || isAaaa) || !inChain(out, rec.owner)) continue;
    if (out.answerCount == DnsResponse::kMaxAnswers) return;
    DnsResponse::Answer& a = out.answers[out.answerCount++];
    a.addr = isA ? IpAddress::fromV4(r.msg + rec.rdata) : IpAddress::fromV6(r.msg + rec.rdata);
    a.ttl = rec.ttl;
  }
}

}  // namespace

DnsStatus parseDnsResponse(const uint8_t* msg, size_t len, DnsResponse& out) {
  out.id = 0;
  out.rcode = 0;
  out.truncatedFlag = false;
  out.truncatedMessage = false;
  out.qname.len = 0;
  out.qname.text[0] = '\0';
  out.chainLen = 0;
  out.answerCount = 0;
  if (msg == nullptr || len < kHeaderLen) return DnsStatus::Truncated;

  Reader r{msg, len};
  const uint16_t flags = readBe16(msg + 2);
  if ((flags & 0x8000) == 0 || ((flags >> 11) & 0xF) != 0) return DnsStatus::NotResponse;
  out.id = readBe16(msg);
  out.truncatedFlag = (flags & 0x0200) != 0;
  out.rcode = uint8_t(flags & 0xF);
  const uint16_t qdcount = readBe16(msg + 4);
  const uint16_t ancount = readBe16(msg + 6);

  size_t pos = kHeaderLen;
  DnsName skipped;
  for (uint16_t i = 0; i < qdcount; ++i) {
    size_t next = 0;
    int jumps = 0;
    const DnsStatus s = readName(r, pos, i == 0 ? out.qname : skipped, next, &jumps);
    if (s != DnsStatus::Ok) return s;
    if (i == 0 && jumps < kMaxNameJumps) r.qname = &out.qname;
    if (len - next < 4) return DnsStatus::Truncated;  // qtype, qclass
    pos = next + 4;
  }
  // Without a question there is nothing to attribute the answers to (e.g. mDNS announcements).
  if (qdcount == 0) return DnsStatus::Ok;

  PendingCnames pending;
  DnsStatus s = walkChain(r, pos, ancount, out, pending);
  if (s == DnsStatus::Ok) s = resolvePending(r, pending, out);
  if (s != DnsStatus::Ok) return s;
  walkAddresses(r, pos, ancount, out);
  return DnsStatus::Ok;
}

}  // namespace egressmon
