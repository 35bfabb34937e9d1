#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "egressmon/apps/app_catalog.h"
#include "egressmon/config/apps_config.h"

namespace egressmon {
namespace {

const std::string kShipped = std::string(EGRESSMON_SOURCE_DIR) + "/config/apps.d";

Result<std::vector<AppRule>> parse(std::string_view text, const std::string& name = "t.toml") {
  return parseAppCatalog({{name, text}});
}

// The error text for `text`, which must be rejected.
std::string errorOf(std::string_view text) {
  auto r = parse(text);
  EXPECT_FALSE(r) << "accepted:\n" << text;
  return r ? std::string() : r.error().message;
}

TEST(AppsConfig, ReadsEveryKey) {
  auto r = parse(R"(
[[app]]
name = "TikTok"
vendor = "ByteDance"
domains = ["TikTokV.com.", "tiktok.com"]   # suffixes
names = ["Api.Example.ORG"]
ranges = ["192.0.2.0/24", "2001:db8::/32", "198.51.100.7"]
asns = [138699, 4294967295]
ports = [443, "8801-8803"]

[[app]]
name = "Stun"
vendor = "IETF"
ports = [3478]
)");
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  const AppRule& a = r.value()[0];
  EXPECT_EQ(a.name, "TikTok");
  EXPECT_EQ(a.vendor, "ByteDance");
  EXPECT_EQ(a.domains, (std::vector<std::string>{"tiktokv.com", "tiktok.com"}));
  EXPECT_EQ(a.exactNames, (std::vector<std::string>{"api.example.org"}));
  ASSERT_EQ(a.ranges.size(), 3u);
  EXPECT_EQ(a.ranges[1].toString(), "2001:db8::/32");
  EXPECT_EQ(a.ranges[2].toString(), "198.51.100.7/32");
  EXPECT_EQ(a.asns, (std::vector<uint32_t>{138699, 4294967295u}));
  EXPECT_EQ(a.ports, (std::vector<uint16_t>{443, 8801, 8802, 8803}));
  EXPECT_EQ(a.source, "t.toml:2");
  EXPECT_EQ(r.value()[1].source, "t.toml:11");
  EXPECT_TRUE(AppCatalog::build(std::move(r.value())));
}

TEST(AppsConfig, EmptyFileIsAnEmptyCatalog) {
  auto r = parse("# nothing yet\n");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->empty());
}

struct BadCase {
  const char* text;
  const char* error;  // a substring of the message, including its position
};

class AppsConfigBad : public ::testing::TestWithParam<BadCase> {};

TEST_P(AppsConfigBad, IsRejectedWithPosition) {
  const std::string m = errorOf(GetParam().text);
  EXPECT_NE(m.find(GetParam().error), std::string::npos) << m;
  EXPECT_NE(m.find("expected"), std::string::npos) << m;
}

#define APP "[[app]]\nname = \"X\"\nvendor = \"V\"\n"
INSTANTIATE_TEST_SUITE_P(
    Cases, AppsConfigBad,
    ::testing::Values(
        BadCase{"[[app]\n", "t.toml:1:"},  // TOML syntax
        BadCase{"apps = 1\n", "t.toml:1:1: unknown key 'apps' (expected only [[app]] tables)"},
        BadCase{"[app]\nname = \"X\"\n", "t.toml:1:1: app is a table (expected [[app]] tables)"},
        BadCase{APP "domain = [\"x.com\"]\n",
                "t.toml:4:1: app 'X': unknown key 'domain' (expected one of: name, vendor, "
                "domains, names, ranges, asns, ports)"},
        BadCase{"[[app]]\nvendor = \"V\"\ndomains = [\"x.com\"]\n",
                "t.toml:1:1: app[0]: missing key 'name' (expected name = \"...\")"},
        BadCase{"[[app]]\nname = \"X\"\ndomains = [\"x.com\"]\n",
                "t.toml:1:1: app 'X': missing key 'vendor' (expected vendor = \"...\")"},
        BadCase{"[[app]]\nname = 7\nvendor = \"V\"\ndomains = [\"x.com\"]\n",
                "t.toml:2:8: app[0]: name is 7 (expected a string of 1 to 64"},
        BadCase{"[[app]]\nname = \"\"\nvendor = \"V\"\ndomains = [\"x.com\"]\n",
                "t.toml:2:8: app[0]: name is \"\""},
        BadCase{"[[app]]\nname = \"X\"\nvendor = \"\"\ndomains = [\"x.com\"]\n",
                "t.toml:3:10: app 'X': vendor is \"\" (expected a non-empty string"},
        BadCase{APP, "t.toml:1:1: app 'X': nothing to match (expected at least one non-empty "
                     "list among domains, names, ranges, asns, ports)"},
        BadCase{APP "domains = []\n", "t.toml:1:1: app 'X': nothing to match"},
        BadCase{APP "domains = \"x.com\"\n",
                "t.toml:4:11: app 'X': domains is a string (expected an array such as "
                "[\"example.com\"])"},
        BadCase{APP "domains = [7]\n",
                "t.toml:4:12: app 'X': domains entry is an integer (expected a domain name"},
        BadCase{APP "domains = [\"ok.com\", \"foo..com\"]\n",
                "t.toml:4:22: app 'X': domains: \"foo..com\" has an empty label (expected a "
                "domain name such as \"example.com\")"},
        BadCase{APP "domains = [\"*.x.com\"]\n",
                "t.toml:4:12: app 'X': domains: \"*.x.com\" has a wildcard; a domain already "
                "matches every name below it (expected \"x.com\")"},
        BadCase{APP "domains = [\"b\xc3\xbc" "cher.de\"]\n",
                "is not ASCII (expected the punycode form, xn--...)"},
        BadCase{APP "domains = [\"co.uk\"]\n",
                "t.toml:4:12: app 'X': domains: \"co.uk\" is a public suffix and would match "
                "every site under it (expected a registrable domain or a name below one)"},
        BadCase{APP "domains = [\"com\"]\n", "\"com\" is a public suffix"},
        BadCase{APP "names = [\"a b.com\"]\n",
                "t.toml:4:10: app 'X': names: \"a b.com\" contains ' '"},
        BadCase{APP "domains = [\"192.0.2.1\"]\n",
                "\"192.0.2.1\" is an address, not a domain (expected it under ranges"},
        BadCase{APP "ranges = [\"10.0.0.1/8\"]\n",
                "t.toml:4:11: app 'X': ranges entry \"10.0.0.1/8\" has host bits set "
                "(expected \"10.0.0.0/8\")"},
        BadCase{APP "ranges = [\"10.0.0.0/33\"]\n",
                "t.toml:4:11: app 'X': ranges entry \"10.0.0.0/33\" is not an address range "
                "(expected one such as \"192.0.2.0/24\" or \"2001:db8::/32\")"},
        BadCase{APP "ranges = [\"example.com\"]\n", "is not an address range"},
        BadCase{APP "ranges = [10]\n", "ranges entry 10 is not an address range"},
        BadCase{APP "asns = [0]\n",
                "t.toml:4:9: app 'X': asns entry 0 is not an AS number (expected an integer "
                "from 1 to 4294967295)"},
        BadCase{APP "asns = [4294967296]\n", "asns entry 4294967296 is not an AS number"},
        BadCase{APP "asns = [\"AS13335\"]\n", "asns entry \"AS13335\" is not an AS number"},
        BadCase{APP "ports = [0]\n",
                "t.toml:4:10: app 'X': ports entry 0 is not a port (expected an integer from 1 "
                "to 65535, or a range such as \"8801-8810\")"},
        BadCase{APP "ports = [65536]\n", "ports entry 65536 is not a port"},
        BadCase{APP "ports = [\"10-5\"]\n", "ports entry \"10-5\" is not a port"},
        BadCase{APP "ports = [\"http\"]\n", "ports entry \"http\" is not a port"},
        BadCase{APP "ports = [443, \"400-500\"]\n",
                "t.toml:4:15: app 'X': port 443 is listed twice (expected each once)"},
        BadCase{APP "domains = [\"x.com\", \"X.com.\"]\n",
                "t.toml:4:21: app 'X': domain x.com is listed twice, first at t.toml:4:12 "
                "(expected each once)"},
        BadCase{APP "domains = [\"x.com\"]\n[[app]]\nname = \"X\"\nvendor = \"V\"\n"
                    "domains = [\"y.com\"]\n",
                "t.toml:6:8: duplicate app name 'X', first defined at t.toml:2:8 (expected "
                "unique names across all catalog files)"},
        BadCase{APP "domains = [\"x.com\"]\n[[app]]\nname = \"Y\"\nvendor = \"V\"\n"
                    "domains = [\"x.com\"]\n",
                "t.toml:8:12: app 'Y': domain x.com is also claimed by app 'X' at t.toml:4:12 "
                "(expected each domain to belong to one app)"},
        BadCase{APP "ranges = [\"10.0.0.0/8\"]\n[[app]]\nname = \"Y\"\nvendor = \"V\"\n"
                    "ranges = [\"10.0.0.0/8\"]\n",
                "t.toml:8:11: app 'Y': range 10.0.0.0/8 is also claimed by app 'X'"},
        BadCase{APP "asns = [1]\n[[app]]\nname = \"Y\"\nvendor = \"V\"\nasns = [1]\n",
                "t.toml:8:9: app 'Y': ASN 1 is also claimed by app 'X' at t.toml:4:9"},
        BadCase{APP "ports = [53]\n[[app]]\nname = \"Y\"\nvendor = \"V\"\nports = [53]\n",
                "t.toml:5:1: app 'Y': port 53 is also claimed by app 'X' at t.toml:1:1"},
        BadCase{APP "names = [\"a.x.com\"]\n[[app]]\nname = \"Y\"\nvendor = \"V\"\n"
                    "names = [\"A.x.com\"]\n",
                "t.toml:8:10: app 'Y': name a.x.com is also claimed by app 'X'"}));
#undef APP

TEST(AppsConfig, NestedDomainsAndSharedFilterPortsAreFine) {
  auto r = parse(R"(
[[app]]
name = "Google"
vendor = "Google"
domains = ["google.com"]
ports = [443]
[[app]]
name = "Meet"
vendor = "Google"
domains = ["meet.google.com"]
names = ["google.com"]
ports = [443]
)");
  EXPECT_TRUE(r) << r.error().message;
}

TEST(AppsConfig, EveryErrorInEveryFileIsReported) {
  auto r = parseAppCatalog({{"a.toml", "[[app]]\nname = \"X\"\nvendor = \"V\"\n"
                                       "domains = [\"x..com\", \"com\"]\nasns = [0]\nfoo = 1\n"},
                            {"b.toml", "[[app]\n"},
                            {"c.toml", "[[app]]\nname = \"X\"\nvendor = \"V\"\nports = [99999]\n"}});
  ASSERT_FALSE(r);
  const std::string& m = r.error().message;
  for (const char* want : {"a.toml:4:12:", "a.toml:4:22:", "a.toml:5:9:", "a.toml:6:1:",
                           "b.toml:1:", "c.toml:2:8: duplicate app name 'X', first defined at "
                           "a.toml:2:8", "c.toml:4:10:"})
    EXPECT_NE(m.find(want), std::string::npos) << want << "\n" << m;
  EXPECT_EQ(std::count(m.begin(), m.end(), '\n'), 6) << m;
}

class TempDir {
public:
  TempDir() {
    char tmpl[] = "/tmp/egressmon-apps-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ + "/" + name) << text;
  }
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

TEST(AppsConfig, LoadsADirectoryInNameOrder) {
  TempDir d;
  d.write("b.toml", "[[app]]\nname = \"B\"\nvendor = \"V\"\ndomains = [\"b.com\"]\n");
  d.write("a.toml", "[[app]]\nname = \"A\"\nvendor = \"V\"\ndomains = [\"a.com\"]\n");
  d.write("README", "not a catalog file");
  std::filesystem::create_directory(d.path() + "/sub.toml");
  auto r = loadAppCatalogDir(d.path());
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ(r.value()[0].name, "A");
  EXPECT_EQ(r.value()[0].source, d.path() + "/a.toml:1");
  EXPECT_EQ(r.value()[1].name, "B");
}

TEST(AppsConfig, IoErrorsNameThePath) {
  auto dir = loadAppCatalogDir("/nonexistent/apps.d");
  ASSERT_FALSE(dir);
  EXPECT_NE(dir.error().message.find("cannot list app catalog directory /nonexistent/apps.d"),
            std::string::npos) << dir.error().message;
  auto file = loadAppCatalog({"/nonexistent/x.toml"});
  ASSERT_FALSE(file);
  EXPECT_NE(file.error().message.find("cannot read app catalog /nonexistent/x.toml"),
            std::string::npos) << file.error().message;
}

// The catalog shipped in config/apps.d/.
class ShippedCatalog : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    auto rules = loadAppCatalogDir(kShipped);
    ASSERT_TRUE(rules) << rules.error().message;
    auto built = AppCatalog::build(std::move(rules.value()));
    ASSERT_TRUE(built) << built.error().message;
    catalog_ = new AppCatalog(std::move(built.value()));
  }
  static void TearDownTestSuite() {
    delete catalog_;
    catalog_ = nullptr;
  }
  static std::string_view nameOf(std::string_view host) {
    return catalog_->appName(catalog_->match(host, {}, 0, 443));
  }
  static AppCatalog* catalog_;
};
AppCatalog* ShippedCatalog::catalog_ = nullptr;

TEST_F(ShippedCatalog, LoadsWithTheExpectedVendors) {
  ASSERT_NE(catalog_, nullptr);
  for (const char* app :
       {"TikTok", "CapCut", "Lemon8", "WeChat", "QQ", "Alibaba Cloud", "AliExpress", "Temu",
        "Pinduoduo", "SHEIN", "Facebook", "Instagram", "WhatsApp", "Messenger", "Google",
        "YouTube", "Microsoft 365", "Microsoft Teams", "Amazon", "Amazon Web Services", "Apple",
        "iCloud", "Telegram", "Zoom", "Yandex", "Baidu", "Huawei Mobile Services", "Xiaomi",
        "Kaspersky", "DeepSeek"})
    EXPECT_NE(catalog_->find(app), kNoApp) << app;
}

TEST_F(ShippedCatalog, EveryAppMatchesWhatItLists) {
  ASSERT_NE(catalog_, nullptr);
  for (AppId id = 1; id <= catalog_->size(); ++id) {
    const AppRule& r = *catalog_->rule(id);
    EXPECT_FALSE(r.vendor.empty()) << r.name;
    EXPECT_FALSE(r.domains.empty() && r.exactNames.empty()) << r.name << " has no host names";
    const uint16_t port = r.ports.empty() ? 443 : r.ports.front();
    for (const auto& d : r.domains) {
      EXPECT_EQ(catalog_->match(d, {}, 0, port), id) << r.name << " " << d;
      EXPECT_EQ(catalog_->match("sample-host." + d, {}, 0, port), id) << r.name << " " << d;
    }
    for (const auto& n : r.exactNames) EXPECT_EQ(catalog_->match(n, {}, 0, port), id) << n;
    for (const auto& p : r.ranges)
      EXPECT_EQ(catalog_->match("", p.base(), 0, port), id) << r.name << " " << p.toString();
    for (uint32_t a : r.asns) EXPECT_EQ(catalog_->match("", {}, a, port), id) << r.name << a;
  }
}

TEST_F(ShippedCatalog, SampleFlows) {
  ASSERT_NE(catalog_, nullptr);
  EXPECT_EQ(nameOf("api16-normal-c-useast1a.tiktokv.com"), "TikTok");
  EXPECT_EQ(nameOf("p16-sign-va.tiktokcdn.com"), "TikTok");
  EXPECT_EQ(nameOf("eviltiktokv.com"), "");
  EXPECT_EQ(nameOf("szshort.weixin.qq.com"), "WeChat");
  EXPECT_EQ(nameOf("www.qq.com"), "Tencent");
  EXPECT_EQ(nameOf("mmg.whatsapp.net"), "WhatsApp");
  EXPECT_EQ(nameOf("scontent-ams2-1.cdninstagram.com"), "Instagram");
  EXPECT_EQ(nameOf("star-mini.c10r.facebook.com"), "Facebook");
  EXPECT_EQ(nameOf("outlook.office365.com"), "Microsoft 365");
  EXPECT_EQ(nameOf("eu.mail.protection.outlook.com"), "Microsoft 365");
  EXPECT_EQ(nameOf("outlook.com"), "Outlook.com");
  EXPECT_EQ(nameOf("teams.microsoft.com"), "Microsoft Teams");
  EXPECT_EQ(nameOf("login.microsoftonline.com"), "Microsoft 365");
  EXPECT_EQ(nameOf("www.microsoft.com"), "Microsoft");
  EXPECT_EQ(nameOf("rr3---sn-4g5e6nsz.googlevideo.com"), "YouTube");
  EXPECT_EQ(nameOf("youtubei.googleapis.com"), "YouTube");
  EXPECT_EQ(nameOf("www.googleapis.com"), "Google");
  EXPECT_EQ(nameOf("mail.google.com"), "Gmail");
  EXPECT_EQ(nameOf("my-bucket.s3.eu-central-1.amazonaws.com"), "Amazon Web Services");
  EXPECT_EQ(nameOf("www.amazon.de"), "Amazon");
  EXPECT_EQ(nameOf("gateway.icloud.com"), "iCloud");
  EXPECT_EQ(nameOf("1-courier.push.apple.com"), "Apple");
  EXPECT_EQ(nameOf("web.telegram.org"), "Telegram");
  EXPECT_EQ(nameOf("us05web.zoom.us"), "Zoom");
  EXPECT_EQ(nameOf("img.kwcdn.com"), "Temu");
  EXPECT_EQ(nameOf("chat.deepseek.com"), "DeepSeek");
  EXPECT_EQ(nameOf("mc.yandex.ru"), "Yandex Metrica");
  EXPECT_EQ(nameOf("yandex.ru"), "Yandex");
  // Without a name: Telegram's data centres, Apple's /8, Google Public DNS, ASNs.
  const auto byAddr = [](const char* a) {
    return catalog_->appName(catalog_->match("", IpAddress::parse(a).value(), 0, 443));
  };
  EXPECT_EQ(byAddr("149.154.167.51"), "Telegram");
  EXPECT_EQ(byAddr("2001:67c:4e8:f004::a"), "Telegram");
  EXPECT_EQ(byAddr("17.253.144.10"), "Apple");
  EXPECT_EQ(byAddr("8.8.8.8"), "Google Public DNS");
  EXPECT_EQ(byAddr("2001:4860:4860::8888"), "Google Public DNS");
  EXPECT_EQ(byAddr("157.240.1.35"), "Meta");
  EXPECT_EQ(byAddr("52.113.194.132"), "Microsoft Teams");
  EXPECT_EQ(catalog_->appName(catalog_->match("", {}, 15169, 443)), "Google");
  EXPECT_EQ(catalog_->appName(catalog_->match("", {}, 62041, 443)), "Telegram");
  EXPECT_EQ(catalog_->appName(catalog_->match("", {}, 16509, 443)), "Amazon Web Services");
}

}  // namespace
}  // namespace egressmon
