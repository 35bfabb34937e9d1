// Fuzzes QuicInitialReader::feed with 1-3 datagrams per input, all to one reader.
// Byte 0 picks the mode. Even: the rest after bytes 1-2 (cut points) is raw datagrams. Odd: the
// rest is Initial payload (frames) split in two, protected like a real client would, so inputs
// get past AES-GCM to the frame parser and CRYPTO reassembly. Mode bits for odd inputs:
// 1 = QUIC v2, 2-3 = packet number length - 1, 4 = feed in reverse, 5 = coalesce both into
// one datagram, 6 = second packet sent to another DCID with the first DCID's keys.
// Byte 1: DCID length (mod 21). Byte 2: where the payload is cut.
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "egressmon/names/quic.h"

namespace {

using egressmon::ClientHelloInfo;
using egressmon::QuicInitialReader;
using egressmon::QuicStatus;

void check(const QuicInitialReader& r, QuicStatus s, const ClientHelloInfo& info) {
  if (r.cryptoLength() > QuicInitialReader::kMaxCrypto) __builtin_trap();
  if (egressmon::quicStatusName(s) == nullptr) __builtin_trap();
  if (s == QuicStatus::Ok) {
    if (info.sniLen > ClientHelloInfo::kMaxName || info.alpnLen > ClientHelloInfo::kMaxAlpn ||
        std::strlen(info.sni) != info.sniLen || std::strlen(info.alpn) != info.alpnLen)
      __builtin_trap();
  }
}

void feed(QuicInitialReader& r, const uint8_t* p, size_t n) {
  ClientHelloInfo info;
  // An exact-size heap copy, so ASan sees any read past the datagram.
  std::vector<uint8_t> copy(p, p + n);
  const QuicStatus s = r.feed(n ? copy.data() : nullptr, n, info);
  check(r, s, info);
}

std::vector<uint8_t> protect(const egressmon::quic_detail::InitialSpec& spec, const uint8_t* p,
                             size_t n) {
  std::vector<uint8_t> out(n + 128);
  out.resize(egressmon::quic_detail::protectClientInitial(spec, p, n, out.data(), out.size()));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const uint8_t mode = data[0];
  const uint8_t a = data[1];
  const uint8_t b = data[2];
  const uint8_t* rest = data + 3;
  const size_t n = size - 3;
  auto reader = std::make_unique<QuicInitialReader>();
  if ((mode & 1) == 0) {
    const size_t cut1 = n * a / 255;
    const size_t cut2 = cut1 + (n - cut1) * b / 255;
    feed(*reader, rest, cut1);
    if (cut2 > cut1) feed(*reader, rest + cut1, cut2 - cut1);
    if (n > cut2) feed(*reader, rest + cut2, n - cut2);
    return 0;
  }
  static constexpr uint8_t kCid1[20] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08, 1,  2,
                                        3,    4,    5,    6,    7,    8,    9,    10,   11, 12};
  static constexpr uint8_t kCid2[20] = {0xf0, 0x67, 0xa5, 0x50, 0x2a, 0x42, 0x62, 0xb5, 9, 8,
                                        7,    6,    5,    4,    3,    2,    1,    0,    1, 2};
  egressmon::quic_detail::InitialSpec s1;
  s1.version = (mode & 2) ? egressmon::quic_detail::kVersion2 : egressmon::quic_detail::kVersion1;
  s1.pnLen = static_cast<uint8_t>(((mode >> 2) & 3) + 1);
  s1.dcid = kCid1;
  s1.dcidLen = static_cast<uint8_t>(a % 21);
  s1.packetNumber = 0;
  egressmon::quic_detail::InitialSpec s2 = s1;
  s2.packetNumber = 1;
  if (mode & 0x40) {
    s2.dcid = kCid2;
    s2.dcidLen = 8;
    s2.keyDcid = s1.dcid;
    s2.keyDcidLen = s1.dcidLen;
  }
  const size_t cut = n * b / 255;
  std::vector<uint8_t> p1 = protect(s1, rest, cut);
  std::vector<uint8_t> p2 = protect(s2, rest + cut, n - cut);
  if (mode & 0x10) p1.swap(p2);
  if (mode & 0x20) {
    p1.insert(p1.end(), p2.begin(), p2.end());
    feed(*reader, p1.data(), p1.size());
  } else {
    feed(*reader, p1.data(), p1.size());
    feed(*reader, p2.data(), p2.size());
  }
  return 0;
}
