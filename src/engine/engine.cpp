#include "egressmon/engine/engine.h"

#include <cstring>

#include "egressmon/geo/geo.h"
#include "egressmon/judge/flow_judge.h"

namespace egressmon {

uint64_t EngineStats::skippedTotal() const {
  uint64_t n = 0;
  for (size_t i = 1; i < skipped.size(); ++i) n += skipped[i];
  return n + packetsUnsupportedLink;
}

Engine::Engine(const EngineConfig& cfg, GeoResolver& geo, FlowSink& sink,
               std::shared_ptr<const AppCatalog> apps, FlowJudge* judge)
    : local_(cfg.localNetworks),
      geo_(geo),
      sink_(sink),
      judge_(judge),
      namer_(cfg.naming, std::move(apps)),
      table_(cfg.flow, local_, *this) {
  for (Stage& st : stages_) {
    st.pending = std::make_unique<Pending[]>(kBatch);
    st.arena = std::make_unique<uint8_t[]>(kArenaBytes);
  }
}

Engine::~Engine() = default;

void Engine::onFlowStart(Flow& flow) {
  flow.remoteGeo = geo_.resolve(flow.remoteAddr());
  namer_.onFlowStart(flow);  // after geo: apps may be matched by ASN
}

void Engine::onFlowEnd(const Flow& flow, EndReason reason) {
  const FlowNaming naming = namer_.describe(flow);
  if (judge_ != nullptr) {
    const Verdict v = judge_->finish(flow, naming, now_ > flow.lastSeen ? now_ : flow.lastSeen);
    sink_.onFlowRecord(flow, naming, reason, &v);
  } else {
    sink_.onFlowRecord(flow, naming, reason, nullptr);
  }
  if (reason != EndReason::ActiveTimeout) namer_.release(flow);
}

Status Engine::run(PacketSource& src) {
  ++stats_.sourcesRead;
  const auto link = src.linkType();
  if (!link) {
    // Count what we skip so the statistics still add up, then report once.
    RawPacket raw;
    uint64_t n = 0;
    while (src.next(raw) == PacketSource::Next::Packet) ++n;
    stats_.packetsRead += n;
    stats_.packetsUnsupportedLink += n;
    ++stats_.sourcesUnsupported;
    return Error{src.name() + ": unsupported link type " + src.linkTypeName() + ", " +
                 std::to_string(n) + " packets skipped"};
  }
  link_ = *link;
  while (true) {
    const auto r = src.dispatch(*this, int(kBatch));
    if (r == PacketSource::Next::Packet) continue;
    drain();
    if (r == PacketSource::Next::Timeout) continue;
    table_.advance(stats_.lastPacket);
    if (r == PacketSource::Next::End) return Ok{};
    ++stats_.sourcesFailed;
    return Error{src.name() + ": read error: " + src.lastError()};
  }
}

void Engine::onRawPacket(const RawPacket& raw) {
  ++stats_.packetsRead;
  stats_.bytesRead += raw.wireLen;
  if (stats_.firstPacket == 0 || raw.ts < stats_.firstPacket) stats_.firstPacket = raw.ts;
  if (raw.ts > stats_.lastPacket) stats_.lastPacket = raw.ts;
  const uint32_t capLen = raw.capLen < kArenaBytes ? raw.capLen : uint32_t(kArenaBytes);
  if (capLen > kArenaBytes - stages_[filling_].used) rotate();
  Stage& stage = stages_[filling_];
  uint8_t* copy = stage.arena.get() + stage.used;
  std::memcpy(copy, raw.data, capLen);
  Pending& pd = stage.pending[stage.len];
  const DecodeStatus st = decodePacket(link_, copy, capLen, raw.wireLen, pd.view);
  if (st != DecodeStatus::Ok) {
    ++stats_.skipped[size_t(st)];
    return;
  }
  pd.view.ts = raw.ts;
  pd.keyed = FlowTable::prepare(pd.view, pd.key);
  // The index slot's miss overlaps with reading and decoding the rest of the batch.
  if (pd.keyed) table_.prefetchIndex(pd.key.hash);
  stage.used += (capLen + 7u) & ~size_t(7);  // keep copies 8-byte aligned
  ++stats_.packetsDecoded;
  if (++stage.len == kBatch) rotate();
}

void Engine::count(Stage& st) {
  if (st.len != 0) {
    if (st.pending[0].view.ts > now_) now_ = st.pending[0].view.ts;
    table_.advance(st.pending[0].view.ts);
  }
  for (size_t i = 0; i < st.len; ++i) {
    const Pending& pd = st.pending[i];
    Flow* f = table_.onPacket(pd.view, pd.key);
    if (f == nullptr) continue;
    if (namer_.wants(*f, pd.view)) {
      const uint32_t name = f->nameId;
      const uint16_t app = f->appId;
      namer_.onPacket(*f, pd.view, pd.key.srcIsA == f->localIsA());
      if (f->nameId != name || f->appId != app) f->bits &= uint8_t(~Flow::kJudged);
    }
    if (judge_ != nullptr && !(f->bits & Flow::kJudged)) {
      if (pd.view.ts > now_) now_ = pd.view.ts;
      if (judge_->due(*f, now_)) judge_->judge(*f, namer_.refresh(*f), now_);
    }
  }
  if (judge_ != nullptr && st.len != 0) judge_->tick(now_);
  st.len = 0;
  st.used = 0;
}

void Engine::rotate() {
  Stage& previous = stage(1);
  for (size_t i = 0; i < previous.len; ++i) {
    const Pending& pd = previous.pending[i];
    // A packet that will start a flow: its answer-cache look-up's sets load now too.
    if (pd.keyed && table_.prefetchFlow(pd.key.hash) && namer_.hasAnswers())
      namer_.prefetchStart(pd.view, table_.localIsSrc(pd.view));
  }
  filling_ = (filling_ + 1) % kStages;
  count(stages_[filling_]);  // the oldest batch: its flows were prefetched one batch ago
}

void Engine::drain() {
  for (size_t age = kStages - 1; age + 1 > 0; --age) count(stage(age));
}

void Engine::finish() { table_.flushAll(); }

}  // namespace egressmon
