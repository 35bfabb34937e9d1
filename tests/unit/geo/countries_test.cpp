#include <gtest/gtest.h>

#include <map>
#include <string>

#include "egressmon/geo/geo.h"

namespace egressmon {
namespace {

CountryCode cc(const char* s) { return CountryCode::fromString(s); }

TEST(CountryCode, FromString) {
  EXPECT_EQ(cc("DE").view(), "DE");
  EXPECT_EQ(cc("de").view(), "DE");
  EXPECT_EQ(cc("uS").view(), "US");
  EXPECT_TRUE(cc("").empty());
  EXPECT_TRUE(cc("D").empty());
  EXPECT_TRUE(cc("DEU").empty());
  EXPECT_TRUE(cc("D1").empty());
  EXPECT_TRUE(cc("-E").empty());
  EXPECT_TRUE(cc("\xc3\x84").empty());  // UTF-8 'Ä': not ASCII
  EXPECT_TRUE(CountryCode::fromString(std::string_view("D\0", 2)).empty());
  EXPECT_EQ(cc("zz").view(), "ZZ");  // well-formed, merely unassigned
  EXPECT_EQ(cc("zz"), CountryCode::fromString("ZZ"));
}

TEST(CountryName, Samples) {
  EXPECT_EQ(countryName(cc("US")), "United States");
  EXPECT_EQ(countryName(cc("DE")), "Germany");
  EXPECT_EQ(countryName(cc("CN")), "China");
  EXPECT_EQ(countryName(cc("HK")), "Hong Kong");
  EXPECT_EQ(countryName(cc("TW")), "Taiwan");
  EXPECT_EQ(countryName(cc("KR")), "South Korea");
  EXPECT_EQ(countryName(cc("KP")), "North Korea");
  EXPECT_EQ(countryName(cc("GB")), "United Kingdom");
  EXPECT_EQ(countryName(cc("RU")), "Russia");
  EXPECT_EQ(countryName(cc("CI")), "C\xc3\xb4te d'Ivoire");
  EXPECT_EQ(countryName(cc("AX")), "\xc3\x85land Islands");
  EXPECT_EQ(countryName(cc("AD")), "Andorra");  // first row
  EXPECT_EQ(countryName(cc("ZW")), "Zimbabwe");  // last row
  EXPECT_EQ(countryName(cc("XK")), "Kosovo");
  EXPECT_EQ(countryName(cc("ZZ")), "");
  EXPECT_EQ(countryName(cc("EU")), "");
  EXPECT_EQ(countryName(CountryCode{}), "");
}

TEST(CountryName, AllIsoCodesKnown) {
  int known = 0;
  std::map<Continent, int> perContinent;
  for (char a = 'A'; a <= 'Z'; ++a) {
    for (char b = 'A'; b <= 'Z'; ++b) {
      const char s[2] = {a, b};
      const CountryCode c = CountryCode::fromString(std::string_view(s, 2));
      const bool hasName = !countryName(c).empty();
      EXPECT_EQ(hasName, continentOf(c) != Continent::Unknown) << s[0] << s[1];
      if (hasName) {
        ++known;
        ++perContinent[continentOf(c)];
      }
    }
  }
  EXPECT_EQ(known, 249 + 1);  // ISO 3166-1 alpha-2, plus XK
  EXPECT_EQ(perContinent[Continent::Antarctica], 5);  // AQ BV GS HM TF
  for (int i = 0; i < static_cast<int>(Continent::Unknown); ++i) {
    EXPECT_GT(perContinent[static_cast<Continent>(i)], 0) << i;
  }
}

TEST(Continent, OfCountry) {
  EXPECT_EQ(continentOf(cc("DE")), Continent::Europe);
  EXPECT_EQ(continentOf(cc("RU")), Continent::Europe);
  EXPECT_EQ(continentOf(cc("TR")), Continent::Asia);
  EXPECT_EQ(continentOf(cc("CN")), Continent::Asia);
  EXPECT_EQ(continentOf(cc("US")), Continent::NorthAmerica);
  EXPECT_EQ(continentOf(cc("PA")), Continent::NorthAmerica);
  EXPECT_EQ(continentOf(cc("BR")), Continent::SouthAmerica);
  EXPECT_EQ(continentOf(cc("AU")), Continent::Oceania);
  EXPECT_EQ(continentOf(cc("EG")), Continent::Africa);
  EXPECT_EQ(continentOf(cc("AQ")), Continent::Antarctica);
  EXPECT_EQ(continentOf(cc("ZZ")), Continent::Unknown);
  EXPECT_EQ(continentOf(CountryCode{}), Continent::Unknown);
}

TEST(Continent, CodesAndNames) {
  EXPECT_EQ(continentCode(Continent::Africa), "AF");
  EXPECT_EQ(continentCode(Continent::Antarctica), "AN");
  EXPECT_EQ(continentCode(Continent::Asia), "AS");
  EXPECT_EQ(continentCode(Continent::Europe), "EU");
  EXPECT_EQ(continentCode(Continent::NorthAmerica), "NA");
  EXPECT_EQ(continentCode(Continent::Oceania), "OC");
  EXPECT_EQ(continentCode(Continent::SouthAmerica), "SA");
  EXPECT_EQ(continentCode(Continent::Unknown), "");
  EXPECT_EQ(continentName(Continent::NorthAmerica), "North America");
  EXPECT_EQ(continentName(Continent::Unknown), "");
}

TEST(GeoSchemaName, Names) {
  EXPECT_EQ(geoSchemaName(GeoSchema::MaxMindCountry), "maxmind_country");
  EXPECT_EQ(geoSchemaName(GeoSchema::FlatCountry), "flat_country");
  EXPECT_EQ(geoSchemaName(GeoSchema::MaxMindAsn), "maxmind_asn");
  EXPECT_EQ(geoSchemaName(GeoSchema::FlatAsn), "flat_asn");
  EXPECT_EQ(geoSchemaName(GeoSchema::Unknown), "unknown");
}

}  // namespace
}  // namespace egressmon
