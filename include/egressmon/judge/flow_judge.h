#pragma once
// Judges flows against the region policy on the engine thread and raises their alerts.
//
// A flow is judged once its name and app are settled (the namer has finished looking at its
// first payload and found a name or an app) or once its hold has passed (AlertTiming: packet time since
// the flow's first packet, or packets sent), and at the latest when its record ends. A verdict
// that alerts raises one alert through the AlertPipeline as soon as the local side has sent
// min_bytes_out; until then the flow is looked at again on each packet. When the namer changes
// a judged flow's name or app, the engine clears Flow::kJudged and the flow is judged again, so
// an alert raised before the app was known is followed by one that names it (the deduplicator
// counts the flow once).
//
// Cost on the packet path: one bit test per packet for settled flows (inline in the engine);
// the hold check for flows not judged yet; Policy::evaluate() (allocation-free) when one is
// judged. Building an alert allocates (strings), once per alerting flow.
#include <array>
#include <cstdint>
#include <memory>

#include "egressmon/alerts/alert.h"
#include "egressmon/core/time.h"
#include "egressmon/flow/flow.h"
#include "egressmon/policy/policy.h"

namespace egressmon {

class AlertPipeline;
class GeoResolver;
struct FlowNaming;

struct JudgeConfig {
  Severity outOfRegion = Severity::Warning;    // severity of out_of_region alerts
  Severity indeterminate = Severity::Info;     // severity of alerting indeterminate verdicts
  uint64_t dbBuildEpoch = 0;  // the country DB's build time (seconds; 0 = unknown: never stale)
  int maxAgeDays = 45;        // [geo] max_age_days: older than this at packet time is stale
};

struct JudgeStats {
  uint64_t judgements = 0;  // Policy::evaluate() calls
  uint64_t rejudged = 0;    // flows judged again after their name or app changed
  uint64_t alerts = 0;      // alerts handed to the pipeline
  /// Verdicts of finished flow records, by VerdictKind (the verdict each record ended with).
  std::array<uint64_t, 5> recordsByVerdict{};
  /// Indeterminate records by reason (IndeterminateReason).
  std::array<uint64_t, size_t(IndeterminateReason::kCount)> recordsByReason{};
};

class FlowJudge {
public:
  /// `policy` must not be null. `alerts` and `geo` must outlive the judge. Engine thread only.
  FlowJudge(std::shared_ptr<const Policy> policy, AlertPipeline& alerts, const GeoResolver& geo,
            JudgeConfig cfg);

  /// Whether a flow not yet judged may be judged now: its hold has passed or its name is
  /// settled. Inline: it runs on packets of flows not judged yet.
  bool ready(const Flow& f, TimeUs now) const {
    if (now - f.firstSeen >= hold_) return true;
    if (holdPackets_ != 0 && f.pktsOut >= holdPackets_) return true;
    // Settled: the namer is done with the flow and found a name or an app, or the remote
    // end opened it (such flows are named from DNS only, at their start).
    return (f.nameFlags & Flow::kInspectDone) &&
           (f.nameSource != 0 || f.appId != 0 || !(f.bits & Flow::kInitiatorLocal));
  }

  /// Whether a live flow is to be judged on this packet: not judged for its current name and
  /// app, ready, and not waiting for data the local side has not sent yet. Inline: it runs on
  /// every packet of flows not judged yet.
  bool due(const Flow& f, TimeUs now) const {
    if (f.bits & Flow::kJudged) return false;
    if ((f.bits & (Flow::kAwaitData | Flow::kDataOut)) == Flow::kAwaitData) return false;
    return ready(f, now);
  }

  /// Judges a live flow at packet time `now` and raises its alert when due. Sets
  /// Flow::kJudged once nothing more can change the outcome until its name or app changes, and
  /// Flow::kAwaitData when the verdict alerts but the local side has sent no data yet.
  void judge(Flow& f, const FlowNaming& naming, TimeUs now);

  /// The record of `f` ends (idle, evicted, end of input; not an active-timeout cut): judges it
  /// if it was not judged with this naming, raises what is due, and returns the verdict the
  /// record ends with (for reports). `now` is the engine's packet clock.
  Verdict finish(const Flow& f, const FlowNaming& naming, TimeUs now);

  /// Packet time moves on (once per batch): lets the pipeline write rate-limit summaries.
  void tick(TimeUs now);

  const Policy& policy() const { return *policy_; }
  const JudgeStats& stats() const { return stats_; }

private:
  Verdict evaluate(const Flow& f, const FlowNaming& naming, TimeUs now) const;
  void raise(const Flow& f, const FlowNaming& naming, const Verdict& v, TimeUs now);

  std::shared_ptr<const Policy> policy_;
  AlertPipeline& alerts_;
  const GeoResolver& geo_;
  JudgeConfig cfg_;
  TimeUs hold_;
  uint32_t holdPackets_;
  TimeUs staleAfter_;  // packet time from which the country DB counts as stale (max = never)
  JudgeStats stats_;
};

}  // namespace egressmon
