#pragma once
// The engine: capture -> decode -> flow table -> geolocation, on one thread. The same engine
// serves `egressmon analyze` (files) and the daemon (live sources): all time is packet time.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "egressmon/capture/packet_source.h"
#include "egressmon/decode/packet.h"
#include "egressmon/flow/flow_table.h"
#include "egressmon/flow/local_networks.h"
#include "egressmon/naming/flow_namer.h"
#include "egressmon/policy/policy.h"

namespace egressmon {

class GeoResolver;
class AppCatalog;
class FlowJudge;

/// Where finished flow records go (the analyze report; export later).
class FlowSink {
public:
  virtual ~FlowSink() = default;
  /// Called on the engine thread for every record: idle, evicted, active cut, end of input.
  /// `naming` views are valid during the call only. `verdict` is the region policy's verdict
  /// the record ends with, or null when the engine runs without a policy; its `rule` view
  /// lives as long as the policy.
  virtual void onFlowRecord(const Flow& flow, const FlowNaming& naming, EndReason reason,
                            const Verdict* verdict) = 0;
};

struct EngineConfig {
  FlowTableConfig flow;
  FlowNamerConfig naming;
  std::vector<IpPrefix> localNetworks = LocalNetworks::defaults();
};

struct EngineStats {
  uint64_t packetsRead = 0;
  uint64_t bytesRead = 0;         // wire bytes of all packets read
  uint64_t packetsDecoded = 0;    // decoded and counted to a flow (or a fragment)
  uint64_t packetsUnsupportedLink = 0;
  std::array<uint64_t, size_t(DecodeStatus::kCount)> skipped{};  // by DecodeStatus
  uint64_t sourcesRead = 0;
  uint64_t sourcesFailed = 0;
  uint64_t sourcesUnsupported = 0;
  TimeUs firstPacket = 0;
  TimeUs lastPacket = 0;

  uint64_t skippedTotal() const;
};

class Engine final : private FlowObserver, private PacketHandler {
public:
  /// `geo` and `sink` must outlive the engine; `apps` may be null (no app attribution);
  /// `judge`, when given, judges every flow against the region policy and raises its alerts
  /// (it must outlive the engine). Called and used on one thread only.
  Engine(const EngineConfig& cfg, GeoResolver& geo, FlowSink& sink,
         std::shared_ptr<const AppCatalog> apps = nullptr, FlowJudge* judge = nullptr);
  ~Engine() override;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Reads a source to its end. An unsupported link type is reported once (returned as an
  /// error) and its packets are counted and skipped; a read error ends that source.
  Status run(PacketSource& src);
  /// Ends all open flows (end of input). Call once after the last source.
  void finish();

  const EngineStats& stats() const { return stats_; }
  const FlowTable& flows() const { return table_; }
  const FlowNamer& namer() const { return namer_; }

private:
  void onFlowStart(Flow& flow) override;
  void onFlowEnd(const Flow& flow, EndReason reason) override;
  void onRawPacket(const RawPacket& raw) override;

  // Packets are read in batches: each is copied into its batch's arena (libpcap reuses its
  // buffer), decoded and keyed, and its index slot prefetched. Three batches are in flight:
  // when one is full, the flows of the one before it are prefetched (its index slots have
  // arrived by then) and the oldest is counted (its flows have arrived), so the cache misses
  // of many packets overlap instead of queueing one packet at a time. Order is preserved.
  static constexpr size_t kBatch = 32;
  static constexpr size_t kStages = 3;
  static constexpr size_t kArenaBytes = size_t(1) << 20;
  struct Pending {
    PacketView view;
    FlowTable::PreparedKey key;
    bool keyed = false;
  };
  struct Stage {
    std::unique_ptr<Pending[]> pending;
    std::unique_ptr<uint8_t[]> arena;
    size_t len = 0;
    size_t used = 0;
  };
  void rotate();          // the filling batch is full: advance the pipeline by one batch
  void drain();           // count every batch, oldest first
  void count(Stage& s);
  Stage& stage(size_t age) { return stages_[(filling_ + kStages - age) % kStages]; }
  Stage stages_[kStages];
  LinkType link_ = LinkType::Ethernet;  // of the source being read
  size_t filling_ = 0;

  LocalNetworks local_;
  GeoResolver& geo_;
  FlowSink& sink_;
  FlowJudge* judge_;
  TimeUs now_ = 0;  // the packet clock of the batch being counted (flow ends are judged at it)
  FlowNamer namer_;
  FlowTable table_;
  EngineStats stats_;
};

}  // namespace egressmon
