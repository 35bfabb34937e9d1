// Country sets and the built-in region groups.
//
// Memberships (checked in tests/unit/policy/regions_test.cpp by count and by member):
// - EU: the 27 member states of the European Union under the Treaty on European Union, as
//   listed on europa.eu ("EU countries"), as of 2026: unchanged since the United Kingdom left on
//   2020-01-31. ISO codes, so Greece is GR (the EU itself abbreviates it EL). Territories with
//   their own ISO code that are part of the EU as outermost regions or by special status (AX
//   Åland, GF, GP, MQ, RE, YT, MF) are NOT included: list them explicitly where they matter.
// - EEA: the Agreement on the European Economic Area (in force 1994-01-01): the EU member
//   states plus Iceland, Liechtenstein and Norway. Switzerland is not a party.
// - EFTA: the Convention establishing the European Free Trade Association (Stockholm 1960,
//   consolidated Vaduz 2001): Iceland, Liechtenstein, Norway, Switzerland.
// - FIVE_EYES: the UKUSA Agreement (1946; Canada 1948, Australia and New Zealand 1956):
//   Australia, Canada, New Zealand, the United Kingdom, the United States.
// - Continents: the continent column of GeoNames countryInfo.txt, the assignment MaxMind's
//   continent.code follows, read through geo's continentOf() table (src/geo/countries.cpp):
//   Russia and Cyprus are Europe, Turkey and Georgia Asia, the southern territories Antarctica.
#include "egressmon/policy/regions.h"

#include <fmt/format.h>

#include <bit>
#include <initializer_list>

namespace egressmon {

void CountrySet::insert(CountryCode cc) {
  const int i = slot(cc);
  if (i >= 0) words_[size_t(i) >> 6] |= uint64_t(1) << (unsigned(i) & 63u);
}

void CountrySet::erase(CountryCode cc) {
  const int i = slot(cc);
  if (i >= 0) words_[size_t(i) >> 6] &= ~(uint64_t(1) << (unsigned(i) & 63u));
}

size_t CountrySet::size() const {
  size_t n = 0;
  for (uint64_t w : words_) n += size_t(std::popcount(w));
  return n;
}

std::vector<CountryCode> CountrySet::codes() const {
  std::vector<CountryCode> out;
  out.reserve(size());
  for (int i = 0; i < 26 * 26; ++i) {
    if (((words_[size_t(i) >> 6] >> (unsigned(i) & 63u)) & 1u) == 0) continue;
    CountryCode cc;
    cc.c[0] = char('A' + i / 26);
    cc.c[1] = char('A' + i % 26);
    out.push_back(cc);
  }
  return out;
}

std::string CountrySet::toString() const {
  std::string s;
  for (CountryCode cc : codes()) {
    if (!s.empty()) s += ' ';
    s += cc.view();
  }
  return s;
}

CountrySet& CountrySet::operator|=(const CountrySet& o) {
  for (size_t i = 0; i < words_.size(); ++i) words_[i] |= o.words_[i];
  return *this;
}

CountrySet& CountrySet::operator-=(const CountrySet& o) {
  for (size_t i = 0; i < words_.size(); ++i) words_[i] &= ~o.words_[i];
  return *this;
}

bool CountrySet::intersects(const CountrySet& o) const {
  for (size_t i = 0; i < words_.size(); ++i)
    if ((words_[i] & o.words_[i]) != 0) return true;
  return false;
}

bool isKnownCountry(CountryCode cc) {
  // Only upper case: CountryCode::fromString folds, the table lookup does not care, we do.
  const auto up = [](char ch) { return ch >= 'A' && ch <= 'Z'; };
  return up(cc.c[0]) && up(cc.c[1]) && !countryName(cc).empty();
}

namespace {

CountrySet setOf(std::initializer_list<const char*> codes) {
  CountrySet s;
  for (const char* c : codes) s.insert(CountryCode::fromString(c));
  return s;
}

CountrySet continent(Continent which) {
  CountrySet s;
  for (char a = 'A'; a <= 'Z'; ++a) {
    for (char b = 'A'; b <= 'Z'; ++b) {
      CountryCode cc;
      cc.c[0] = a;
      cc.c[1] = b;
      if (continentOf(cc) == which) s.insert(cc);
    }
  }
  return s;
}

std::vector<RegionGroup> buildGroups() {
  const CountrySet eu = setOf({"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES",
                               "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
                               "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"});
  CountrySet eea = eu;
  eea |= setOf({"IS", "LI", "NO"});
  constexpr std::string_view kContinentSource =
      "GeoNames countryInfo.txt continent column (as MaxMind continent.code)";
  return {
      {"EU", "European Union member states",
       "Treaty on European Union; the 27 member states listed on europa.eu, as of 2026", eu},
      {"EEA", "European Economic Area: the EU plus Iceland, Liechtenstein, Norway",
       "Agreement on the European Economic Area (1994)", eea},
      {"EFTA", "European Free Trade Association", "EFTA Convention (Stockholm 1960, Vaduz 2001)",
       setOf({"CH", "IS", "LI", "NO"})},
      {"FIVE_EYES", "Five Eyes intelligence alliance", "UKUSA Agreement (1946-1956)",
       setOf({"AU", "CA", "GB", "NZ", "US"})},
      {"AFRICA", "continent Africa", kContinentSource, continent(Continent::Africa)},
      {"ANTARCTICA", "continent Antarctica", kContinentSource, continent(Continent::Antarctica)},
      {"ASIA", "continent Asia", kContinentSource, continent(Continent::Asia)},
      {"EUROPE", "continent Europe", kContinentSource, continent(Continent::Europe)},
      {"NORTH_AMERICA", "continent North America", kContinentSource,
       continent(Continent::NorthAmerica)},
      {"OCEANIA", "continent Oceania", kContinentSource, continent(Continent::Oceania)},
      {"SOUTH_AMERICA", "continent South America", kContinentSource,
       continent(Continent::SouthAmerica)},
  };
}

std::string groupNames() {
  std::string s;
  for (const auto& g : regionGroups()) s += (s.empty() ? "" : ", ") + std::string(g.name);
  return s;
}

std::string upper(std::string_view s) {
  std::string u(s);
  for (char& ch : u)
    if (ch >= 'a' && ch <= 'z') ch = char(ch - 'a' + 'A');
  return u;
}

}  // namespace

std::span<const RegionGroup> regionGroups() {
  static const std::vector<RegionGroup> groups = buildGroups();
  return groups;
}

const RegionGroup* findRegionGroup(std::string_view name) {
  for (const auto& g : regionGroups())
    if (g.name == name) return &g;
  return nullptr;
}

Result<CountrySet> expandRegionItem(std::string_view item) {
  if (const RegionGroup* g = findRegionGroup(item)) return g->members;
  const CountryCode cc = item.size() == 2 ? CountryCode::fromString(item) : CountryCode{};
  if (!cc.empty() && cc.view() == item && isKnownCountry(cc)) {
    CountrySet s;
    s.insert(cc);
    return s;
  }

  const std::string u = upper(item);
  if (u != item) {
    if (findRegionGroup(u) != nullptr)
      return Error{fmt::format("\"{}\" is not a region group (expected upper case: \"{}\")", item, u)};
    if (!cc.empty() && isKnownCountry(cc))
      return Error{fmt::format("\"{}\" is not a country code (expected upper case: \"{}\")", item, u)};
  }
  // The two spellings people reach for that ISO does not use.
  if (u == "UK")
    return Error{fmt::format("\"{}\" is not an ISO 3166-1 code (expected \"GB\" for the United "
                             "Kingdom)",
                             item)};
  if (u == "EL")
    return Error{fmt::format("\"{}\" is not an ISO 3166-1 code (expected \"GR\" for Greece)", item)};
  return Error{fmt::format("\"{}\" is not a country code or region group (expected an upper-case "
                           "ISO 3166-1 alpha-2 code such as \"DE\", or a group: {})",
                           item, groupNames())};
}

Result<CountrySet> expandRegions(std::span<const std::string> items) {
  CountrySet all;
  std::string errors;
  for (const auto& item : items) {
    auto one = expandRegionItem(item);
    if (!one) {
      errors += (errors.empty() ? "" : "\n") + one.error().message;
      continue;
    }
    all |= one.value();
  }
  if (!errors.empty()) return Error{errors};
  return all;
}

}  // namespace egressmon
