#include "egressmon/alerts/dedup.h"

#include <fmt/format.h>

#include <algorithm>

namespace egressmon {
namespace {

void appendLower(std::string& k, std::string_view s) {
  for (char c : s) k += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowerAscii(std::string_view s) {
  std::string out;
  appendLower(out, s);
  return out;
}

std::string_view countryPart(const Alert& a) {
  return a.country.empty() ? std::string_view("??") : a.country.view();
}

/// What the key's last part is: 'a' the ASN, else 'd' the registrable domain, else 'h' the host
/// name, else 'i' the remote address. The map key carries it as a tag, so that a host name that
/// looks like "AS64500" or an address never shares a key with a real ASN or address.
char targetKind(const Alert& a) {
  if (a.asn != 0) return 'a';
  if (!a.domain.empty()) return 'd';
  if (!a.hostname.empty()) return 'h';
  return 'i';
}

/// Appends the key's last part: "AS<n>", the domain or host name lower-cased, or the address -
/// as text, or for the map key as its 16 bytes (the last field, of fixed length), since
/// formatting an address costs more than the rest of a repeat's work.
void appendTarget(const Alert& a, char kind, bool addressAsText, std::string& k) {
  switch (kind) {
    case 'a': fmt::format_to(std::back_inserter(k), "AS{}", a.asn); break;
    case 'd': appendLower(k, a.domain); break;
    case 'h': appendLower(k, a.hostname); break;
    default:
      if (addressAsText) {
        k += a.remoteAddr.toString();
      } else {
        k.append(reinterpret_cast<const char*>(a.remoteAddr.data()), 16);
      }
  }
}

/// The map key, built into `k` (its capacity reused): NUL-separated and tagged, so no app or
/// host name can collide with another key.
void mapKey(const Alert& a, std::string& k) {
  k.assign(a.app);
  k += '\0';
  k += countryPart(a);
  k += '\0';
  const char kind = targetKind(a);
  k += kind;
  appendTarget(a, kind, false, k);
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
  std::string k = a.app.empty() ? std::string("-") : a.app;
  k += '|';
  k += countryPart(a);
  k += '|';
  appendTarget(a, targetKind(a), true, k);
  return k;
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
    // The least recently seen key makes room. Its list entry and index node are reused for
    // the new key (strings keep their buffers), so a full table allocates nothing per key.
    Entry& victim = lru_.back();
    ++stats_.evictions;
    stats_.evictedRepeats += victim.repeats;
    auto node = index_.extract(victim.key);
    lru_.splice(lru_.begin(), lru_, std::prev(lru_.end()));
    std::vector<std::string> hosts = std::move(victim.hosts);
    hosts.clear();
    std::string oldKey = std::move(victim.key);
    victim = Entry{};
    victim.hosts = std::move(hosts);
    oldKey.assign(key);
    victim.key = std::move(oldKey);
    node.key() = victim.key;
    node.mapped() = lru_.begin();
    index_.insert(std::move(node));
  } else {
    lru_.emplace_front();
    lru_.front().key = key;
    index_.emplace(key, lru_.begin());
  }
  Entry& e = lru_.front();
  e.firstSeen = now;
  e.lastSeen = now;
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
  mapKey(a, keyScratch_);
  Entry& e = entryFor(keyScratch_, now);
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
