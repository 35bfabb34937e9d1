#include "egressmon/alerts/dedup.h"

#include <fmt/format.h>

#include <algorithm>

namespace egressmon {
namespace {

std::string lowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

/// The third part of the key and a tag saying which kind it is, so that a host name that looks
/// like "AS64500" or an address never shares a key with a real ASN or address.
std::pair<char, std::string> keyTarget(const Alert& a) {
  if (a.asn != 0) return {'a', fmt::format("AS{}", a.asn)};
  if (!a.domain.empty()) return {'d', lowerAscii(a.domain)};
  if (!a.hostname.empty()) return {'h', lowerAscii(a.hostname)};
  return {'i', a.remoteAddr.toString()};
}

std::string_view countryPart(const Alert& a) {
  return a.country.empty() ? std::string_view("??") : a.country.view();
}

/// The map key: NUL-separated and tagged, so no app or host name can collide with another key.
std::string mapKey(const Alert& a) {
  auto [tag, target] = keyTarget(a);
  std::string k = a.app;
  k += '\0';
  k += countryPart(a);
  k += '\0';
  k += tag;
  k += target;
  return k;
}

}  // namespace

std::string_view dedupDecisionName(DedupDecision d) {
  switch (d) {
    case DedupDecision::Emit: return "emit";
    case DedupDecision::Repeat: return "repeat";
    case DedupDecision::Held: return "held";
  }
  return "emit";
}

std::string alertDedupKey(const Alert& a) {
  return fmt::format("{}|{}|{}", a.app.empty() ? std::string_view("-") : a.app, countryPart(a),
                     keyTarget(a).second);
}

AlertDeduplicator::AlertDeduplicator(DedupConfig cfg) : cfg_(cfg) {
  cfg_.maxKeys = std::max<size_t>(cfg_.maxKeys, 1);
  cfg_.window = std::max<TimeUs>(cfg_.window, 0);
}

AlertDeduplicator::Entry& AlertDeduplicator::entryFor(const std::string& key, TimeUs now) {
  if (auto it = index_.find(key); it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);  // most recently seen first
    return *it->second;
  }
  if (index_.size() >= cfg_.maxKeys) {
    Entry& victim = lru_.back();
    ++stats_.evictions;
    stats_.evictedRepeats += victim.repeats;
    index_.erase(victim.key);
    lru_.pop_back();
  }
  lru_.emplace_front();
  Entry& e = lru_.front();
  e.key = key;
  e.firstSeen = now;
  e.lastSeen = now;
  index_.emplace(key, lru_.begin());
  return e;
}

void AlertDeduplicator::account(Entry& e, const Alert& a, TimeUs now) {
  e.lastSeen = std::max(e.lastSeen, now);
  RecentFlow* known = nullptr;
  for (auto& r : e.recent) {
    if (r.used && r.id == a.flowId) known = &r;
  }
  if (known) {
    // The same flow again: only the bytes it sent since its previous alert are new.
    if (a.bytesOut > known->bytesOut) {
      e.bytesOut += a.bytesOut - known->bytesOut;
      known->bytesOut = a.bytesOut;
    }
  } else {
    ++e.flows;
    e.bytesOut += a.bytesOut;
    e.recent[e.recentNext] = RecentFlow{a.flowId, a.bytesOut, true};
    e.recentNext = (e.recentNext + 1) % kRecentFlows;
  }
  // Host names are case-insensitive: the sample keeps them lower-cased, each once.
  if (!a.hostname.empty() && e.hosts.size() < AlertEvidence::kMaxHosts) {
    std::string h = lowerAscii(a.hostname);
    if (std::find(e.hosts.begin(), e.hosts.end(), h) == e.hosts.end()) {
      e.hosts.push_back(std::move(h));
    }
  }
}

DedupDecision AlertDeduplicator::offer(Alert& a, TimeUs now,
                                       const std::function<bool(TimeUs)>& admit) {
  ++stats_.offered;
  Entry& e = entryFor(mapKey(a), now);
  account(e, a, now);
  // A packet time before the window's start (captures replayed out of order) counts as inside.
  const bool inWindow = e.emittedOnce && now - e.windowStart < cfg_.window;
  if (inWindow) {
    ++e.repeats;
    ++stats_.repeats;
    return DedupDecision::Repeat;
  }
  if (admit && !admit(now)) {
    ++e.repeats;
    ++stats_.held;
    return DedupDecision::Held;
  }
  AlertEvidence& ev = a.evidence;
  ev.key = alertDedupKey(a);
  ev.firstSeen = e.firstSeen;
  ev.lastSeen = e.lastSeen;
  ev.flows = e.flows;
  ev.bytesOut = e.bytesOut;
  ev.hosts = e.hosts;
  ev.repeatsSuppressed = e.repeats;
  e.repeats = 0;
  e.windowStart = now;
  e.emittedOnce = true;
  ++stats_.emitted;
  return DedupDecision::Emit;
}

}  // namespace egressmon
