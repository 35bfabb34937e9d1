// Reading policies: every key, the defaults, the documented messages for bad files, and the
// check-config description.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "egressmon/policy/policy.h"

namespace egressmon {
namespace {

TEST(PolicyConfig, EmptyTextIsTheDefaultPolicy) {
  auto p = parsePolicy("", "p.toml");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_FALSE(p->hasRegion());
  EXPECT_TRUE(p->appPolicies().empty());
  EXPECT_TRUE(p->ignores().empty());
  EXPECT_TRUE(p->alertsOn(IndeterminateReason::UnknownCountry));
  EXPECT_TRUE(p->alertsOn(IndeterminateReason::HiddenName));
  EXPECT_FALSE(p->alertsOn(IndeterminateReason::Anycast));
  EXPECT_FALSE(p->alertsOn(IndeterminateReason::RegisteredCountryDiffers));
  EXPECT_FALSE(p->alertsOn(IndeterminateReason::DatabaseStale));
  EXPECT_EQ(p->hiddenNameScope(), HiddenNameScope::AppPolicy);
  EXPECT_EQ(p->timing().minBytesOut, 1u);
  EXPECT_EQ(p->timing().hold, seconds(2));
  EXPECT_EQ(p->timing().holdPackets, 0u);
  EXPECT_FALSE(p->boundToCatalog());
  EXPECT_EQ(p->source(), "p.toml");
  // The default-constructed policy says the same.
  const Policy d;
  EXPECT_TRUE(d.alertsOn(IndeterminateReason::UnknownCountry));
  EXPECT_TRUE(d.alertsOn(IndeterminateReason::HiddenName));
  EXPECT_FALSE(d.alertsOn(IndeterminateReason::Anycast));
}

TEST(PolicyConfig, ReadsEveryKey) {
  auto p = parsePolicy(R"(
[region]
allow = ["EEA", "CH"]
deny = ["HU", "PL"]
unknown_country = "ignore"

[indeterminate]
alert_on = ["anycast", "database_stale"]
hidden_name_scope = "apps"

[policy]
min_bytes_out = 2048
hold = "500ms"
hold_packets = 4

[[app_policy]]
app = "TikTok"
allow = ["FIVE_EYES"]
deny = ["GB"]

[[app_policy]]
app = "Zoom"
deny = ["NO"]

[[ignore]]
range = "2001:db8::/32"
reason = "lab"

[[ignore]]
asn = 4200000000
reason = "private ASN, 32-bit"

[[ignore]]
domain = "Example.ORG."
reason = "ours"

[[ignore]]
app = "Backup"
reason = "contract 2024-17"
)", "p.toml");
  ASSERT_TRUE(p) << p.error().message;
  const Policy& x = p.value();
  ASSERT_TRUE(x.hasRegion());
  EXPECT_EQ(x.region().allowed.size(), 29u);  // 30 + CH - HU - PL
  EXPECT_EQ(x.region().text, "region allow=[EEA,CH] deny=[HU,PL]");
  EXPECT_EQ(x.region().source, "p.toml:2");
  EXPECT_FALSE(x.alertsOn(IndeterminateReason::UnknownCountry));
  EXPECT_TRUE(x.alertsOn(IndeterminateReason::Anycast));
  EXPECT_TRUE(x.alertsOn(IndeterminateReason::DatabaseStale));
  EXPECT_FALSE(x.alertsOn(IndeterminateReason::HiddenName));
  EXPECT_EQ(x.hiddenNameScope(), HiddenNameScope::Apps);
  EXPECT_EQ(x.timing().minBytesOut, 2048u);
  EXPECT_EQ(x.timing().hold, 500'000);
  EXPECT_EQ(x.timing().holdPackets, 4u);
  ASSERT_EQ(x.appPolicies().size(), 2u);
  EXPECT_EQ(x.appPolicies()[0].rule.allowed.toString(), "AU CA NZ US");
  EXPECT_EQ(x.appPolicies()[0].rule.text, "app_policy TikTok allow=[FIVE_EYES] deny=[GB]");
  EXPECT_TRUE(x.appPolicies()[1].rule.inherits);
  EXPECT_EQ(x.appPolicies()[1].rule.allowed.size(), 28u);
  ASSERT_EQ(x.ignores().size(), 4u);
  EXPECT_EQ(x.ignores()[0].text, "ignore range 2001:db8::/32: lab");
  EXPECT_EQ(x.ignores()[1].asn, 4200000000u);
  EXPECT_EQ(x.ignores()[2].domain, "example.org");
  EXPECT_EQ(x.ignores()[2].text, "ignore domain example.org: ours");
  EXPECT_EQ(x.ignores()[3].source, "p.toml:37");
}

TEST(PolicyConfig, DurationsAndAgreeingUnknownCountry) {
  auto p = parsePolicy("[policy]\nhold = 0\n[region]\nallow = [\"EU\"]\nunknown_country = "
                       "\"alert\"\n[indeterminate]\nalert_on = [\"unknown_country\"]\n",
                       "p.toml");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->timing().hold, 0);
  EXPECT_TRUE(p->alertsOn(IndeterminateReason::UnknownCountry));
  EXPECT_FALSE(p->alertsOn(IndeterminateReason::HiddenName));  // alert_on replaces the default
  auto q = parsePolicy("[policy]\nhold = \"1m\"\n", "p.toml");
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->timing().hold, seconds(60));
}

struct BadCase {
  const char* name;
  const char* text;
  const char* message;
};

// The documented messages (docs/policy.md shows several of them).
const BadCase kBad[] = {
    {"unknown_root_key", "[regoin]\nallow = [\"EU\"]\n",
     "p.toml:1:2: unknown key 'regoin' (expected one of: region, indeterminate, app_policy, "
     "ignore, policy)"},
    {"unknown_key_in_region", "[region]\nallow = [\"EU\"]\nalow = [\"CH\"]\n",
     "p.toml:3:1: unknown key 'alow' in [region] (expected one of: allow, deny, "
     "unknown_country)"},
    {"unknown_country_code", "[region]\nallow = [\"EU\", \"XX\"]\n",
     "p.toml:2:16: region.allow: \"XX\" is not a country code or region group (expected an "
     "upper-case ISO 3166-1 alpha-2 code such as \"DE\", or a group: EU, EEA, EFTA, FIVE_EYES, "
     "AFRICA, ANTARCTICA, ASIA, EUROPE, NORTH_AMERICA, OCEANIA, SOUTH_AMERICA)"},
    {"alpha3_code", "[region]\nallow = [\"usa\"]\n",
     "p.toml:2:10: region.allow: \"usa\" is not a country code or region group (expected an "
     "upper-case ISO 3166-1 alpha-2 code such as \"DE\", or a group: EU, EEA, EFTA, FIVE_EYES, "
     "AFRICA, ANTARCTICA, ASIA, EUROPE, NORTH_AMERICA, OCEANIA, SOUTH_AMERICA)"},
    {"lower_case_code", "[region]\nallow = [\"de\"]\n",
     "p.toml:2:10: region.allow: \"de\" is not a country code (expected upper case: \"DE\")"},
    {"lower_case_group", "[region]\nallow = [\"eu\"]\n",
     "p.toml:2:10: region.allow: \"eu\" is not a region group (expected upper case: \"EU\")"},
    {"uk", "[region]\nallow = [\"EU\"]\ndeny = [\"UK\"]\n",
     "p.toml:3:9: region.deny: \"UK\" is not an ISO 3166-1 code (expected \"GB\" for the United "
     "Kingdom)"},
    {"not_a_string", "[region]\nallow = [\"EU\", 49]\n",
     "p.toml:2:16: region.allow: entry is an integer (expected a country code such as \"DE\" or "
     "a group such as \"EU\")"},
    {"allow_not_array", "[region]\nallow = \"EU\"\n",
     "p.toml:2:9: region.allow is a string (expected an array such as [\"EU\", \"CH\"])"},
    {"allow_empty", "[region]\nallow = []\n",
     "p.toml:2:9: region.allow is empty (expected at least one country code or group, such as "
     "[\"EU\"])"},
    {"listed_twice", "[region]\nallow = [\"DE\", \"FR\", \"DE\"]\n",
     "p.toml:2:22: region.allow: \"DE\" is listed twice, first at p.toml:2:10 (expected each "
     "once)"},
    {"deny_without_allow", "[region]\ndeny = [\"HU\"]\n",
     "p.toml:2:8: region.deny without region.allow (expected allow = [...] listing the region "
     "that deny narrows)"},
    {"deny_removes_nothing", "[region]\nallow = [\"EU\"]\ndeny = [\"US\"]\n",
     "p.toml:3:9: region.deny: \"US\" removes nothing from allow=[EU] (expected countries or "
     "groups inside the allowed region)"},
    {"deny_removes_everything", "[region]\nallow = [\"EFTA\"]\ndeny = [\"EUROPE\"]\n",
     "p.toml:1:1: region allows no country: deny removes everything allowed (expected deny to "
     "remove part of the allowed region)"},
    {"unknown_country_value", "[region]\nallow = [\"EU\"]\nunknown_country = \"warn\"\n",
     "p.toml:3:19: region.unknown_country is \"warn\" (expected \"alert\" or \"ignore\")"},
    {"unknown_country_contradiction",
     "[region]\nallow = [\"EU\"]\nunknown_country = \"ignore\"\n[indeterminate]\n"
     "alert_on = [\"unknown_country\"]\n",
     "p.toml:3:19: region.unknown_country = \"ignore\" contradicts indeterminate.alert_on at "
     "p.toml:5:12, which lists unknown_country (expected the two to agree, or only one of them)"},
    {"region_not_table", "region = [\"EU\"]\n",
     "p.toml:1:10: region is an array (expected a table [region])"},
    {"bad_reason", "[indeterminate]\nalert_on = [\"unknown\", \"anycast\", \"anycast\"]\n",
     "p.toml:2:13: indeterminate.alert_on: \"unknown\" is not a reason (expected one of: "
     "unknown_country, anycast, registered_country_differs, database_stale, hidden_name)\n"
     "p.toml:2:35: indeterminate.alert_on: \"anycast\" is listed twice, first at p.toml:2:24 "
     "(expected each once)"},
    {"bad_scope", "[indeterminate]\nhidden_name_scope = \"some\"\n",
     "p.toml:2:21: indeterminate.hidden_name_scope is \"some\" (expected \"app_policy\", "
     "\"apps\" or \"all\")"},
    {"min_bytes_zero", "[policy]\nmin_bytes_out = 0\n",
     "p.toml:2:17: policy.min_bytes_out is 0 (expected an integer from 1 to 9007199254740992: IP "
     "bytes sent to the remote end)"},
    {"bad_hold", "[policy]\nhold = \"2 seconds\"\n",
     "p.toml:2:8: policy.hold is \"2 seconds\" (expected a duration of packet time such as 2 "
     "(seconds), \"2s\" or \"500ms\"; 0 judges at once)"},
    {"bad_hold_packets", "[policy]\nhold_packets = -1\n",
     "p.toml:2:16: policy.hold_packets is -1 (expected an integer from 0 to 1000000; 0 holds by "
     "time only)"},
    {"app_policy_without_app", "[[app_policy]]\nallow = [\"US\"]\n",
     "p.toml:1:1: app_policy: missing key 'app' (expected app = \"<catalog app name>\")"},
    {"app_policy_nothing", "[[app_policy]]\napp = \"TikTok\"\n",
     "p.toml:1:1: app_policy 'TikTok': neither allow nor deny (expected allow = [...] and/or "
     "deny = [...])"},
    {"app_policy_deny_without_region", "[[app_policy]]\napp = \"TikTok\"\ndeny = [\"CN\"]\n",
     "p.toml:3:8: app_policy 'TikTok': deny without allow, and no [region] allow to narrow "
     "(expected allow = [...])"},
    {"app_policy_twice",
     "[[app_policy]]\napp = \"TikTok\"\nallow = [\"US\"]\n[[app_policy]]\napp = \"TikTok\"\n"
     "allow = [\"CA\"]\n",
     "p.toml:5:7: app_policy 'TikTok': a second [[app_policy]] for the app, first at p.toml:2:7 "
     "(expected one per app)"},
    {"app_policy_bad_code", "[[app_policy]]\napp = \"TikTok\"\nallow = [\"us\"]\n",
     "p.toml:3:10: app_policy 'TikTok': allow: \"us\" is not a country code (expected upper "
     "case: \"US\")"},
    {"app_policy_unknown_key", "[[app_policy]]\napp = \"TikTok\"\nallow = [\"US\"]\nregion = 1\n",
     "p.toml:4:1: unknown key 'region' in [[app_policy]] (expected one of: app, allow, deny)"},
    {"app_policy_as_table", "[app_policy]\napp = \"TikTok\"\n",
     "p.toml:1:1: app_policy is a table (expected [[app_policy]] entries)"},
    {"ignore_two_selectors",
     "[[ignore]]\nrange = \"192.0.2.0/24\"\nasn = 64500\nreason = \"x\"\n",
     "p.toml:3:7: ignore: both range and asn in one entry (expected exactly one selector per "
     "[[ignore]]; write one entry each)"},
    {"ignore_no_selector", "[[ignore]]\nreason = \"x\"\n",
     "p.toml:1:1: ignore: no selector (expected exactly one of range, asn, domain, app)"},
    {"ignore_no_reason", "[[ignore]]\nasn = 64500\n",
     "p.toml:1:1: ignore: missing key 'reason' (expected reason = \"why this traffic may leave "
     "the region\")"},
    {"ignore_empty_reason", "[[ignore]]\nasn = 64500\nreason = \"  \"\n",
     "p.toml:3:10: ignore: reason is \"  \" (expected one line of text saying why this traffic "
     "may leave the region)"},
    {"ignore_bad_range", "[[ignore]]\nrange = \"203.0.113.0/33\"\nreason = \"x\"\n",
     "p.toml:2:9: ignore: range \"203.0.113.0/33\" is not an address range (expected one such as "
     "\"203.0.113.0/24\" or \"2001:db8::/32\")"},
    {"ignore_host_bits", "[[ignore]]\nrange = \"203.0.113.7/24\"\nreason = \"x\"\n",
     "p.toml:2:9: ignore: range \"203.0.113.7/24\" has host bits set (expected "
     "\"203.0.113.0/24\")"},
    {"ignore_bad_asn", "[[ignore]]\nasn = 0\nreason = \"x\"\n",
     "p.toml:2:7: ignore: asn 0 is not an AS number (expected an integer from 1 to 4294967295)"},
    {"ignore_public_suffix", "[[ignore]]\ndomain = \"co.uk\"\nreason = \"x\"\n",
     "p.toml:2:10: ignore: domain \"co.uk\" is a public suffix and would ignore every site under "
     "it (expected a registrable domain or a name below one)"},
    {"ignore_wildcard", "[[ignore]]\ndomain = \"*.example.com\"\nreason = \"x\"\n",
     "p.toml:2:10: ignore: domain: \"*.example.com\" has a wildcard; a domain already matches "
     "every name below it (expected \"example.com\")"},
    {"ignore_twice",
     "[[ignore]]\nasn = 64500\nreason = \"x\"\n[[ignore]]\nasn = 64500\nreason = \"y\"\n",
     "p.toml:5:7: ignore: asn 64500 is already ignored at p.toml:2:7 (expected each exception "
     "once)"},
    {"ignore_unknown_key", "[[ignore]]\nasn = 64500\nreason = \"x\"\ncomment = \"y\"\n",
     "p.toml:4:1: unknown key 'comment' in [[ignore]] (expected one of: range, asn, domain, app, "
     "reason)"},
    {"toml_syntax", "[region]\nallow = [\"EU\"\n",
     "p.toml:2:15: Error while parsing array: encountered end-of-file"},
};

class PolicyConfigBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(PolicyConfigBad, Message) {
  auto r = parsePolicy(GetParam().text, "p.toml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(Cases, PolicyConfigBad, ::testing::ValuesIn(kBad),
                         [](const ::testing::TestParamInfo<BadCase>& row) { return std::string(row.param.name); });

TEST(PolicyConfig, EveryErrorInFileOrder) {
  auto r = parsePolicy(R"([region]
allow = ["EU", "XX"]
deny = ["de"]
[[ignore]]
asn = 64500
[[app_policy]]
app = "TikTok"
allow = ["ZZ"]
)", "p.toml");
  ASSERT_FALSE(r);
  const std::string& m = r.error().message;
  const size_t a = m.find("p.toml:2:16:");
  const size_t b = m.find("p.toml:3:9:");
  const size_t c = m.find("p.toml:4:1:");
  const size_t d = m.find("p.toml:8:10:");
  ASSERT_NE(a, std::string::npos) << m;
  ASSERT_NE(b, std::string::npos) << m;
  ASSERT_NE(c, std::string::npos) << m;
  ASSERT_NE(d, std::string::npos) << m;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_LT(c, d);
  // A broken region does not also produce "deny without allow" for app policies below it.
  EXPECT_EQ(m.find("no [region] allow"), std::string::npos) << m;
}

TEST(PolicyConfig, EmbeddedLeavesOtherKeysToTheCaller) {
  const char* text = "[geo]\nmax_age_days = 10\n[region]\nallow = [\"EU\"]\n";
  EXPECT_FALSE(parsePolicy(text, "e.toml"));
  PolicyParseOptions opt;
  opt.embedded = true;
  auto p = parsePolicy(text, "e.toml", opt);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_TRUE(p->hasRegion());
  ASSERT_EQ(policyRootKeys().size(), 5u);
  EXPECT_EQ(policyRootKeys()[0], "region");
}

TEST(PolicyConfig, CatalogHintsTheSpelling) {
  std::vector<AppRule> rules(1);
  rules[0].name = "TikTok";
  rules[0].domains = {"tiktok.com"};
  auto cat = AppCatalog::build(rules);
  ASSERT_TRUE(cat) << cat.error().message;
  PolicyParseOptions opt;
  opt.catalog = &cat.value();
  auto r = parsePolicy("[[ignore]]\napp = \"tiktok\"\nreason = \"x\"\n", "p.toml", opt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "p.toml:2:7: ignore: app \"tiktok\" is not in the app catalog (expected \"TikTok\")");
}

TEST(PolicyConfig, LoadPolicyFile) {
  auto missing = loadPolicy("/nonexistent/policy.toml");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "cannot read policy /nonexistent/policy.toml: No such file or directory");
  const std::string path = ::testing::TempDir() + "policy_config_test.toml";
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fputs("[region]\nallow = [\"EU\"]\n", f);
  std::fclose(f);
  auto p = loadPolicy(path);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->region().source, path + ":1");
  std::remove(path.c_str());
}

TEST(PolicyConfig, Describe) {
  auto p = parsePolicy(R"([region]
allow = ["EU", "CH"]
deny = ["HU"]

[policy]
hold = "3s"

[[app_policy]]
app = "TikTok"
allow = ["US"]

[[app_policy]]
app = "Zoom"
deny = ["NL"]

[[ignore]]
range = "203.0.113.0/24"
reason = "our CDN"

[[ignore]]
domain = "example.com"
reason = "our own site"
)", "policy.toml");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->describe(), R"(policy: policy.toml
region: allow=[EU,CH] deny=[HU]  (policy.toml:1)
    27 countries: AT BE BG CH CY CZ DE DK EE ES FI FR GR HR IE IT LT LU LV MT NL PL PT RO
                  SE SI SK
unknown_country: alert
indeterminate, alert: unknown_country, hidden_name
indeterminate, report only: anycast, registered_country_differs, database_stale
hidden_name_scope: app_policy (flows of apps with an [[app_policy]])
alert when: data sent and min_bytes_out = 1 IP byte sent; hold = 3s of packet time
app policies (2), each replacing the region for its app:
  TikTok: allow=[US]  (policy.toml:8)
    1 country: US
  Zoom: the region, deny=[NL]  (policy.toml:12)
    26 countries: AT BE BG CH CY CZ DE DK EE ES FI FR GR HR IE IT LT LU LV MT PL PT RO SE
                  SI SK
exceptions (2), never alerted, first match wins:
  range 203.0.113.0/24: our CDN  (policy.toml:16)
  domain example.com: our own site  (policy.toml:20)
)");
  const Policy none;
  EXPECT_EQ(none.describe(), R"(policy: (none: built-in defaults)
region: none ([region] allow not given): only apps with an [[app_policy]] are judged
unknown_country: alert
indeterminate, alert: unknown_country, hidden_name
indeterminate, report only: anycast, registered_country_differs, database_stale
hidden_name_scope: app_policy (flows of apps with an [[app_policy]])
alert when: data sent and min_bytes_out = 1 IP byte sent; hold = 2s of packet time
app policies (0)
exceptions (0)
)");
}

}  // namespace
}  // namespace egressmon
