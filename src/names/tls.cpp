// TLS ClientHello reader: the handshake message (bare, as QUIC carries it) and the TLS record
// layer of a TCP stream prefix. Every read is length-checked first; nothing allocates or throws.
#include "egressmon/names/tls.h"

#include <algorithm>
#include <cstring>

#include "egressmon/core/bytes.h"

namespace egressmon {
namespace {

constexpr uint8_t kContentHandshake = 22;
constexpr uint8_t kHandshakeClientHello = 1;
constexpr size_t kRecordHeader = 5;
constexpr size_t kHandshakeHeader = 4;
constexpr size_t kMaxRecordLen = 16384 + 2048;  // TLSCiphertext bound; plaintext is 2^14
constexpr size_t kRandomLen = 32;
constexpr size_t kMaxSessionId = 32;

constexpr uint16_t kExtServerName = 0;
constexpr uint16_t kExtAlpn = 16;
constexpr uint16_t kExtSupportedVersions = 43;
constexpr uint16_t kExtEch = 0xfe0d;
constexpr uint8_t kNameTypeHostName = 0;

// RFC 8701 GREASE code points: 0x0a0a, 0x1a1a, ... 0xfafa.
bool isGrease(uint16_t v) { return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff); }

// Visible ASCII without space: what may go into a name we log and match on.
bool isVisible(uint8_t c) { return c > 0x20 && c < 0x7f; }

// The outcome of one read. Cut: the bytes are declared but not here (a prefix of a longer
// message); Bad: the read would cross a declared length.
enum class Rd : uint8_t { Ok, Cut, Bad };

// A cursor over `avail` bytes of a field whose declared length is `declared` (>= avail).
// Reads never move on failure.
class Reader {
public:
  Reader() = default;
  Reader(const uint8_t* p, size_t avail, size_t declared)
      : p_(p), avail_(std::min(avail, declared)), declared_(declared) {}

  size_t declared() const { return declared_; }
  bool complete() const { return avail_ == declared_; }

  Rd check(size_t k) const {
    if (k > declared_) return Rd::Bad;
    if (k > avail_) return Rd::Cut;
    return Rd::Ok;
  }
  Rd u8(uint8_t& v) {
    const Rd r = check(1);
    if (r == Rd::Ok) {
      v = p_[0];
      advance(1);
    }
    return r;
  }
  Rd u16(uint16_t& v) {
    const Rd r = check(2);
    if (r == Rd::Ok) {
      v = readBe16(p_);
      advance(2);
    }
    return r;
  }
  Rd bytes(size_t k, const uint8_t*& out) {
    const Rd r = check(k);
    if (r == Rd::Ok) {
      out = p_;
      advance(k);
    }
    return r;
  }
  Rd skip(size_t k) {
    const Rd r = check(k);
    if (r == Rd::Ok) advance(k);
    return r;
  }
  // Splits off the next `k` declared bytes as `sub` (which may hold only part of them when this
  // reader is a prefix) and moves past them.
  Rd sub(size_t k, Reader& sub) {
    if (k > declared_) return Rd::Bad;
    const size_t a = std::min(k, avail_);
    sub = Reader(p_, a, k);
    p_ += a;
    avail_ -= a;
    declared_ -= k;
    return Rd::Ok;
  }

private:
  void advance(size_t k) {
    p_ += k;
    avail_ -= k;
    declared_ -= k;
  }
  const uint8_t* p_ = nullptr;
  size_t avail_ = 0;
  size_t declared_ = 0;
};

// Reads a u8- or u16-length-prefixed vector into `v`.
Rd vec8(Reader& r, Reader& v) {
  uint8_t n = 0;
  const Rd rd = r.u8(n);
  return rd == Rd::Ok ? r.sub(n, v) : rd;
}
Rd vec16(Reader& r, Reader& v) {
  uint16_t n = 0;
  const Rd rd = r.u16(n);
  return rd == Rd::Ok ? r.sub(n, v) : rd;
}

// server_name: the first host_name entry, if it is a sane name (1..255 visible ASCII bytes
// after one trailing dot is dropped, no empty label). A bad name is a field-level fault
// (hasSni stays false); a bad list structure is a message-level one.
bool readServerName(Reader ext, ClientHelloInfo& out) {
  Reader list;
  if (vec16(ext, list) != Rd::Ok || ext.declared() != 0) return false;
  bool seenHostName = false;
  while (list.declared() > 0) {
    uint8_t type = 0;
    Reader name;
    if (list.u8(type) != Rd::Ok || vec16(list, name) != Rd::Ok) return false;
    if (type != kNameTypeHostName || seenHostName) continue;
    seenHostName = true;
    size_t n = name.declared();
    const uint8_t* p = nullptr;
    if (name.bytes(n, p) != Rd::Ok) return false;
    if (n > 0 && p[n - 1] == '.') --n;  // "example.com." names the same host
    if (n == 0 || n > ClientHelloInfo::kMaxName) continue;
    if (!std::all_of(p, p + n, isVisible)) continue;
    if (p[0] == '.' || p[n - 1] == '.' || std::search_n(p, p + n, 2, '.') != p + n) {
      continue;  // an empty label: no host has that name
    }
    for (size_t i = 0; i < n; ++i) {
      const uint8_t c = p[i];
      out.sni[i] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    out.sni[n] = '\0';
    out.sniLen = static_cast<uint8_t>(n);
    out.hasSni = true;
  }
  return true;
}

// ALPN: protocol names joined with ','. GREASE names, empty ones and ones with bytes outside
// visible ASCII (or a ',') are skipped; the list is cut at the last name that fits.
bool readAlpn(Reader ext, ClientHelloInfo& out) {
  Reader list;
  if (vec16(ext, list) != Rd::Ok || ext.declared() != 0) return false;
  bool full = false;
  while (list.declared() > 0) {
    Reader name;
    if (vec8(list, name) != Rd::Ok) return false;
    const size_t n = name.declared();
    const uint8_t* p = nullptr;
    if (name.bytes(n, p) != Rd::Ok) return false;
    if (full || n == 0) continue;
    if (n == 2 && isGrease(readBe16(p))) continue;  // RFC 8701 GREASE ALPN ("\x0a\x0a"...)
    if (!std::all_of(p, p + n, [](uint8_t c) { return isVisible(c) && c != ','; })) continue;
    const size_t sep = out.alpnLen > 0 ? 1 : 0;
    if (out.alpnLen + sep + n > ClientHelloInfo::kMaxAlpn) {
      full = true;  // keep the list a prefix of what the client offered
      continue;
    }
    char* dst = out.alpn + out.alpnLen;
    if (sep) *dst++ = ',';
    std::memcpy(dst, p, n);
    out.alpnLen = static_cast<uint8_t>(out.alpnLen + sep + n);
    out.alpn[out.alpnLen] = '\0';
  }
  return true;
}

// supported_versions (ClientHello form): the highest non-GREASE 0x03xx version.
bool readSupportedVersions(Reader ext, ClientHelloInfo& out) {
  Reader list;
  if (vec8(ext, list) != Rd::Ok || ext.declared() != 0 || list.declared() % 2 != 0) return false;
  uint16_t best = 0;
  while (list.declared() > 0) {
    uint16_t v = 0;
    if (list.u16(v) != Rd::Ok) return false;
    if (!isGrease(v) && (v >> 8) == 3 && v > best) best = v;
  }
  if (best != 0) out.maxVersion = best;
  return true;
}

// The ClientHello body (after the 4-byte handshake header). In a prefix (`body` holds less
// than declared), running out inside the fixed fields is NeedMore and inside the extensions
// ends the parse with what was found.
TlsStatus parseBody(Reader body, ClientHelloInfo& out) {
  auto fixedFault = [](Rd r) { return r == Rd::Cut ? TlsStatus::NeedMore : TlsStatus::Malformed; };
  Rd r = Rd::Ok;
  if ((r = body.u16(out.legacyVersion)) != Rd::Ok) return fixedFault(r);
  if ((out.legacyVersion >> 8) != 3) return TlsStatus::Malformed;
  out.maxVersion = out.legacyVersion;
  if ((r = body.skip(kRandomLen)) != Rd::Ok) return fixedFault(r);
  Reader field;
  if ((r = vec8(body, field)) != Rd::Ok) return fixedFault(r);
  if (field.declared() > kMaxSessionId) return TlsStatus::Malformed;
  if (!field.complete()) return TlsStatus::NeedMore;
  if ((r = vec16(body, field)) != Rd::Ok) return fixedFault(r);
  if (field.declared() == 0 || field.declared() % 2 != 0) return TlsStatus::Malformed;
  if (!field.complete()) return TlsStatus::NeedMore;
  if ((r = vec8(body, field)) != Rd::Ok) return fixedFault(r);
  if (field.declared() == 0) return TlsStatus::Malformed;
  if (!field.complete()) return TlsStatus::NeedMore;
  if (body.declared() == 0) return TlsStatus::Ok;  // no extensions (SSL 3.0 / early TLS style)

  Reader exts;
  if ((r = vec16(body, exts)) == Rd::Bad || (r == Rd::Ok && body.declared() != 0)) {
    return TlsStatus::Malformed;
  }
  if (r == Rd::Cut) return TlsStatus::Ok;
  bool seenSni = false, seenAlpn = false, seenVersions = false;
  while (exts.declared() > 0) {
    uint16_t type = 0;
    Reader ext;
    if ((r = exts.u16(type)) != Rd::Ok || (r = vec16(exts, ext)) != Rd::Ok) {
      return r == Rd::Cut ? TlsStatus::Ok : TlsStatus::Malformed;
    }
    if (!ext.complete()) return TlsStatus::Ok;  // the prefix ends inside this extension
    bool ok = true;
    switch (type) {
      case kExtServerName:
        if (!seenSni) ok = readServerName(ext, out);
        seenSni = true;
        break;
      case kExtAlpn:
        if (!seenAlpn) ok = readAlpn(ext, out);
        seenAlpn = true;
        break;
      case kExtSupportedVersions:
        if (!seenVersions) ok = readSupportedVersions(ext, out);
        seenVersions = true;
        break;
      case kExtEch:
        out.ech = true;
        break;
      default:
        break;  // GREASE and everything else: skipped by length
    }
    if (!ok) return TlsStatus::Malformed;
  }
  return TlsStatus::Ok;
}

// Parses a handshake message of which `len` bytes are here; `prefixOk` says they are all
// there will ever be, so a longer message is read as far as it goes.
TlsStatus parseHandshake(const uint8_t* msg, size_t len, bool prefixOk, ClientHelloInfo& out) {
  out = ClientHelloInfo{};
  if (len == 0) return TlsStatus::NeedMore;
  if (msg[0] != kHandshakeClientHello) return TlsStatus::NotTls;
  if (len < kHandshakeHeader) return TlsStatus::NeedMore;
  const size_t bodyLen = readBe24(msg + 1);
  const size_t avail = len - kHandshakeHeader;
  if (avail < bodyLen && !prefixOk) return TlsStatus::NeedMore;
  return parseBody(Reader(msg + kHandshakeHeader, avail, bodyLen), out);
}

bool validRecordVersion(const uint8_t* p, size_t have) {
  return (have < 2 || p[1] == 3) && (have < 3 || p[2] <= 4);
}

}  // namespace

const char* tlsStatusName(TlsStatus s) {
  switch (s) {
    case TlsStatus::Ok: return "ok";
    case TlsStatus::NeedMore: return "need_more";
    case TlsStatus::NotTls: return "not_tls";
    case TlsStatus::Malformed: return "malformed";
    case TlsStatus::kCount: break;
  }
  return "unknown";
}

TlsStatus parseClientHelloHandshake(const uint8_t* msg, size_t len, ClientHelloInfo& out) {
  return parseHandshake(msg, len, false, out);
}

TlsStatus parseClientHelloHandshakePrefix(const uint8_t* msg, size_t len, ClientHelloInfo& out) {
  return parseHandshake(msg, len, true, out);
}

TlsStatus parseClientHelloRecords(const uint8_t* stream, size_t len, ClientHelloInfo& out) {
  out = ClientHelloInfo{};
  // A prefix as long as the assembler keeps is all the caller will ever have.
  const bool lastChance = len >= StreamPrefixAssembler::kMaxCapacity;
  // Only used when the ClientHello spans records; left uninitialised on purpose (16 KiB).
  uint8_t joined[StreamPrefixAssembler::kMaxCapacity];
  size_t have = 0;
  size_t need = 0;  // 4 + handshake length, once the header is known
  size_t pos = 0;
  bool first = true;
  while (pos < len) {
    const uint8_t* rec = stream + pos;
    const size_t left = len - pos;
    if (rec[0] != kContentHandshake || !validRecordVersion(rec, left)) {
      // Before the ClientHello: some other protocol (or CCS/alert). Mid-message: interleaving.
      return first ? TlsStatus::NotTls : TlsStatus::Malformed;
    }
    if (left < kRecordHeader) break;
    const size_t recLen = readBe16(rec + 3);
    if (recLen == 0 || recLen > kMaxRecordLen) return TlsStatus::Malformed;
    const uint8_t* frag = rec + kRecordHeader;
    const size_t fragHave = std::min(recLen, left - kRecordHeader);
    if (first) {
      first = false;
      if (fragHave >= 1 && frag[0] != kHandshakeClientHello) return TlsStatus::NotTls;
      if (fragHave >= kHandshakeHeader) {
        need = kHandshakeHeader + readBe24(frag + 1);
        if (fragHave >= need) return parseClientHelloHandshake(frag, need, out);  // no copy
      }
    }
    const size_t take = std::min(fragHave, sizeof(joined) - have);
    std::memcpy(joined + have, frag, take);
    have += take;
    if (need == 0 && have >= kHandshakeHeader) need = kHandshakeHeader + readBe24(joined + 1);
    if (need != 0 && have >= need) return parseClientHelloHandshake(joined, need, out);
    if (have == sizeof(joined)) return parseClientHelloHandshakePrefix(joined, have, out);
    if (fragHave < recLen) break;  // the stream ends inside this record
    pos += kRecordHeader + recLen;
  }
  if (lastChance && have > 0) return parseClientHelloHandshakePrefix(joined, have, out);
  return TlsStatus::NeedMore;
}

bool looksLikeTlsHandshake(const uint8_t* p, size_t len) {
  if (len == 0 || p[0] != kContentHandshake || !validRecordVersion(p, len)) return false;
  return len <= kRecordHeader || p[kRecordHeader] == kHandshakeClientHello;
}

}  // namespace egressmon
