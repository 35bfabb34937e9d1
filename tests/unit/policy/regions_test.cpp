// Country sets, the built-in groups (counts and members) and the expansion of written lists.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "egressmon/policy/regions.h"

namespace egressmon {
namespace {

CountryCode cc(const char* s) { return CountryCode::fromString(s); }

const CountrySet& group(const char* name) {
  const RegionGroup* g = findRegionGroup(name);
  EXPECT_NE(g, nullptr) << name;
  static const CountrySet none;
  return g ? g->members : none;
}

TEST(CountrySet, InsertEraseContains) {
  CountrySet s;
  EXPECT_TRUE(s.empty());
  s.insert(cc("DE"));
  s.insert(cc("AT"));
  s.insert(cc("ZW"));
  s.insert(cc("AA"));  // any two upper-case letters fit
  s.insert(CountryCode{});  // ignored
  EXPECT_EQ(s.size(), 4u);
  EXPECT_TRUE(s.contains(cc("DE")));
  EXPECT_FALSE(s.contains(cc("FR")));
  EXPECT_FALSE(s.contains(CountryCode{}));
  CountryCode lower;
  lower.c[0] = 'd';
  lower.c[1] = 'e';
  EXPECT_FALSE(s.contains(lower));
  s.erase(cc("AA"));
  EXPECT_EQ(s.toString(), "AT DE ZW");  // alphabetical
  CountrySet t;
  t.insert(cc("DE"));
  EXPECT_TRUE(s.intersects(t));
  s -= t;
  EXPECT_FALSE(s.intersects(t));
  EXPECT_EQ(s.toString(), "AT ZW");
  s |= t;
  EXPECT_EQ(s.codes().size(), 3u);
}

TEST(RegionGroups, Counts) {
  EXPECT_EQ(group("EU").size(), 27u);
  EXPECT_EQ(group("EEA").size(), 30u);
  EXPECT_EQ(group("EFTA").size(), 4u);
  EXPECT_EQ(group("FIVE_EYES").size(), 5u);
  EXPECT_EQ(regionGroups().size(), 11u);
}

TEST(RegionGroups, Members) {
  EXPECT_EQ(group("EU").toString(),
            "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK");
  EXPECT_EQ(group("EFTA").toString(), "CH IS LI NO");
  EXPECT_EQ(group("FIVE_EYES").toString(), "AU CA GB NZ US");
  CountrySet eea = group("EU");
  for (const char* c : {"IS", "LI", "NO"}) eea.insert(cc(c));
  EXPECT_EQ(group("EEA"), eea);
  EXPECT_FALSE(group("EEA").contains(cc("CH")));  // Switzerland is not in the EEA
  EXPECT_FALSE(group("EU").contains(cc("GB")));
  // Every EU member is a known country (GR, not the EU's own "EL").
  for (CountryCode c : group("EU").codes()) EXPECT_TRUE(isKnownCountry(c)) << c.view();
}

TEST(RegionGroups, ContinentsPartitionTheCountryTable) {
  size_t known = 0;
  for (char a = 'A'; a <= 'Z'; ++a) {
    for (char b = 'A'; b <= 'Z'; ++b) {
      CountryCode c;
      c.c[0] = a;
      c.c[1] = b;
      if (!isKnownCountry(c)) continue;
      ++known;
      int in = 0;
      for (const char* g : {"AFRICA", "ANTARCTICA", "ASIA", "EUROPE", "NORTH_AMERICA", "OCEANIA",
                            "SOUTH_AMERICA"})
        in += group(g).contains(c) ? 1 : 0;
      EXPECT_EQ(in, 1) << c.view();
    }
  }
  EXPECT_EQ(known, 250u);  // 249 ISO codes and XK
  // GeoNames' assignment, as MaxMind's.
  EXPECT_TRUE(group("EUROPE").contains(cc("RU")));
  EXPECT_TRUE(group("EUROPE").contains(cc("CY")));
  EXPECT_TRUE(group("EUROPE").contains(cc("XK")));
  EXPECT_TRUE(group("ASIA").contains(cc("TR")));
  EXPECT_TRUE(group("NORTH_AMERICA").contains(cc("GL")));
  EXPECT_TRUE(group("OCEANIA").contains(cc("TL")));
  EXPECT_TRUE(group("ANTARCTICA").contains(cc("AQ")));
  EXPECT_TRUE(group("SOUTH_AMERICA").contains(cc("GF")));
  // The EU is inside the continent, and the EEA too.
  CountrySet rest = group("EEA");
  rest -= group("EUROPE");
  EXPECT_TRUE(rest.empty()) << rest.toString();
}

TEST(RegionGroups, NamesNeverLookLikeCountryCodes) {
  for (const auto& g : regionGroups()) {
    EXPECT_FALSE(g.source.empty()) << g.name;
    EXPECT_FALSE(g.members.empty()) << g.name;
    if (g.name.size() == 2) {
      EXPECT_FALSE(isKnownCountry(cc(std::string(g.name).c_str()))) << g.name;
    }
  }
  EXPECT_EQ(findRegionGroup("eu"), nullptr);  // case-sensitive
}

TEST(ExpandRegions, UnionOfCodesAndGroups) {
  const std::vector<std::string> items = {"EU", "CH", "DE"};
  auto s = expandRegions(items);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->size(), 28u);
  EXPECT_TRUE(s->contains(cc("CH")));
  const std::vector<std::string> none;
  EXPECT_TRUE(expandRegions(none)->empty());
  EXPECT_EQ(expandRegionItem("XK")->toString(), "XK");
}

TEST(ExpandRegions, BadItems) {
  const std::string groups = "EU, EEA, EFTA, FIVE_EYES, AFRICA, ANTARCTICA, ASIA, EUROPE, "
                             "NORTH_AMERICA, OCEANIA, SOUTH_AMERICA";
  const struct {
    const char* item;
    std::string message;
  } cases[] = {
      {"XX", "\"XX\" is not a country code or region group (expected an upper-case ISO 3166-1 "
             "alpha-2 code such as \"DE\", or a group: " + groups + ")"},
      {"usa", "\"usa\" is not a country code or region group (expected an upper-case ISO 3166-1 "
              "alpha-2 code such as \"DE\", or a group: " + groups + ")"},
      {"", "\"\" is not a country code or region group (expected an upper-case ISO 3166-1 "
           "alpha-2 code such as \"DE\", or a group: " + groups + ")"},
      {"de", "\"de\" is not a country code (expected upper case: \"DE\")"},
      {"De", "\"De\" is not a country code (expected upper case: \"DE\")"},
      {"eu", "\"eu\" is not a region group (expected upper case: \"EU\")"},
      {"Five_Eyes", "\"Five_Eyes\" is not a region group (expected upper case: \"FIVE_EYES\")"},
      {"UK", "\"UK\" is not an ISO 3166-1 code (expected \"GB\" for the United Kingdom)"},
      {"EL", "\"EL\" is not an ISO 3166-1 code (expected \"GR\" for Greece)"},
  };
  for (const auto& c : cases) {
    auto r = expandRegionItem(c.item);
    ASSERT_FALSE(r) << c.item;
    EXPECT_EQ(r.error().message, c.message);
  }
  const std::vector<std::string> two = {"DE", "xx", "EU", "UK"};
  auto r = expandRegions(two);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.substr(0, 6), "\"xx\" i");
  EXPECT_NE(r.error().message.find("\n\"UK\" is not an ISO 3166-1 code"), std::string::npos);
}

}  // namespace
}  // namespace egressmon
