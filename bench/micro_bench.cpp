// egressmon-micro-bench: Google Benchmark micro-benchmarks of the packet path, on frames from
// the same synthetic traffic model as egressmon-gen-capture. Reports items (packets)/second.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "egressmon/decode/packet.h"
#include "egressmon/flow/flow_table.h"
#include "synth.h"

namespace {

using egressmon::DecodeStatus;
using egressmon::LinkType;
using egressmon::PacketView;
namespace synth = egressmon::bench;

// Frames laid out back to back, as a capture buffer holds them.
struct FrameSet {
  std::vector<uint8_t> bytes;
  std::vector<uint32_t> offset, capLen, wireLen;
  size_t size() const { return offset.size(); }
};

FrameSet mixedFrames(uint64_t packets, uint32_t snaplen) {
  synth::TrafficConfig cfg;
  cfg.packets = packets;
  cfg.concurrent = packets / 16;
  cfg.flows = packets / 8;
  cfg.snaplen = snaplen;
  synth::TrafficModel model(cfg);
  FrameSet fs;
  std::vector<uint8_t> buf(std::max(snaplen, synth::kMaxFrame));
  while (!model.done()) {
    const auto fr = model.next(buf.data());
    fs.offset.push_back(static_cast<uint32_t>(fs.bytes.size()));
    fs.capLen.push_back(fr.len.cap);
    fs.wireLen.push_back(fr.len.wire);
    fs.bytes.insert(fs.bytes.end(), buf.begin(), buf.begin() + fr.len.cap);
  }
  return fs;
}

// Fails the benchmark unless every frame decodes; the generator and decoder must agree.
bool checkAll(benchmark::State& st, const FrameSet& fs) {
  PacketView v;
  for (size_t i = 0; i < fs.size(); ++i) {
    const DecodeStatus s = egressmon::decodePacket(LinkType::Ethernet, fs.bytes.data() + fs.offset[i],
                                                   fs.capLen[i], fs.wireLen[i], v);
    if (s != DecodeStatus::Ok) {
      st.SkipWithError(("frame " + std::to_string(i) + " did not decode: " +
                        egressmon::decodeStatusName(s)).c_str());
      return false;
    }
  }
  return true;
}

// The mixed traffic of the capture benchmark: 65536 frames of many interleaved flows.
// Arg: snaplen (128 as in the capture, 1514 for whole frames).
void BM_DecodeMixed(benchmark::State& st) {
  const FrameSet fs = mixedFrames(1 << 16, static_cast<uint32_t>(st.range(0)));
  if (!checkAll(st, fs)) return;
  PacketView v;
  const uint8_t* base = fs.bytes.data();
  for (auto _ : st) {
    for (size_t i = 0; i < fs.size(); ++i) {
      const DecodeStatus s =
          egressmon::decodePacket(LinkType::Ethernet, base + fs.offset[i], fs.capLen[i], fs.wireLen[i], v);
      benchmark::DoNotOptimize(s);
      benchmark::DoNotOptimize(v);
    }
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations()) * static_cast<int64_t>(fs.size()));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations()) * static_cast<int64_t>(fs.bytes.size()));
}
BENCHMARK(BM_DecodeMixed)->Arg(128)->Arg(1514);

// One frame of a kind, decoded over and over (hot cache: the decoder's own cost).
enum class Kind { TcpV4Data, TcpV6Ack, UdpV4Quic, IcmpV6Echo };

FrameSet singleFrame(Kind k) {
  synth::FrameSpec f;
  f.srcMac = 0x020000000001ULL;
  f.dstMac = 0x00005e000101ULL;
  f.sport = 51234;
  f.dport = 443;
  f.seq = 1000;
  f.ack = 2000;
  f.window = 501;
  f.tcpFlags = 0x10;
  f.payloadSeed = 42;
  const uint8_t v4src[] = {10, 0, 0, 2}, v4dst[] = {142, 250, 1, 1};
  const uint8_t v6src[] = {0xfd, 0x65, 0x67, 0x6d, 0x6f, 0x6e, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2};
  const uint8_t v6dst[] = {0x2a, 0x00, 0x14, 0x50, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0e};
  const bool v6 = k == Kind::TcpV6Ack || k == Kind::IcmpV6Echo;
  f.v6 = v6;
  std::copy_n(v6 ? v6src : v4src, v6 ? 16 : 4, f.src.b);
  std::copy_n(v6 ? v6dst : v4dst, v6 ? 16 : 4, f.dst.b);
  switch (k) {
    case Kind::TcpV4Data:
      f.payloadLen = 1448;
      f.payload = synth::PayloadKind::TlsAppData;
      break;
    case Kind::TcpV6Ack:
      break;
    case Kind::UdpV4Quic:
      f.proto = 17;
      f.payloadLen = 1250;
      f.payload = synth::PayloadKind::QuicShort;
      break;
    case Kind::IcmpV6Echo:
      f.proto = 58;
      f.icmpType = 128;
      f.icmpId = 7;
      f.icmpSeq = 1;
      f.payloadLen = 56;
      f.payload = synth::PayloadKind::IcmpEcho;
      break;
  }
  FrameSet fs;
  fs.bytes.resize(128);
  const auto len = synth::buildFrame(f, fs.bytes.data(), 128);
  fs.bytes.resize(len.cap);
  fs.offset = {0};
  fs.capLen = {len.cap};
  fs.wireLen = {len.wire};
  return fs;
}

void BM_DecodeOne(benchmark::State& st, Kind k) {
  const FrameSet fs = singleFrame(k);
  if (!checkAll(st, fs)) return;
  PacketView v;
  for (auto _ : st) {
    const DecodeStatus s = egressmon::decodePacket(LinkType::Ethernet, fs.bytes.data(), fs.capLen[0], fs.wireLen[0], v);
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(v);
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations()));
}
BENCHMARK_CAPTURE(BM_DecodeOne, tcp_v4_data, Kind::TcpV4Data);
BENCHMARK_CAPTURE(BM_DecodeOne, tcp_v6_ack, Kind::TcpV6Ack);
BENCHMARK_CAPTURE(BM_DecodeOne, udp_v4_quic, Kind::UdpV4Quic);
BENCHMARK_CAPTURE(BM_DecodeOne, icmp_v6_echo, Kind::IcmpV6Echo);

}  // namespace

// The flow table alone, on pre-decoded packets of the traffic model (no I/O, no decode).
// Arg 0: concurrent flows; arg 1: 1 = batched with prefetch as the engine does, 0 = plain.
struct NullObserver final : egressmon::FlowObserver {
  void onFlowStart(egressmon::Flow&) override {}
  void onFlowEnd(const egressmon::Flow&, egressmon::EndReason) override {}
};

void BM_FlowTable(benchmark::State& st) {
  const uint64_t concurrent = static_cast<uint64_t>(st.range(0));
  const bool batched = st.range(1) != 0;
  synth::TrafficConfig cfg;
  cfg.packets = 2'000'000;
  cfg.concurrent = concurrent;
  cfg.flows = std::max<uint64_t>(concurrent * 2, cfg.packets / 20);
  synth::TrafficModel model(cfg);
  std::vector<uint8_t> buf(synth::kMaxFrame);
  std::vector<PacketView> views;
  views.reserve(cfg.packets);
  while (!model.done()) {
    const auto fr = model.next(buf.data());
    PacketView v;
    if (egressmon::decodePacket(LinkType::Ethernet, buf.data(), fr.len.cap, fr.len.wire, v) != DecodeStatus::Ok) {
      st.SkipWithError("generated frame did not decode");
      return;
    }
    v.ts = fr.tsUs;
    v.payload = nullptr;  // the frame buffer is reused; the table never reads payload
    views.push_back(v);
  }
  std::vector<egressmon::FlowTable::PreparedKey> keys(views.size());
  for (size_t i = 0; i < views.size(); ++i) egressmon::FlowTable::prepare(views[i], keys[i]);
  egressmon::LocalNetworks local;
  NullObserver obs;
  for (auto _ : st) {
    egressmon::FlowTable table(egressmon::FlowTableConfig{}, local, obs);
    constexpr size_t kB = 32;
    if (batched) {
      for (size_t b = 0; b < views.size(); b += kB) {
        const size_t e = std::min(views.size(), b + kB);
        for (size_t i = b; i < e; ++i) table.prefetchIndex(keys[i].hash);
        for (size_t i = b; i < e; ++i) table.prefetchFlow(keys[i].hash);
        table.advance(views[b].ts);
        for (size_t i = b; i < e; ++i) table.onPacket(views[i], keys[i]);
      }
    } else {
      for (size_t i = 0; i < views.size(); ++i) table.onPacket(views[i]);
    }
    benchmark::DoNotOptimize(table.size());
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations()) * static_cast<int64_t>(views.size()));
}
BENCHMARK(BM_FlowTable)->Args({1000, 0})->Args({1000, 1})->Args({100000, 0})->Args({100000, 1})
    ->Args({1000000, 0})->Args({1000000, 1})->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
