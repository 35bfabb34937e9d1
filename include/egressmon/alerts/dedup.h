#pragma once
// Alert deduplication: within a window of packet time only the first alert of a key is emitted;
// the repeats update the key's evidence, which the next emitted alert of the key carries.
// Memory is bounded: at most maxKeys keys, the least recently seen evicted (and counted).
#include <array>
#include <cstdint>
#include <functional>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include "egressmon/alerts/alert.h"

namespace egressmon {

struct DedupConfig {
  TimeUs window = seconds(600);  // 0 = no deduplication (every alert is emitted)
  size_t maxKeys = 4096;         // keys kept; the least recently seen is evicted beyond it
};

struct DedupStats {
  uint64_t offered = 0;         // offer() calls
  uint64_t emitted = 0;         // decisions Emit
  uint64_t repeats = 0;         // decisions Repeat (inside the key's window)
  uint64_t held = 0;            // decisions Held (would be emitted; the admit check refused)
  uint64_t evictions = 0;       // keys evicted to stay within maxKeys
  uint64_t evictedRepeats = 0;  // repeats (and held) of evicted keys never reported on an alert
};

enum class DedupDecision : uint8_t {
  Emit,    // first alert of the key in its window: emit it (its evidence is filled)
  Repeat,  // inside the window of an emitted alert of the key: counted into the evidence
  Held,    // would be emitted, but admit() said no (rate limit): counted as a repeat, and the
           // key's next alert is again a candidate for emission
};
std::string_view dedupDecisionName(DedupDecision d);

/// The dedup key of an alert as text: "app|CC|AS<n>", or with the ASN unknown
/// "app|CC|<registrable domain>", "app|CC|<host name>" (lower-cased), else "app|CC|<address>".
/// An unknown app is "-", an unknown country "??".
std::string alertDedupKey(const Alert& a);

/// Owned and called by one thread (the one that runs the policy). Allocates per new key and per
/// host name kept; never throws on input.
class AlertDeduplicator {
public:
  explicit AlertDeduplicator(DedupConfig cfg = {});

  /// Records `a` at packet time `now` under its key. On Emit, fills a.evidence (key, first and
  /// last seen, flows, bytes out, host sample, repeats suppressed since the key's last emitted
  /// alert, which then restarts from 0). `admit`, when given, is asked only for an alert that
  /// would be emitted; false makes the decision Held.
  DedupDecision offer(Alert& a, TimeUs now, const std::function<bool(TimeUs)>& admit = {});

  size_t size() const { return index_.size(); }
  const DedupStats& stats() const { return stats_; }
  const DedupConfig& config() const { return cfg_; }

private:
  // The last few flows of a key, so that a flow alerted twice (judged again once its name or
  // app became known) counts once and adds only its new bytes.
  static constexpr size_t kRecentFlows = 8;
  struct RecentFlow {
    uint64_t id = 0;
    uint64_t bytesOut = 0;
    bool used = false;
  };
  struct Entry {
    std::string key;
    TimeUs firstSeen = 0;
    TimeUs lastSeen = 0;
    TimeUs windowStart = 0;
    bool emittedOnce = false;
    uint64_t flows = 0;
    uint64_t bytesOut = 0;
    uint64_t repeats = 0;  // not emitted since the last emitted alert
    std::vector<std::string> hosts;
    std::array<RecentFlow, kRecentFlows> recent{};
    size_t recentNext = 0;
  };
  using Lru = std::list<Entry>;  // front: most recently seen

  Entry& entryFor(const std::string& key, TimeUs now);
  static void account(Entry& e, const Alert& a, TimeUs now);

  DedupConfig cfg_;
  Lru lru_;
  std::unordered_map<std::string, Lru::iterator> index_;
  DedupStats stats_;
  std::string keyScratch_;  // the key of the alert being offered (its buffer reused)
};

}  // namespace egressmon
