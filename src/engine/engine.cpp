#include "egressmon/engine/engine.h"

#include "egressmon/geo/geo.h"

namespace egressmon {

uint64_t EngineStats::skippedTotal() const {
  uint64_t n = 0;
  for (size_t i = 1; i < skipped.size(); ++i) n += skipped[i];
  return n + packetsUnsupportedLink;
}

Engine::Engine(const EngineConfig& cfg, GeoResolver& geo, FlowSink& sink)
    : local_(cfg.localNetworks), geo_(geo), sink_(sink), table_(cfg.flow, local_, *this) {}

Engine::~Engine() = default;

void Engine::onFlowStart(Flow& flow) { flow.remoteGeo = geo_.resolve(flow.remoteAddr()); }

void Engine::onFlowEnd(const Flow& flow, EndReason reason) { sink_.onFlowRecord(flow, reason); }

Status Engine::run(PacketSource& src) {
  ++stats_.sourcesRead;
  const auto link = src.linkType();
  RawPacket raw;
  PacketView view;
  if (!link) {
    // Count what we skip so the statistics still add up, then report once.
    uint64_t n = 0;
    while (src.next(raw) == PacketSource::Next::Packet) ++n;
    stats_.packetsRead += n;
    stats_.packetsUnsupportedLink += n;
    ++stats_.sourcesUnsupported;
    return Error{src.name() + ": unsupported link type " + src.linkTypeName() + ", " +
                 std::to_string(n) + " packets skipped"};
  }
  while (true) {
    const auto r = src.next(raw);
    if (r == PacketSource::Next::Packet) {
      ++stats_.packetsRead;
      stats_.bytesRead += raw.wireLen;
      if (stats_.firstPacket == 0 || raw.ts < stats_.firstPacket) stats_.firstPacket = raw.ts;
      if (raw.ts > stats_.lastPacket) stats_.lastPacket = raw.ts;
      view.ts = raw.ts;
      const DecodeStatus st = decodePacket(*link, raw.data, raw.capLen, raw.wireLen, view);
      if (st != DecodeStatus::Ok) {
        ++stats_.skipped[size_t(st)];
        table_.advance(raw.ts);
        continue;
      }
      view.ts = raw.ts;
      ++stats_.packetsDecoded;
      table_.onPacket(view);
    } else if (r == PacketSource::Next::Timeout) {
      continue;
    } else if (r == PacketSource::Next::End) {
      return Ok{};
    } else {
      ++stats_.sourcesFailed;
      return Error{src.name() + ": read error: " + src.lastError()};
    }
  }
}

void Engine::finish() { table_.flushAll(); }

}  // namespace egressmon
