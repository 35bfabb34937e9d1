#include "egressmon/judge/flow_judge.h"

#include <limits>
#include <utility>

#include "egressmon/alerts/pipeline.h"
#include "egressmon/apps/public_suffix.h"
#include "egressmon/geo/geo.h"
#include "egressmon/naming/flow_namer.h"

namespace egressmon {

namespace {

HostSource hostSourceOf(NameSource s) {
  switch (s) {
    case NameSource::Dns: return HostSource::Dns;
    case NameSource::Http: return HostSource::Http;
    case NameSource::Sni: return HostSource::Sni;
    case NameSource::Quic: return HostSource::Quic;
    case NameSource::None: break;
  }
  return HostSource::None;
}

}  // namespace

FlowJudge::FlowJudge(std::shared_ptr<const Policy> policy, AlertPipeline& alerts,
                     const GeoResolver& geo, JudgeConfig cfg)
    : policy_(std::move(policy)),
      alerts_(alerts),
      geo_(geo),
      cfg_(cfg),
      hold_(policy_->timing().hold),
      holdPackets_(policy_->timing().holdPackets),
      staleAfter_(cfg.dbBuildEpoch == 0
                      ? std::numeric_limits<TimeUs>::max()
                      : (TimeUs(cfg.dbBuildEpoch) + int64_t(cfg.maxAgeDays) * 86400) * kUsPerSec) {}

Verdict FlowJudge::evaluate(const Flow& f, const FlowNaming& naming, TimeUs now) const {
  FlowFacts facts;
  facts.remote = f.remoteAddr();
  facts.geo = f.remoteGeo;
  facts.app = naming.appId;
  facts.appName = naming.app;
  facts.hostname = naming.hostname;
  facts.bytesOut = f.bytesOut;
  facts.dataOut = (f.bits & Flow::kDataOut) != 0;
  facts.hiddenName = (f.nameFlags & (Flow::kNameEch | Flow::kNameEncryptedDns)) != 0;
  facts.dbStale = now > staleAfter_;
  facts.remoteIsLocal = f.locality == Locality::LocalLocal;
  facts.initiatorLocal = f.initiatorLocal();
  return policy_->evaluate(facts);
}

void FlowJudge::judge(Flow& f, const FlowNaming& naming, TimeUs now) {
  ++stats_.judgements;
  if (f.bits & Flow::kJudgedOnce) ++stats_.rejudged;
  const Verdict v = evaluate(f, naming, now);
  if (v.alerting && !v.shouldAlert) {
    // No data sent yet, or below min_bytes_out: look again once there is data.
    f.bits |= Flow::kAwaitData;
    return;
  }
  if (v.shouldAlert) raise(f, naming, v, now);
  f.bits |= Flow::kJudged | Flow::kJudgedOnce;
}

Verdict FlowJudge::finish(const Flow& f, const FlowNaming& naming, TimeUs now) {
  const bool lateName = f.nameId == 0 && !naming.hostname.empty();
  const Verdict v = evaluate(f, naming, now);
  if (!(f.bits & Flow::kJudged) || lateName) {
    ++stats_.judgements;
    if (v.shouldAlert) raise(f, naming, v, now);
  }
  ++stats_.recordsByVerdict[size_t(v.kind)];
  if (v.kind == VerdictKind::Indeterminate) ++stats_.recordsByReason[size_t(v.reason)];
  return v;
}

void FlowJudge::tick(TimeUs now) { alerts_.tick(now); }

void FlowJudge::raise(const Flow& f, const FlowNaming& naming, const Verdict& v, TimeUs now) {
  Alert a;
  a.time = now;
  const bool out = v.kind == VerdictKind::OutOfRegion;
  a.severity = out ? cfg_.outOfRegion : cfg_.indeterminate;
  a.verdict = out ? AlertVerdict::OutOfRegion : AlertVerdict::Indeterminate;
  if (!out) a.reason = std::string(indeterminateReasonName(v.reason));
  a.rule = std::string(v.rule);
  a.app = std::string(naming.app);
  a.hostname = std::string(naming.hostname);
  a.hostSource = hostSourceOf(naming.source);
  if (!a.hostname.empty()) a.domain = registrableDomain(a.hostname);
  a.remoteAddr = f.remoteAddr();
  a.localAddr = f.localAddr();
  a.remotePort = f.remotePort();  // 0 for protocols without ports; the formats leave it out
  a.localPort = f.localPort();
  a.country = f.remoteGeo.country;
  a.registeredCountry = f.remoteGeo.registeredCountry;
  a.asn = f.remoteGeo.asn;
  if (a.asn != 0) a.asOrg = geo_.asOrg(a.remoteAddr);
  a.protocol = f.key.proto;
  a.initiator = f.initiatorLocal() ? Initiator::Local : Initiator::Remote;
  a.initiatorGuessed = f.initiatorGuessed();
  a.bytesOut = f.bytesOut;
  a.packetsOut = f.pktsOut;
  a.bytesIn = f.bytesIn;
  a.packetsIn = f.pktsIn;
  a.flowId = f.id;
  ++stats_.alerts;
  alerts_.raise(std::move(a));
}

}  // namespace egressmon
