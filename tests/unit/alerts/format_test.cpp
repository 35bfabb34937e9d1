// The text line and the JSON line of an alert: exact content, styles, the pinned JSON key set and
// the escaping of hostile names.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "egressmon/alerts/alert_format.h"
#include "test_alerts.h"

using namespace egressmon;
using egressmon::test::kT0;
using egressmon::test::parseJson;
using egressmon::test::sampleAlert;

namespace {

const std::string kSampleBody =
    "warning out_of_region app=firefox host=www.example.com host_source=sni "
    "remote=198.51.100.20:443 country=US country_name=\"United States\" registered_country=- "
    "asn=AS64500 as_org=\"Example Networks\" local=192.0.2.10:40000 protocol=tcp initiator=local "
    "bytes_out=1234 packets_out=3 bytes_in=5678 packets_in=4 rule=\"region EU\" flow_id=42 "
    "first_seen=- last_seen=- key_flows=0 key_bytes_out=0 key_hosts=- repeats_suppressed=0";

Alert withEvidence() {
  Alert a = sampleAlert();
  a.evidence.key = "firefox|US|AS64500";
  a.evidence.firstSeen = kT0;
  a.evidence.lastSeen = kT0 + seconds(5);
  a.evidence.flows = 2;
  a.evidence.bytesOut = 2000;
  a.evidence.hosts = {"www.example.com", "cdn.example.com"};
  a.evidence.repeatsSuppressed = 1;
  return a;
}

std::vector<std::string> keysOf(const boost::json::object& o) {
  std::vector<std::string> keys;
  for (const auto& kv : o) keys.emplace_back(kv.key());
  return keys;
}

std::string jsonHostOf(const Alert& a) {
  return std::string(parseJson(formatAlertJson(a)).as_object().at("hostname").as_string());
}

std::string textValue(std::string_view s) {
  std::string out;
  appendTextValue(out, s);
  return out;
}

std::string jsonValue(std::string_view s) {
  std::string out;
  appendJsonString(out, s);
  return out;
}

}  // namespace

TEST(AlertText, TerminalLineStartsWithPacketTime) {
  EXPECT_EQ(formatAlertText(sampleAlert(), TextStyle::Terminal),
            "2024-01-02T03:04:05.678901Z " + kSampleBody);
}

TEST(AlertText, JournaldLineHasLevelPrefixAndNoTimestamp) {
  Alert a = sampleAlert();
  EXPECT_EQ(formatAlertText(a, TextStyle::Journald), "<4>" + kSampleBody);
  a.severity = Severity::Critical;
  EXPECT_EQ(formatAlertText(a, TextStyle::Journald).substr(0, 12), "<2>critical ");
  a.severity = Severity::Info;
  EXPECT_EQ(formatAlertText(a, TextStyle::Journald).substr(0, 8), "<6>info ");
}

TEST(AlertText, BareLineForSyslog) {
  EXPECT_EQ(formatAlertText(sampleAlert(), TextStyle::Bare), kSampleBody);
}

TEST(AlertText, IndeterminateIpv6WithoutNameAppOrAsn) {
  Alert a;
  a.time = kT0;
  a.severity = Severity::Info;
  a.remoteAddr = *IpAddress::parse("2001:db8::1");
  a.remotePort = 443;
  a.localAddr = *IpAddress::parse("fd00::2");
  a.localPort = 50000;
  a.protocol = 17;
  a.initiator = Initiator::Remote;
  a.initiatorGuessed = true;
  a.verdict = AlertVerdict::Indeterminate;
  a.reason = "unknown_country";
  a.flowId = 7;
  EXPECT_EQ(formatAlertText(a, TextStyle::Terminal),
            "2024-01-02T03:04:05.678901Z info indeterminate:unknown_country app=- host=- "
            "host_source=none remote=[2001:db8::1]:443 country=- country_name=- "
            "registered_country=- asn=- as_org=- local=[fd00::2]:50000 protocol=udp "
            "initiator=remote? bytes_out=0 packets_out=0 bytes_in=0 packets_in=0 rule=- "
            "flow_id=7 first_seen=- last_seen=- key_flows=0 key_bytes_out=0 key_hosts=- "
            "repeats_suppressed=0");
}

TEST(AlertText, PortlessProtocolAndRegisteredCountry) {
  Alert a = sampleAlert();
  a.protocol = 1;
  a.registeredCountry = CountryCode::fromString("IE");
  const std::string line = formatAlertText(a, TextStyle::Bare);
  EXPECT_NE(line.find(" remote=198.51.100.20 country=US "), std::string::npos) << line;
  EXPECT_NE(line.find(" registered_country=IE "), std::string::npos) << line;
  EXPECT_NE(line.find(" local=192.0.2.10 protocol=icmp "), std::string::npos) << line;
}

TEST(AlertText, EvidenceFields) {
  const std::string line = formatAlertText(withEvidence(), TextStyle::Bare);
  EXPECT_NE(line.find(" first_seen=2024-01-02T03:04:05.678901Z last_seen=2024-01-02T03:04:10."
                      "678901Z key_flows=2 key_bytes_out=2000 "
                      "key_hosts=www.example.com,cdn.example.com repeats_suppressed=1"),
            std::string::npos)
      << line;
}

TEST(AlertText, SummaryLine) {
  RateLimitSummary s{kT0 + seconds(10), kT0, seconds(10), 5, 20};
  EXPECT_EQ(s.text(), "5 alerts suppressed in the last 10 s (rate limit 20 per 10 s)");
  EXPECT_EQ(formatSummaryText(s, TextStyle::Terminal),
            "2024-01-02T03:04:15.678901Z warning 5 alerts suppressed in the last 10 s (rate limit "
            "20 per 10 s)");
  EXPECT_EQ(formatSummaryText(s, TextStyle::Journald),
            "<4>warning 5 alerts suppressed in the last 10 s (rate limit 20 per 10 s)");
  s.interval = 2'500'000;
  s.suppressed = 1;
  EXPECT_EQ(s.text(), "1 alerts suppressed in the last 2.5 s (rate limit 20 per 2.5 s)");
}

TEST(AlertText, ValueQuotingAndEscaping) {
  EXPECT_EQ(textValue("plain.example"), "plain.example");
  EXPECT_EQ(textValue(""), "-");
  EXPECT_EQ(textValue("-"), "\"-\"");
  EXPECT_EQ(textValue("a\"b\\c d=e"), "\"a\\\"b\\\\c d=e\"");
  EXPECT_EQ(textValue("x\x01y\nz\x7f\t\r"), "\"x\\x01y\\nz\\x7f\\t\\r\"");
  EXPECT_EQ(textValue("\x1b[31mred"), "\"\\x1b[31mred\"");  // no terminal escapes get through
  EXPECT_EQ(textValue("m\xc3\xbcnchen.de"), "\"m\xc3\xbcnchen.de\"");
  EXPECT_EQ(textValue("bad\xff\xc3"), "\"bad\\xff\\xc3\"");
  EXPECT_EQ(textValue("evil\xe2\x80\xaegnp.com"), "\"evil\\u202egnp.com\"");  // RLO override
  EXPECT_EQ(textValue("c1\xc2\x85"), "\"c1\\u0085\"");
  // Backspace and form feed have JSON escapes of their own; the text format writes them as
  // any other control byte. U+2028, escaped in JSON, is a deceptive break in text too.
  EXPECT_EQ(textValue("b\bf\f"), "\"b\\x08f\\x0c\"");
  EXPECT_EQ(textValue("ls\xe2\x80\xa8"), "\"ls\\u2028\"");
}

TEST(AlertJson, ExactLineForFixedInput) {
  EXPECT_EQ(
      formatAlertJson(withEvidence()),
      R"({"type":"alert","time":"2024-01-02T03:04:05.678901Z","severity":"warning",)"
      R"("verdict":"out_of_region","verdict_reason":null,"app":"firefox",)"
      R"("hostname":"www.example.com","hostname_source":"sni","domain":"example.com",)"
      R"("remote_addr":"198.51.100.20","remote_port":443,"country":"US",)"
      R"("country_name":"United States","registered_country":null,"asn":64500,)"
      R"("as_org":"Example Networks","local_addr":"192.0.2.10","local_port":40000,)"
      R"("protocol":"tcp","initiator":"local","initiator_guessed":false,"bytes_out":1234,)"
      R"("packets_out":3,"bytes_in":5678,"packets_in":4,"rule":"region EU","flow_id":42,)"
      R"("dedup_key":"firefox|US|AS64500","first_seen":"2024-01-02T03:04:05.678901Z",)"
      R"("last_seen":"2024-01-02T03:04:10.678901Z","key_flows":2,"key_bytes_out":2000,)"
      R"("key_hosts":["www.example.com","cdn.example.com"],"repeats_suppressed":1})");
}

// The JSON field names are an interface (SIEM parsers depend on them): this list is the
// contract documented in docs/alerts.md. Change it only together with the docs.
TEST(AlertJson, KeySetIsPinned) {
  const std::vector<std::string> pinned = {
      "type",       "time",          "severity",           "verdict",
      "verdict_reason", "app",       "hostname",           "hostname_source",
      "domain",     "remote_addr",   "remote_port",        "country",
      "country_name", "registered_country", "asn",         "as_org",
      "local_addr", "local_port",    "protocol",           "initiator",
      "initiator_guessed", "bytes_out", "packets_out",     "bytes_in",
      "packets_in", "rule",          "flow_id",            "dedup_key",
      "first_seen", "last_seen",     "key_flows",          "key_bytes_out",
      "key_hosts",  "repeats_suppressed"};
  // Both a full alert and an empty one have exactly these keys, in this order.
  for (const Alert& a : {withEvidence(), Alert{}}) {
    const auto v = parseJson(formatAlertJson(a));
    ASSERT_TRUE(v.is_object());
    EXPECT_EQ(keysOf(v.as_object()), pinned);
  }
  std::vector<std::string> fromCode(alertJsonKeys().begin(), alertJsonKeys().end());
  EXPECT_EQ(fromCode, pinned);

  const std::vector<std::string> pinnedSummary = {"type",     "time",       "severity",
                                                  "suppressed", "limit",    "interval_s",
                                                  "window_start", "message"};
  const auto s = parseJson(formatSummaryJson({kT0 + seconds(10), kT0, seconds(10), 5, 20}));
  EXPECT_EQ(keysOf(s.as_object()), pinnedSummary);
}

TEST(AlertJson, TypesOfAnEmptyAlert) {
  const auto v = parseJson(formatAlertJson(Alert{}));
  const auto& o = v.as_object();
  for (const char* k : {"verdict_reason", "app", "hostname", "domain", "remote_port", "country",
                        "country_name", "registered_country", "asn", "as_org", "local_port",
                        "rule", "dedup_key", "first_seen", "last_seen"}) {
    EXPECT_TRUE(o.at(k).is_null()) << k;
  }
  EXPECT_EQ(o.at("remote_addr").as_string(), "::");
  EXPECT_EQ(o.at("protocol").as_string(), "ip-0");
  EXPECT_TRUE(o.at("key_hosts").as_array().empty());
}

TEST(AlertJson, SummaryLine) {
  EXPECT_EQ(formatSummaryJson({kT0 + seconds(10), kT0, seconds(10), 5, 20}),
            R"({"type":"rate_limit_summary","time":"2024-01-02T03:04:15.678901Z",)"
            R"("severity":"warning","suppressed":5,"limit":20,"interval_s":10,)"
            R"("window_start":"2024-01-02T03:04:05.678901Z",)"
            R"j("message":"5 alerts suppressed in the last 10 s (rate limit 20 per 10 s)"})j");
}

TEST(AlertJson, EscapesOddHostNames) {
  EXPECT_EQ(jsonValue("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(jsonValue("\x01\n\t\r\b\f\x1f\x7f"), R"("\u0001\n\t\r\b\f\u001f\u007f")");
  EXPECT_EQ(jsonValue("m\xc3\xbcnchen.de"), "\"m\xc3\xbcnchen.de\"");
  EXPECT_EQ(jsonValue("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");  // U+1F600 kept
  EXPECT_EQ(jsonValue("ls\xe2\x80\xa8"), R"("ls\u2028")");
  // Not UTF-8: each offending byte becomes U+FFFD, so the line stays valid JSON.
  EXPECT_EQ(jsonValue("bad\xff"), R"("bad\ufffd")");
  EXPECT_EQ(jsonValue("\xc0\xaf"), R"("\ufffd\ufffd")");              // overlong '/'
  EXPECT_EQ(jsonValue("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");   // surrogate
  EXPECT_EQ(jsonValue("cut\xe2\x80"), R"("cut\ufffd\ufffd")");       // truncated sequence
  EXPECT_EQ(jsonValue("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // > U+10FFFF

  // Round trip through a strict parser: valid input comes back unchanged.
  for (std::string host : {std::string("a\"b\\c"), std::string("x\x01y\nz\x7f", 7),
                           std::string("m\xc3\xbcnchen.de"), std::string("\xe2\x80\xae" "rlo"),
                           std::string("nul\0in", 6)}) {
    Alert a = sampleAlert();
    a.hostname = host;
    EXPECT_EQ(jsonHostOf(a), host);
  }
  Alert a = sampleAlert();
  a.hostname = "bad\xff\xfe";
  EXPECT_EQ(jsonHostOf(a), "bad\xef\xbf\xbd\xef\xbf\xbd");
}
