// Fuzzes decodePacket(). Input: byte 0 picks the LinkType (low 3 bits) and how much longer the
// frame was on the wire than captured (high 5 bits, to reach the TSO/jumbo paths); the rest is
// the captured frame. Traps when an Ok result breaks an invariant the callers rely on.
#include <cstddef>
#include <cstdint>

#include "egressmon/decode/packet.h"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using egressmon::DecodeStatus;
  if (size == 0 || size > 1'000'000) return 0;
  const auto link = egressmon::LinkType(data[0] % 8);
  const uint8_t* frame = data + 1;
  const auto capLen = uint32_t(size - 1);
  const uint32_t wireLen = capLen + uint32_t(data[0] >> 3) * 1021u;

  egressmon::PacketView v;
  v.ts = 42;
  const DecodeStatus st = egressmon::decodePacket(link, frame, capLen, wireLen, v);
  check(size_t(st) < size_t(DecodeStatus::kCount));
  check(egressmon::decodeStatusName(st)[0] != '\0');
  check(v.ts == 42 && v.capLen == capLen && v.wireLen == wireLen);
  if (st != DecodeStatus::Ok) return 0;

  check(v.payload != nullptr && v.payload >= frame && v.payload <= frame + capLen);
  check(v.payloadLen <= capLen - uint32_t(v.payload - frame));
  check(v.payloadLen <= v.payloadWireLen);
  check(v.ipVersion == 4 || v.ipVersion == 6);
  check(v.tunnelDepth <= 4 && v.vlanCount <= 8);
  check(v.hasPorts || (v.sport == 0 && v.dport == 0));
  check(v.fragOffset == 0 || !v.hasPorts);
  // Touch every payload byte so a sanitizer sees a bad pointer or length.
  volatile uint8_t sink = 0;
  for (uint32_t i = 0; i < v.payloadLen; ++i) sink = uint8_t(sink ^ v.payload[i]);
  return 0;
}
