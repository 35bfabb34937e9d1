#pragma once
// Regions for the policy: sets of ISO 3166-1 alpha-2 countries, the built-in named groups
// (EU, EEA, EFTA, FIVE_EYES and the seven continents) and the expansion of a written list
// such as ["EU", "CH"] into one set. Memberships and their sources: src/policy/regions.cpp and
// docs/policy.md.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "egressmon/core/result.h"
#include "egressmon/geo/geo.h"

namespace egressmon {

/// A set of two-letter codes as a 26x26 bitset (88 bytes): membership is one bit test, and
/// iteration yields codes in alphabetical order. Holds any pair of upper-case letters; the
/// expansion functions below only ever put known ISO codes in. Plain value, any thread.
class CountrySet {
public:
  constexpr CountrySet() = default;

  /// True when `cc` (upper case) is in the set; false for an empty or malformed code.
  bool contains(CountryCode cc) const {
    const int i = slot(cc);
    return i >= 0 && ((words_[size_t(i) >> 6] >> (unsigned(i) & 63u)) & 1u) != 0;
  }
  /// Adds `cc`; ignored when it is not two upper-case ASCII letters.
  void insert(CountryCode cc);
  /// Removes `cc` if present.
  void erase(CountryCode cc);
  /// Number of codes in the set.
  size_t size() const;
  bool empty() const { return size() == 0; }
  /// The codes in alphabetical order.
  std::vector<CountryCode> codes() const;
  /// "AT BE BG ..." (codes separated by single spaces), alphabetical.
  std::string toString() const;

  CountrySet& operator|=(const CountrySet& o);
  /// Set difference: removes every code of `o`.
  CountrySet& operator-=(const CountrySet& o);
  /// True when the two sets share a code.
  bool intersects(const CountrySet& o) const;
  friend bool operator==(const CountrySet&, const CountrySet&) = default;

private:
  static int slot(CountryCode cc) {
    const auto a = static_cast<unsigned char>(cc.c[0]);
    const auto b = static_cast<unsigned char>(cc.c[1]);
    if (a < 'A' || a > 'Z' || b < 'A' || b > 'Z') return -1;
    return (a - 'A') * 26 + (b - 'A');
  }
  std::array<uint64_t, (26 * 26 + 63) / 64> words_{};
};

/// One built-in named group.
struct RegionGroup {
  std::string_view name;         // as written in the config: "EU", "NORTH_AMERICA"
  std::string_view description;  // "European Union member states"
  std::string_view source;       // where the membership comes from, with its date
  CountrySet members;
};

/// The built-in groups in a fixed order (EU, EEA, EFTA, FIVE_EYES, AFRICA, ANTARCTICA, ASIA,
/// EUROPE, NORTH_AMERICA, OCEANIA, SOUTH_AMERICA). Built once on first use (the continents come
/// from geo's continentOf() table); immutable afterwards; any thread.
std::span<const RegionGroup> regionGroups();
/// The group named exactly `name` (case-sensitive), or nullptr.
const RegionGroup* findRegionGroup(std::string_view name);

/// True when `cc` is a code the country table knows (the 249 ISO 3166-1 codes and XK).
bool isKnownCountry(CountryCode cc);

/// Expands one written item: a known upper-case country code ("DE") or a group name ("EU").
/// Errors say what is wrong and end with "(expected ...)", with a hint for a lower-case
/// spelling ("de" -> "DE", "eu" -> "EU"); they carry no position (the caller adds it).
Result<CountrySet> expandRegionItem(std::string_view item);
/// The union of the items' expansions. Every bad item is reported, one per line.
Result<CountrySet> expandRegions(std::span<const std::string> items);

}  // namespace egressmon
