// Country names and continents for ISO 3166-1 alpha-2 codes, and the small geo enums' names.
//
// Names: the English short names of ISO 3166-1 (ISO 3166 Maintenance Agency, Online Browsing
// Platform), written in their common short form where ISO inverts or qualifies them, as the
// Unicode CLDR English locale does: "Korea, Republic of" -> "South Korea", "Iran (Islamic
// Republic of)" -> "Iran", "Viet Nam" -> "Vietnam", "Holy See" -> "Vatican City". UTF-8.
// Continents: GeoNames countryInfo.txt, the assignment MaxMind's continent.code also follows
// (so Russia and Cyprus are Europe, Turkey and Georgia Asia, Timor-Leste Oceania, and the
// uninhabited southern territories Antarctica).
// 249 ISO codes, plus the user-assigned XK (Kosovo) that GeoNames-based databases emit.
#include <array>

#include "egressmon/geo/geo.h"

namespace egressmon {

namespace {

struct CountryRow {
  const char code[3];
  std::string_view name;
  Continent continent;
};

// Strictly sorted by code (checked below); countries_test counts the entries.
constexpr CountryRow kCountries[] = {
    {"AD", "Andorra", Continent::Europe},
    {"AE", "United Arab Emirates", Continent::Asia},
    {"AF", "Afghanistan", Continent::Asia},
    {"AG", "Antigua and Barbuda", Continent::NorthAmerica},
    {"AI", "Anguilla", Continent::NorthAmerica},
    {"AL", "Albania", Continent::Europe},
    {"AM", "Armenia", Continent::Asia},
    {"AO", "Angola", Continent::Africa},
    {"AQ", "Antarctica", Continent::Antarctica},
    {"AR", "Argentina", Continent::SouthAmerica},
    {"AS", "American Samoa", Continent::Oceania},
    {"AT", "Austria", Continent::Europe},
    {"AU", "Australia", Continent::Oceania},
    {"AW", "Aruba", Continent::NorthAmerica},
    {"AX", "Åland Islands", Continent::Europe},
    {"AZ", "Azerbaijan", Continent::Asia},
    {"BA", "Bosnia and Herzegovina", Continent::Europe},
    {"BB", "Barbados", Continent::NorthAmerica},
    {"BD", "Bangladesh", Continent::Asia},
    {"BE", "Belgium", Continent::Europe},
    {"BF", "Burkina Faso", Continent::Africa},
    {"BG", "Bulgaria", Continent::Europe},
    {"BH", "Bahrain", Continent::Asia},
    {"BI", "Burundi", Continent::Africa},
    {"BJ", "Benin", Continent::Africa},
    {"BL", "Saint Barthélemy", Continent::NorthAmerica},
    {"BM", "Bermuda", Continent::NorthAmerica},
    {"BN", "Brunei", Continent::Asia},
    {"BO", "Bolivia", Continent::SouthAmerica},
    {"BQ", "Bonaire, Sint Eustatius and Saba", Continent::NorthAmerica},
    {"BR", "Brazil", Continent::SouthAmerica},
    {"BS", "Bahamas", Continent::NorthAmerica},
    {"BT", "Bhutan", Continent::Asia},
    {"BV", "Bouvet Island", Continent::Antarctica},
    {"BW", "Botswana", Continent::Africa},
    {"BY", "Belarus", Continent::Europe},
    {"BZ", "Belize", Continent::NorthAmerica},
    {"CA", "Canada", Continent::NorthAmerica},
    {"CC", "Cocos (Keeling) Islands", Continent::Asia},
    {"CD", "Democratic Republic of the Congo", Continent::Africa},
    {"CF", "Central African Republic", Continent::Africa},
    {"CG", "Republic of the Congo", Continent::Africa},
    {"CH", "Switzerland", Continent::Europe},
    {"CI", "Côte d'Ivoire", Continent::Africa},
    {"CK", "Cook Islands", Continent::Oceania},
    {"CL", "Chile", Continent::SouthAmerica},
    {"CM", "Cameroon", Continent::Africa},
    {"CN", "China", Continent::Asia},
    {"CO", "Colombia", Continent::SouthAmerica},
    {"CR", "Costa Rica", Continent::NorthAmerica},
    {"CU", "Cuba", Continent::NorthAmerica},
    {"CV", "Cabo Verde", Continent::Africa},
    {"CW", "Curaçao", Continent::NorthAmerica},
    {"CX", "Christmas Island", Continent::Asia},
    {"CY", "Cyprus", Continent::Europe},
    {"CZ", "Czechia", Continent::Europe},
    {"DE", "Germany", Continent::Europe},
    {"DJ", "Djibouti", Continent::Africa},
    {"DK", "Denmark", Continent::Europe},
    {"DM", "Dominica", Continent::NorthAmerica},
    {"DO", "Dominican Republic", Continent::NorthAmerica},
    {"DZ", "Algeria", Continent::Africa},
    {"EC", "Ecuador", Continent::SouthAmerica},
    {"EE", "Estonia", Continent::Europe},
    {"EG", "Egypt", Continent::Africa},
    {"EH", "Western Sahara", Continent::Africa},
    {"ER", "Eritrea", Continent::Africa},
    {"ES", "Spain", Continent::Europe},
    {"ET", "Ethiopia", Continent::Africa},
    {"FI", "Finland", Continent::Europe},
    {"FJ", "Fiji", Continent::Oceania},
    {"FK", "Falkland Islands", Continent::SouthAmerica},
    {"FM", "Micronesia", Continent::Oceania},
    {"FO", "Faroe Islands", Continent::Europe},
    {"FR", "France", Continent::Europe},
    {"GA", "Gabon", Continent::Africa},
    {"GB", "United Kingdom", Continent::Europe},
    {"GD", "Grenada", Continent::NorthAmerica},
    {"GE", "Georgia", Continent::Asia},
    {"GF", "French Guiana", Continent::SouthAmerica},
    {"GG", "Guernsey", Continent::Europe},
    {"GH", "Ghana", Continent::Africa},
    {"GI", "Gibraltar", Continent::Europe},
    {"GL", "Greenland", Continent::NorthAmerica},
    {"GM", "Gambia", Continent::Africa},
    {"GN", "Guinea", Continent::Africa},
    {"GP", "Guadeloupe", Continent::NorthAmerica},
    {"GQ", "Equatorial Guinea", Continent::Africa},
    {"GR", "Greece", Continent::Europe},
    {"GS", "South Georgia and the South Sandwich Islands", Continent::Antarctica},
    {"GT", "Guatemala", Continent::NorthAmerica},
    {"GU", "Guam", Continent::Oceania},
    {"GW", "Guinea-Bissau", Continent::Africa},
    {"GY", "Guyana", Continent::SouthAmerica},
    {"HK", "Hong Kong", Continent::Asia},
    {"HM", "Heard Island and McDonald Islands", Continent::Antarctica},
    {"HN", "Honduras", Continent::NorthAmerica},
    {"HR", "Croatia", Continent::Europe},
    {"HT", "Haiti", Continent::NorthAmerica},
    {"HU", "Hungary", Continent::Europe},
    {"ID", "Indonesia", Continent::Asia},
    {"IE", "Ireland", Continent::Europe},
    {"IL", "Israel", Continent::Asia},
    {"IM", "Isle of Man", Continent::Europe},
    {"IN", "India", Continent::Asia},
    {"IO", "British Indian Ocean Territory", Continent::Asia},
    {"IQ", "Iraq", Continent::Asia},
    {"IR", "Iran", Continent::Asia},
    {"IS", "Iceland", Continent::Europe},
    {"IT", "Italy", Continent::Europe},
    {"JE", "Jersey", Continent::Europe},
    {"JM", "Jamaica", Continent::NorthAmerica},
    {"JO", "Jordan", Continent::Asia},
    {"JP", "Japan", Continent::Asia},
    {"KE", "Kenya", Continent::Africa},
    {"KG", "Kyrgyzstan", Continent::Asia},
    {"KH", "Cambodia", Continent::Asia},
    {"KI", "Kiribati", Continent::Oceania},
    {"KM", "Comoros", Continent::Africa},
    {"KN", "Saint Kitts and Nevis", Continent::NorthAmerica},
    {"KP", "North Korea", Continent::Asia},
    {"KR", "South Korea", Continent::Asia},
    {"KW", "Kuwait", Continent::Asia},
    {"KY", "Cayman Islands", Continent::NorthAmerica},
    {"KZ", "Kazakhstan", Continent::Asia},
    {"LA", "Laos", Continent::Asia},
    {"LB", "Lebanon", Continent::Asia},
    {"LC", "Saint Lucia", Continent::NorthAmerica},
    {"LI", "Liechtenstein", Continent::Europe},
    {"LK", "Sri Lanka", Continent::Asia},
    {"LR", "Liberia", Continent::Africa},
    {"LS", "Lesotho", Continent::Africa},
    {"LT", "Lithuania", Continent::Europe},
    {"LU", "Luxembourg", Continent::Europe},
    {"LV", "Latvia", Continent::Europe},
    {"LY", "Libya", Continent::Africa},
    {"MA", "Morocco", Continent::Africa},
    {"MC", "Monaco", Continent::Europe},
    {"MD", "Moldova", Continent::Europe},
    {"ME", "Montenegro", Continent::Europe},
    {"MF", "Saint Martin", Continent::NorthAmerica},
    {"MG", "Madagascar", Continent::Africa},
    {"MH", "Marshall Islands", Continent::Oceania},
    {"MK", "North Macedonia", Continent::Europe},
    {"ML", "Mali", Continent::Africa},
    {"MM", "Myanmar", Continent::Asia},
    {"MN", "Mongolia", Continent::Asia},
    {"MO", "Macao", Continent::Asia},
    {"MP", "Northern Mariana Islands", Continent::Oceania},
    {"MQ", "Martinique", Continent::NorthAmerica},
    {"MR", "Mauritania", Continent::Africa},
    {"MS", "Montserrat", Continent::NorthAmerica},
    {"MT", "Malta", Continent::Europe},
    {"MU", "Mauritius", Continent::Africa},
    {"MV", "Maldives", Continent::Asia},
    {"MW", "Malawi", Continent::Africa},
    {"MX", "Mexico", Continent::NorthAmerica},
    {"MY", "Malaysia", Continent::Asia},
    {"MZ", "Mozambique", Continent::Africa},
    {"NA", "Namibia", Continent::Africa},
    {"NC", "New Caledonia", Continent::Oceania},
    {"NE", "Niger", Continent::Africa},
    {"NF", "Norfolk Island", Continent::Oceania},
    {"NG", "Nigeria", Continent::Africa},
    {"NI", "Nicaragua", Continent::NorthAmerica},
    {"NL", "Netherlands", Continent::Europe},
    {"NO", "Norway", Continent::Europe},
    {"NP", "Nepal", Continent::Asia},
    {"NR", "Nauru", Continent::Oceania},
    {"NU", "Niue", Continent::Oceania},
    {"NZ", "New Zealand", Continent::Oceania},
    {"OM", "Oman", Continent::Asia},
    {"PA", "Panama", Continent::NorthAmerica},
    {"PE", "Peru", Continent::SouthAmerica},
    {"PF", "French Polynesia", Continent::Oceania},
    {"PG", "Papua New Guinea", Continent::Oceania},
    {"PH", "Philippines", Continent::Asia},
    {"PK", "Pakistan", Continent::Asia},
    {"PL", "Poland", Continent::Europe},
    {"PM", "Saint Pierre and Miquelon", Continent::NorthAmerica},
    {"PN", "Pitcairn", Continent::Oceania},
    {"PR", "Puerto Rico", Continent::NorthAmerica},
    {"PS", "Palestine", Continent::Asia},
    {"PT", "Portugal", Continent::Europe},
    {"PW", "Palau", Continent::Oceania},
    {"PY", "Paraguay", Continent::SouthAmerica},
    {"QA", "Qatar", Continent::Asia},
    {"RE", "Réunion", Continent::Africa},
    {"RO", "Romania", Continent::Europe},
    {"RS", "Serbia", Continent::Europe},
    {"RU", "Russia", Continent::Europe},
    {"RW", "Rwanda", Continent::Africa},
    {"SA", "Saudi Arabia", Continent::Asia},
    {"SB", "Solomon Islands", Continent::Oceania},
    {"SC", "Seychelles", Continent::Africa},
    {"SD", "Sudan", Continent::Africa},
    {"SE", "Sweden", Continent::Europe},
    {"SG", "Singapore", Continent::Asia},
    {"SH", "Saint Helena, Ascension and Tristan da Cunha", Continent::Africa},
    {"SI", "Slovenia", Continent::Europe},
    {"SJ", "Svalbard and Jan Mayen", Continent::Europe},
    {"SK", "Slovakia", Continent::Europe},
    {"SL", "Sierra Leone", Continent::Africa},
    {"SM", "San Marino", Continent::Europe},
    {"SN", "Senegal", Continent::Africa},
    {"SO", "Somalia", Continent::Africa},
    {"SR", "Suriname", Continent::SouthAmerica},
    {"SS", "South Sudan", Continent::Africa},
    {"ST", "São Tomé and Príncipe", Continent::Africa},
    {"SV", "El Salvador", Continent::NorthAmerica},
    {"SX", "Sint Maarten", Continent::NorthAmerica},
    {"SY", "Syria", Continent::Asia},
    {"SZ", "Eswatini", Continent::Africa},
    {"TC", "Turks and Caicos Islands", Continent::NorthAmerica},
    {"TD", "Chad", Continent::Africa},
    {"TF", "French Southern Territories", Continent::Antarctica},
    {"TG", "Togo", Continent::Africa},
    {"TH", "Thailand", Continent::Asia},
    {"TJ", "Tajikistan", Continent::Asia},
    {"TK", "Tokelau", Continent::Oceania},
    {"TL", "Timor-Leste", Continent::Oceania},
    {"TM", "Turkmenistan", Continent::Asia},
    {"TN", "Tunisia", Continent::Africa},
    {"TO", "Tonga", Continent::Oceania},
    {"TR", "Türkiye", Continent::Asia},
    {"TT", "Trinidad and Tobago", Continent::NorthAmerica},
    {"TV", "Tuvalu", Continent::Oceania},
    {"TW", "Taiwan", Continent::Asia},
    {"TZ", "Tanzania", Continent::Africa},
    {"UA", "Ukraine", Continent::Europe},
    {"UG", "Uganda", Continent::Africa},
    {"UM", "United States Minor Outlying Islands", Continent::Oceania},
    {"US", "United States", Continent::NorthAmerica},
    {"UY", "Uruguay", Continent::SouthAmerica},
    {"UZ", "Uzbekistan", Continent::Asia},
    {"VA", "Vatican City", Continent::Europe},
    {"VC", "Saint Vincent and the Grenadines", Continent::NorthAmerica},
    {"VE", "Venezuela", Continent::SouthAmerica},
    {"VG", "British Virgin Islands", Continent::NorthAmerica},
    {"VI", "U.S. Virgin Islands", Continent::NorthAmerica},
    {"VN", "Vietnam", Continent::Asia},
    {"VU", "Vanuatu", Continent::Oceania},
    {"WF", "Wallis and Futuna", Continent::Oceania},
    {"WS", "Samoa", Continent::Oceania},
    {"XK", "Kosovo", Continent::Europe},
    {"YE", "Yemen", Continent::Asia},
    {"YT", "Mayotte", Continent::Africa},
    {"ZA", "South Africa", Continent::Africa},
    {"ZM", "Zambia", Continent::Africa},
    {"ZW", "Zimbabwe", Continent::Africa},
};
constexpr size_t kCountryCount = sizeof(kCountries) / sizeof(kCountries[0]);

constexpr bool isUpper(char ch) { return ch >= 'A' && ch <= 'Z'; }
constexpr bool tableWellFormed() {
  for (size_t i = 0; i < kCountryCount; ++i) {
    const auto& r = kCountries[i];
    if (!isUpper(r.code[0]) || !isUpper(r.code[1]) || r.code[2] != 0 || r.name.empty()) return false;
    if (i > 0) {
      const auto& p = kCountries[i - 1];
      if (p.code[0] > r.code[0] || (p.code[0] == r.code[0] && p.code[1] >= r.code[1])) return false;
    }
  }
  return true;
}
static_assert(tableWellFormed(), "kCountries must be strictly sorted, upper-case two-letter codes");

// Direct 26x26 index: (row number + 1) for each code, 0 = unknown. Built at compile time.
constexpr std::array<uint8_t, 26 * 26> buildIndex() {
  std::array<uint8_t, 26 * 26> idx{};
  for (size_t i = 0; i < kCountryCount; ++i) {
    const auto slot = size_t(kCountries[i].code[0] - 'A') * 26 + size_t(kCountries[i].code[1] - 'A');
    idx[slot] = uint8_t(i + 1);
  }
  return idx;
}
constexpr auto kIndex = buildIndex();
static_assert(kCountryCount < 255, "index entries are uint8_t");

const CountryRow* findCountry(CountryCode cc) {
  const auto a = static_cast<unsigned char>(cc.c[0]);
  const auto b = static_cast<unsigned char>(cc.c[1]);
  if (a < 'A' || a > 'Z' || b < 'A' || b > 'Z') return nullptr;
  const uint8_t i = kIndex[size_t(a - 'A') * 26 + size_t(b - 'A')];
  return i == 0 ? nullptr : &kCountries[i - 1];
}

}  // namespace

CountryCode CountryCode::fromString(std::string_view s) {
  CountryCode cc;
  if (s.size() != 2) return cc;
  char up[2];
  for (size_t i = 0; i < 2; ++i) {
    const char ch = s[i];
    if (ch >= 'a' && ch <= 'z') {
      up[i] = char(ch - 'a' + 'A');
    } else if (ch >= 'A' && ch <= 'Z') {
      up[i] = ch;
    } else {
      return cc;
    }
  }
  cc.c[0] = up[0];
  cc.c[1] = up[1];
  return cc;
}

std::string_view countryName(CountryCode cc) {
  const CountryRow* row = findCountry(cc);
  return row ? row->name : std::string_view{};
}

Continent continentOf(CountryCode cc) {
  const CountryRow* row = findCountry(cc);
  return row ? row->continent : Continent::Unknown;
}

std::string_view continentCode(Continent c) {
  switch (c) {
    case Continent::Africa: return "AF";
    case Continent::Antarctica: return "AN";
    case Continent::Asia: return "AS";
    case Continent::Europe: return "EU";
    case Continent::NorthAmerica: return "NA";
    case Continent::Oceania: return "OC";
    case Continent::SouthAmerica: return "SA";
    case Continent::Unknown: break;
  }
  return {};
}

std::string_view continentName(Continent c) {
  switch (c) {
    case Continent::Africa: return "Africa";
    case Continent::Antarctica: return "Antarctica";
    case Continent::Asia: return "Asia";
    case Continent::Europe: return "Europe";
    case Continent::NorthAmerica: return "North America";
    case Continent::Oceania: return "Oceania";
    case Continent::SouthAmerica: return "South America";
    case Continent::Unknown: break;
  }
  return {};
}

std::string_view geoSchemaName(GeoSchema s) {
  switch (s) {
    case GeoSchema::MaxMindCountry: return "maxmind_country";
    case GeoSchema::FlatCountry: return "flat_country";
    case GeoSchema::MaxMindAsn: return "maxmind_asn";
    case GeoSchema::FlatAsn: return "flat_asn";
    case GeoSchema::Unknown: break;
  }
  return "unknown";
}

}  // namespace egressmon
