#include "egressmon/apps/app_catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <utility>

#include "egressmon/apps/host_name.h"
#include "egressmon/apps/public_suffix.h"

namespace egressmon {

namespace {

struct StrHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
struct StrEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};

// One host-name key: the app owning it as an exact name, and as a domain suffix.
struct HostEntry {
  AppId exact = kNoApp;
  AppId suffix = kNoApp;
};

// A 128-bit address as two big-endian words, so range tables compare with two integer ops.
struct U128 {
  uint64_t hi = 0;
  uint64_t lo = 0;
  friend bool operator==(const U128&, const U128&) = default;
  friend bool operator<(const U128& a, const U128& b) {
    return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo);
  }
};

uint64_t wordBe(const uint8_t* b) {
  uint64_t v;
  std::memcpy(&v, b, 8);
  return __builtin_bswap64(v);
}
U128 toU128(const IpAddress& a) { return {wordBe(a.data()), wordBe(a.data() + 8)}; }

// The last address of a prefix.
U128 lastOf(const IpPrefix& p) {
  const U128 s = toU128(p.base());
  const unsigned bits = p.bits128();
  const uint64_t hiHost = bits >= 64 ? 0 : (bits == 0 ? ~0ull : ~0ull >> bits);
  const uint64_t loHost = bits <= 64 ? ~0ull : (bits == 128 ? 0 : ~0ull >> (bits - 64));
  return {s.hi | hiHost, s.lo | loHost};
}

struct PortRange {
  uint16_t lo;
  uint16_t hi;
};

// A prefix of the range table: its app and the next-shorter prefix containing it (-1: none),
// so a candidate refused by its port filter can yield to the enclosing range.
struct PrefixNode {
  AppId app;
  int32_t parent;
};

}  // namespace

struct AppCatalog::Impl {
  std::vector<AppRule> rules;  // index = id - 1
  boost::unordered_flat_map<std::string, HostEntry, StrHash, StrEq> hosts;
  size_t maxDomainLabels = 0;  // suffix walks start no further left than this
  bool anyExact = false;
  // Disjoint intervals covering the address space: starts[i] begins an interval whose
  // innermost prefix is owner[i] (-1: none). Both families share the 128-bit space.
  std::vector<U128> starts;
  std::vector<int32_t> owner;
  std::vector<PrefixNode> prefixes;
  boost::unordered_flat_map<uint32_t, AppId> asns;
  boost::unordered_flat_map<uint16_t, AppId> portOnly;
  // Port filters: rule i's sorted, merged ranges are portRanges[portBegin[i]..portBegin[i+1]).
  std::vector<PortRange> portRanges;
  std::vector<uint32_t> portBegin;

  bool portOk(AppId app, uint16_t port) const {
    const uint32_t b = portBegin[app - 1u], e = portBegin[app];
    if (b == e) return true;
    if (port == 0) return false;
    const PortRange* first = portRanges.data() + b;
    const PortRange* last = portRanges.data() + e;
    const PortRange* it = std::upper_bound(first, last, port,
                                           [](uint16_t p, const PortRange& r) { return p < r.lo; });
    return it != first && port <= (it - 1)->hi;
  }

  AppMatch matchHost(std::string_view hostname, uint16_t port) const {
    char buf[kMaxHostName + 1];
    const size_t n = foldHostName(hostname, buf);
    if (n == 0) return {};
    const std::string_view h(buf, n);
    // Labels beyond the longest catalog domain cannot be part of a key: skip their suffixes.
    size_t start = 0;
    if (maxDomainLabels > 0) {
      size_t labels = 0;
      for (size_t i = n; i-- > 0;) {
        if (h[i] == '.' && ++labels == maxDomainLabels) {
          start = i + 1;
          break;
        }
      }
    } else {
      start = n;  // no domains at all
    }
    if (anyExact) {
      // Exact names beat every suffix; the same look-up serves as the longest suffix.
      auto it = hosts.find(h);
      if (it != hosts.end()) {
        if (it->second.exact != kNoApp && portOk(it->second.exact, port))
          return {it->second.exact, AppMatchKind::ExactName};
        if (start == 0 && it->second.suffix != kNoApp && portOk(it->second.suffix, port))
          return {it->second.suffix, AppMatchKind::DomainSuffix};
      }
      if (start == 0) {
        const size_t dot = h.find('.');
        start = dot == std::string_view::npos ? n : dot + 1;
      }
    }
    // Longest suffix first: each step drops the leftmost label.
    while (start < n) {
      auto it = hosts.find(h.substr(start));
      if (it != hosts.end() && it->second.suffix != kNoApp && portOk(it->second.suffix, port))
        return {it->second.suffix, AppMatchKind::DomainSuffix};
      const size_t dot = h.find('.', start);
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    return {};
  }

  AppMatch matchRange(const IpAddress& remote, uint16_t port) const {
    if (starts.empty() || remote == IpAddress{}) return {};
    const U128 a = toU128(remote);
    auto it = std::upper_bound(starts.begin(), starts.end(), a);
    if (it == starts.begin()) return {};
    for (int32_t p = owner[size_t(it - starts.begin()) - 1]; p >= 0; p = prefixes[size_t(p)].parent) {
      if (portOk(prefixes[size_t(p)].app, port))
        return {prefixes[size_t(p)].app, AppMatchKind::AddressRange};
    }
    return {};
  }

  // Sorted prefixes -> disjoint intervals with their innermost prefix, plus parent links.
  void buildRanges(std::vector<std::pair<IpPrefix, AppId>> all) {
    std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) {
      const U128 a = toU128(x.first.base()), b = toU128(y.first.base());
      if (!(a == b)) return a < b;
      return x.first.bits128() < y.first.bits128();  // the enclosing prefix first
    });
    prefixes.reserve(all.size());
    std::vector<int32_t> open;  // nested prefixes whose end is not yet passed, innermost last
    auto emit = [this](U128 s, int32_t who) {
      if (!starts.empty() && starts.back() == s) {
        owner.back() = who;
      } else {
        starts.push_back(s);
        owner.push_back(who);
      }
    };
    constexpr U128 kMax{~0ull, ~0ull};
    auto closeBefore = [&](const U128* next) {
      while (!open.empty()) {
        const U128 e = lastOf(all[size_t(open.back())].first);
        if (next != nullptr && !(e < *next)) break;
        open.pop_back();
        if (e == kMax) continue;
        const U128 after = e.lo == ~0ull ? U128{e.hi + 1, 0} : U128{e.hi, e.lo + 1};
        emit(after, open.empty() ? -1 : open.back());
      }
    };
    for (size_t i = 0; i < all.size(); ++i) {
      const U128 s = toU128(all[i].first.base());
      closeBefore(&s);
      prefixes.push_back({all[i].second, open.empty() ? -1 : open.back()});
      emit(s, int32_t(i));
      open.push_back(int32_t(i));
    }
    closeBefore(nullptr);
  }
};

namespace {

std::string sourceOf(const AppRule& r) { return r.source.empty() ? "(built-in)" : r.source; }

// Collects build problems, each "SOURCE: app 'X': what (expected ...)".
class Problems {
public:
  void add(const AppRule& r, const std::string& msg) {
    if (!text_.empty()) text_ += '\n';
    text_ += fmt::format("{}: app '{}': {}", sourceOf(r), r.name, msg);
  }
  bool empty() const { return text_.empty(); }
  const std::string& text() const { return text_; }

private:
  std::string text_;
};

size_t labelCount(std::string_view d) { return size_t(std::count(d.begin(), d.end(), '.')) + 1; }

}  // namespace

std::string_view appMatchKindName(AppMatchKind k) {
  switch (k) {
    case AppMatchKind::None: return "none";
    case AppMatchKind::ExactName: return "name";
    case AppMatchKind::DomainSuffix: return "domain";
    case AppMatchKind::AddressRange: return "range";
    case AppMatchKind::Asn: return "asn";
    case AppMatchKind::Port: return "port";
  }
  return "none";
}

AppCatalog::AppCatalog() : AppCatalog(std::make_unique<const Impl>()) {}
AppCatalog::AppCatalog(std::unique_ptr<const Impl> impl) : impl_(std::move(impl)) {}
AppCatalog::~AppCatalog() = default;
AppCatalog::AppCatalog(AppCatalog&&) noexcept = default;
AppCatalog& AppCatalog::operator=(AppCatalog&&) noexcept = default;

Result<AppCatalog> AppCatalog::build(std::vector<AppRule> rules) {
  auto impl = std::make_unique<Impl>();
  Problems bad;
  if (rules.size() > std::numeric_limits<AppId>::max()) {
    return Error{fmt::format("{} apps in the catalog (expected at most {})", rules.size(),
                             std::numeric_limits<AppId>::max())};
  }
  const PublicSuffixList psl;
  std::map<std::string, size_t, std::less<>> names;
  std::map<std::string, size_t, std::less<>> domainOwner, exactOwner;
  std::map<IpPrefix, size_t, bool (*)(const IpPrefix&, const IpPrefix&)> rangeOwner(
      [](const IpPrefix& a, const IpPrefix& b) {
        return a.base() < b.base() || (a.base() == b.base() && a.bits128() < b.bits128());
      });
  std::map<uint32_t, size_t> asnOwner;
  std::map<uint16_t, size_t> portOwner;
  std::vector<std::pair<IpPrefix, AppId>> allRanges;

  impl->portBegin.push_back(0);
  for (size_t i = 0; i < rules.size(); ++i) {
    AppRule& r = rules[i];
    const AppId id = AppId(i + 1);
    auto claim = [&](auto& owners, const auto& key, std::string_view what, const std::string& shown) {
      auto [it, fresh] = owners.emplace(key, i);
      if (fresh) return true;
      const AppRule& other = rules[it->second];
      bad.add(r, it->second == i
                     ? fmt::format("{} {} is listed twice (expected each once)", what, shown)
                     : fmt::format("{} {} is also claimed by app '{}' at {} (expected each {} "
                                   "to belong to one app)",
                                   what, shown, other.name, sourceOf(other), what));
      return false;
    };

    if (r.name.empty()) bad.add(r, "empty name (expected name = \"...\")");
    else if (auto [it, fresh] = names.emplace(r.name, i); !fresh)
      bad.add(r, fmt::format("duplicate app name, first defined at {} (expected unique names)",
                             sourceOf(rules[it->second])));
    if (r.domains.empty() && r.exactNames.empty() && r.ranges.empty() && r.asns.empty() &&
        r.ports.empty())
      bad.add(r, "nothing to match (expected at least one of domains, names, ranges, asns, ports)");

    for (auto& d : r.domains) {
      auto c = canonicalDomain(d);
      if (!c) {
        bad.add(r, "domains: " + c.error().message);
        continue;
      }
      d = std::move(c.value());
      if (psl.isIcannSuffix(d)) {
        bad.add(r, fmt::format("domains: \"{}\" is a public suffix and would match every site "
                               "under it (expected a registrable domain or a name below one)",
                               d));
        continue;
      }
      if (!claim(domainOwner, d, "domain", "\"" + d + "\"")) continue;
      impl->hosts[d].suffix = id;
      impl->maxDomainLabels = std::max(impl->maxDomainLabels, labelCount(d));
    }
    for (auto& x : r.exactNames) {
      auto c = canonicalDomain(x);
      if (!c) {
        bad.add(r, "names: " + c.error().message);
        continue;
      }
      x = std::move(c.value());
      if (!claim(exactOwner, x, "name", "\"" + x + "\"")) continue;
      impl->hosts[x].exact = id;
      impl->anyExact = true;
    }
    for (const auto& p : r.ranges) {
      if (!claim(rangeOwner, p, "range", p.toString())) continue;
      allRanges.emplace_back(p, id);
    }
    for (uint32_t a : r.asns) {
      if (a == 0) {
        bad.add(r, "asns: 0 is not an AS number (expected 1 to 4294967295)");
        continue;
      }
      if (claim(asnOwner, a, "ASN", std::to_string(a))) impl->asns.emplace(a, id);
    }
    const bool portOnlyRule =
        r.domains.empty() && r.exactNames.empty() && r.ranges.empty() && r.asns.empty();
    std::vector<uint16_t> ports = r.ports;
    std::sort(ports.begin(), ports.end());
    for (size_t k = 0; k < ports.size(); ++k) {
      const uint16_t p = ports[k];
      if (p == 0) {
        bad.add(r, "ports: 0 is not a port (expected 1 to 65535)");
        continue;
      }
      if (k > 0 && ports[k - 1] == p) {
        bad.add(r, fmt::format("port {} is listed twice (expected each once)", p));
        continue;
      }
      if (portOnlyRule) {
        if (claim(portOwner, p, "port", std::to_string(p))) impl->portOnly.emplace(p, id);
      } else if (impl->portRanges.size() > impl->portBegin.back() &&
                 impl->portRanges.back().hi + 1 == p) {
        impl->portRanges.back().hi = p;
      } else {
        impl->portRanges.push_back({p, p});
      }
    }
    impl->portBegin.push_back(uint32_t(impl->portRanges.size()));
  }
  if (!bad.empty()) return Error{bad.text()};
  impl->buildRanges(std::move(allRanges));
  impl->rules = std::move(rules);
  return AppCatalog(std::move(impl));
}

AppMatch AppCatalog::matchDetail(std::string_view hostname, const IpAddress& remote, uint32_t asn,
                                 uint16_t remotePort) const {
  if (AppMatch m = matchHostName(hostname, remotePort); m.app != kNoApp) return m;
  return matchAddress(remote, asn, remotePort);
}

AppMatch AppCatalog::matchHostName(std::string_view hostname, uint16_t remotePort) const {
  const Impl& c = *impl_;
  if (c.rules.empty() || hostname.empty()) return {};
  return c.matchHost(hostname, remotePort);
}

AppMatch AppCatalog::matchAddress(const IpAddress& remote, uint32_t asn, uint16_t remotePort) const {
  const Impl& c = *impl_;
  if (c.rules.empty()) return {};
  if (AppMatch m = c.matchRange(remote, remotePort); m.app != kNoApp) return m;
  if (asn != 0) {
    if (auto it = c.asns.find(asn); it != c.asns.end() && c.portOk(it->second, remotePort))
      return {it->second, AppMatchKind::Asn};
  }
  if (remotePort != 0) {
    if (auto it = c.portOnly.find(remotePort); it != c.portOnly.end())
      return {it->second, AppMatchKind::Port};
  }
  return {};
}

AppId AppCatalog::match(std::string_view hostname, const IpAddress& remote, uint32_t asn,
                        uint16_t remotePort) const {
  return matchDetail(hostname, remote, asn, remotePort).app;
}

const AppRule* AppCatalog::rule(AppId id) const {
  if (id == kNoApp || id > impl_->rules.size()) return nullptr;
  return &impl_->rules[id - 1u];
}
std::string_view AppCatalog::appName(AppId id) const {
  const AppRule* r = rule(id);
  return r == nullptr ? std::string_view() : std::string_view(r->name);
}
std::string_view AppCatalog::vendor(AppId id) const {
  const AppRule* r = rule(id);
  return r == nullptr ? std::string_view() : std::string_view(r->vendor);
}
AppId AppCatalog::find(std::string_view name) const {
  for (size_t i = 0; i < impl_->rules.size(); ++i)
    if (impl_->rules[i].name == name) return AppId(i + 1);
  return kNoApp;
}
size_t AppCatalog::size() const { return impl_->rules.size(); }

}  // namespace egressmon
