// Fuzzes the ClientHello reader at both layers and the stream-prefix assembler. The input is
// parsed directly, then cut at pseudo-random points derived from its own bytes, fed to the
// assembler shuffled, duplicated and overlapping, and the reassembled prefix must be the input
// and must parse exactly as the input did. Any broken invariant aborts.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "egressmon/names/tls.h"

namespace {

using egressmon::ClientHelloInfo;
using egressmon::StreamPrefixAssembler;
using egressmon::TlsStatus;

void require(bool ok) {
  if (!ok) std::abort();
}

void checkInfo(TlsStatus s, const ClientHelloInfo& info) {
  require(s < TlsStatus::kCount);
  require(std::strlen(egressmon::tlsStatusName(s)) > 0);
  require(info.sniLen <= ClientHelloInfo::kMaxName && info.sni[info.sniLen] == '\0');
  require(info.alpnLen <= ClientHelloInfo::kMaxAlpn && info.alpn[info.alpnLen] == '\0');
  require(info.hasSni == (info.sniLen > 0));
  for (size_t i = 0; i < info.sniLen; ++i) {
    const char c = info.sni[i];
    require(c > 0x20 && c < 0x7f && !(c >= 'A' && c <= 'Z'));
  }
  if (info.sniLen > 0) require(info.sni[info.sniLen - 1] != '.');
  require(info.alpnLen == 0 || (info.alpn[0] != ',' && info.alpn[info.alpnLen - 1] != ','));
}

bool sameInfo(const ClientHelloInfo& a, const ClientHelloInfo& b) {
  return a.sniView() == b.sniView() && a.alpnView() == b.alpnView() && a.hasSni == b.hasSni &&
         a.ech == b.ech && a.legacyVersion == b.legacyVersion && a.maxVersion == b.maxVersion;
}

// xorshift64*, seeded from the input so every run of one input is the same.
struct Rng {
  uint64_t s;
  uint64_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545f4914f6cdd1dull;
  }
};

struct Piece {
  uint32_t offset;
  uint32_t len;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ClientHelloInfo direct;
  const TlsStatus records = egressmon::parseClientHelloRecords(data, size, direct);
  checkInfo(records, direct);
  ClientHelloInfo info;
  checkInfo(egressmon::parseClientHelloHandshake(data, size, info), info);
  checkInfo(egressmon::parseClientHelloHandshakePrefix(data, size, info), info);
  (void)egressmon::looksLikeTlsHandshake(data, size);

  // Through the assembler.
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a over the input picks the cuts
  for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 0x100000001b3ull;
  Rng rng{h | 1};
  static StreamPrefixAssembler assembler;  // 16 KiB: not on the stack
  const uint32_t isn = static_cast<uint32_t>(rng.next());
  assembler.reset(isn);
  const size_t total = std::min(size, StreamPrefixAssembler::kMaxCapacity + 100);
  constexpr size_t kMaxPieces = 256;
  Piece pieces[kMaxPieces];
  size_t count = 0;
  for (size_t pos = 0; pos < total && count < kMaxPieces;) {
    const size_t back = std::min<size_t>(pos, rng.next() % 8 == 0 ? rng.next() % 32 : 0);
    const size_t len = 1 + rng.next() % (count + 1 == kMaxPieces ? total : 700);
    const size_t end = std::min(total, pos + len);
    pieces[count++] = {static_cast<uint32_t>(pos - back), static_cast<uint32_t>(end - pos + back)};
    pos = end;
  }
  for (size_t i = count; i > 1; --i) std::swap(pieces[i - 1], pieces[rng.next() % i]);
  for (size_t i = 0; i < count; ++i) {
    const Piece& p = pieces[i];
    const size_t before = assembler.contiguous();
    const size_t after = assembler.add(isn + p.offset, data + p.offset, p.len);
    require(after >= before && after <= StreamPrefixAssembler::kMaxCapacity);
    if (rng.next() % 4 == 0) assembler.add(isn + p.offset, data + p.offset, p.len);  // dup
  }
  // Old and far-future data must change nothing.
  const size_t settled = assembler.contiguous();
  if (size > 0) {
    assembler.add(isn - 1, data, 1);
    assembler.add(isn + 0x80000000u, data, size);
    assembler.add(isn + static_cast<uint32_t>(StreamPrefixAssembler::kMaxCapacity), data, size);
  }
  require(assembler.contiguous() == settled);
  // Anything dropped for want of hole slots comes back in order, as a sender would resend it.
  std::sort(pieces, pieces + count, [](const Piece& a, const Piece& b) { return a.offset < b.offset; });
  for (size_t i = 0; i < count; ++i) {
    assembler.add(isn + pieces[i].offset, data + pieces[i].offset, pieces[i].len);
  }
  const size_t expect = std::min(total, StreamPrefixAssembler::kMaxCapacity);
  require(assembler.contiguous() == expect);
  require(expect == 0 || std::memcmp(assembler.data(), data, expect) == 0);

  ClientHelloInfo viaAssembler;
  ClientHelloInfo viaPrefix;
  const TlsStatus a = egressmon::parseClientHelloRecords(assembler.data(), expect, viaAssembler);
  const TlsStatus b = egressmon::parseClientHelloRecords(data, expect, viaPrefix);
  require(a == b && sameInfo(viaAssembler, viaPrefix));
  if (expect == size) require(a == records && sameInfo(viaAssembler, direct));
  return 0;
}
