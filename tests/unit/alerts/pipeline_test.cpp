// AlertPipeline and the sinks: what reaches each sink, exact counts through dedup and the rate
// limit, flush per alert, the files the file sinks write, the console's journald detection.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "egressmon/alerts/capture_sink.h"
#include "egressmon/alerts/pipeline.h"
#include "test_alerts.h"

using namespace egressmon;
using egressmon::test::kT0;
using egressmon::test::parseJson;
using egressmon::test::sampleAlert;

namespace fs = std::filesystem;

namespace {

/// A pipeline whose only sinks are a terminal-text and a JSON capture.
struct Captured {
  LineCapture text;
  LineCapture json;
  std::unique_ptr<AlertPipeline> pipeline;

  explicit Captured(AlertsConfig cfg) {
    cfg.console = false;
    std::vector<std::unique_ptr<AlertSink>> sinks;
    sinks.push_back(makeSpdlogAlertSink(text.sink(), LineFormat::TerminalText, "text capture"));
    sinks.push_back(makeSpdlogAlertSink(json.sink(), LineFormat::JsonLines, "json capture"));
    auto p = AlertPipeline::create(cfg, std::move(sinks));
    if (!p) throw std::runtime_error(p.error().message);
    pipeline = std::move(p).value();
  }
};

Alert alertFor(uint32_t asn, TimeUs t, uint64_t flowId = 1) {
  Alert a = sampleAlert();
  a.asn = asn;
  a.time = t;
  a.flowId = flowId;
  return a;
}

std::vector<std::string> readLines(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// A fresh directory under the build tree, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path = fs::path(EGRESSMON_BINARY_DIR) / "test-tmp" / "alerts" /
           (std::string(info->test_suite_name()) + "." + info->name());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

/// Sets JOURNAL_STREAM for the scope of a test and restores it.
struct ScopedJournalStream {
  std::string old;
  bool had = false;
  explicit ScopedJournalStream(const std::string& value) {
    if (const char* v = std::getenv("JOURNAL_STREAM")) {
      had = true;
      old = v;
    }
    setenv("JOURNAL_STREAM", value.c_str(), 1);
  }
  ~ScopedJournalStream() {
    if (had) {
      setenv("JOURNAL_STREAM", old.c_str(), 1);
    } else {
      unsetenv("JOURNAL_STREAM");
    }
  }
};

std::string devIno(int fd) {
  struct stat st {};
  EXPECT_EQ(fstat(fd, &st), 0);
  return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

}  // namespace

TEST(AlertPipeline, EmittedAlertReachesEverySinkWithEvidence) {
  Captured c{AlertsConfig{}};
  ASSERT_EQ(c.pipeline->raise(alertFor(64500, kT0)), RaiseOutcome::Emitted);
  ASSERT_EQ(c.text.lines().size(), 1u);
  ASSERT_EQ(c.json.lines().size(), 1u);
  EXPECT_EQ(c.text.levels(), std::vector<std::string>{"warning"});
  EXPECT_EQ(c.text.lines()[0].substr(0, 51),
            "2024-01-02T03:04:05.678901Z warning out_of_region a");
  EXPECT_NE(c.text.lines()[0].find(" first_seen=2024-01-02T03:04:05.678901Z last_seen=2024-01-02T"
                                   "03:04:05.678901Z key_flows=1 key_bytes_out=1234 "
                                   "key_hosts=www.example.com repeats_suppressed=0"),
            std::string::npos)
      << c.text.lines()[0];
  const auto v = parseJson(c.json.lines()[0]);
  EXPECT_EQ(v.at("dedup_key").as_string(), "firefox|US|AS64500");
  EXPECT_EQ(v.at("key_flows").as_int64(), 1);
}

TEST(AlertPipeline, DedupCountsAreExactAcrossWindows) {
  AlertsConfig cfg;
  cfg.dedup.window = seconds(600);
  Captured c{cfg};
  // Key A: 1 emitted + 4 repeats in the first window; key B: 1 emitted.
  EXPECT_EQ(c.pipeline->raise(alertFor(1, kT0, 1)), RaiseOutcome::Emitted);
  for (uint64_t i = 0; i < 4; ++i) {
    EXPECT_EQ(c.pipeline->raise(alertFor(1, kT0 + seconds(60) * TimeUs(i + 1), 10 + i)),
              RaiseOutcome::Repeat);
  }
  EXPECT_EQ(c.pipeline->raise(alertFor(2, kT0 + seconds(1), 2)), RaiseOutcome::Emitted);
  // The second window of key A: its first alert carries the four repeats.
  EXPECT_EQ(c.pipeline->raise(alertFor(1, kT0 + seconds(600), 20)), RaiseOutcome::Emitted);
  const auto lines = c.json.lines();
  ASSERT_EQ(lines.size(), 3u);
  const auto last = parseJson(lines[2]);
  EXPECT_EQ(last.at("repeats_suppressed").as_int64(), 4);
  EXPECT_EQ(last.at("key_flows").as_int64(), 6);
  EXPECT_EQ(last.at("key_bytes_out").as_int64(), 6 * 1234);
  EXPECT_EQ(last.at("first_seen").as_string(), "2024-01-02T03:04:05.678901Z");
  EXPECT_EQ(last.at("last_seen").as_string(), "2024-01-02T03:14:05.678901Z");
  const auto s = c.pipeline->stats();
  EXPECT_EQ(s.raised, 7u);
  EXPECT_EQ(s.emitted, 3u);
  EXPECT_EQ(s.repeats, 4u);
  EXPECT_EQ(s.rateLimited, 0u);
}

TEST(AlertPipeline, RateLimitEmitsExactCountsAndASummaryLine) {
  AlertsConfig cfg;
  cfg.rateLimit = RateLimitConfig{20, seconds(10)};
  Captured c{cfg};
  int emitted = 0;
  int limited = 0;
  for (uint32_t asn = 1; asn <= 30; ++asn) {  // 30 distinct keys within 3 s
    const RaiseOutcome o = c.pipeline->raise(alertFor(asn, kT0 + TimeUs(asn) * 100'000));
    emitted += o == RaiseOutcome::Emitted;
    limited += o == RaiseOutcome::RateLimited;
  }
  EXPECT_EQ(emitted, 20);
  EXPECT_EQ(limited, 10);
  EXPECT_EQ(c.text.lines().size(), 20u);
  // The next alert after the interval: first the summary, then the alert.
  EXPECT_EQ(c.pipeline->raise(alertFor(100, kT0 + seconds(11))), RaiseOutcome::Emitted);
  const auto text = c.text.lines();
  ASSERT_EQ(text.size(), 22u);
  EXPECT_EQ(text[20],
            "2024-01-02T03:04:15.778901Z warning 10 alerts suppressed in the last 10 s (rate "
            "limit 20 per 10 s)");
  EXPECT_EQ(c.text.levels()[20], "warning");
  const auto json = c.json.lines();
  ASSERT_EQ(json.size(), 22u);
  const auto summary = parseJson(json[20]);
  EXPECT_EQ(summary.at("type").as_string(), "rate_limit_summary");
  EXPECT_EQ(summary.at("suppressed").as_int64(), 10);
  EXPECT_EQ(parseJson(json[21]).at("type").as_string(), "alert");
  const auto s = c.pipeline->stats();
  EXPECT_EQ(s.raised, 31u);
  EXPECT_EQ(s.emitted, 21u);
  EXPECT_EQ(s.rateLimited, 10u);
  EXPECT_EQ(s.summaries, 1u);
}

TEST(AlertPipeline, RateLimitedKeysAreReportedByTheirNextAlert) {
  AlertsConfig cfg;
  cfg.rateLimit = RateLimitConfig{1, seconds(10)};
  Captured c{cfg};
  EXPECT_EQ(c.pipeline->raise(alertFor(1, kT0)), RaiseOutcome::Emitted);
  EXPECT_EQ(c.pipeline->raise(alertFor(2, kT0 + 1)), RaiseOutcome::RateLimited);
  EXPECT_EQ(c.pipeline->raise(alertFor(2, kT0 + 2)), RaiseOutcome::RateLimited);
  // Key 2 was never emitted, so it is still a candidate after the interval.
  EXPECT_EQ(c.pipeline->raise(alertFor(2, kT0 + seconds(10))), RaiseOutcome::Emitted);
  const auto json = c.json.lines();
  ASSERT_EQ(json.size(), 3u);
  EXPECT_EQ(parseJson(json[1]).at("suppressed").as_int64(), 2);
  EXPECT_EQ(parseJson(json[2]).at("repeats_suppressed").as_int64(), 2);
}

TEST(AlertPipeline, TickAndFinishWriteSummariesWithoutAnotherAlert) {
  AlertsConfig cfg;
  cfg.rateLimit = RateLimitConfig{1, seconds(10)};
  LineCapture text;
  {
    Captured c{cfg};
    c.pipeline->raise(alertFor(1, kT0));
    c.pipeline->raise(alertFor(2, kT0));
    c.pipeline->tick(kT0 + seconds(9));
    EXPECT_EQ(c.text.lines().size(), 1u);
    c.pipeline->tick(kT0 + seconds(10));
    ASSERT_EQ(c.text.lines().size(), 2u);
    EXPECT_EQ(c.text.lines()[1],
              "2024-01-02T03:04:15.678901Z warning 1 alerts suppressed in the last 10 s (rate "
              "limit 1 per 10 s)");
    c.pipeline->raise(alertFor(3, kT0 + seconds(20)));
    c.pipeline->raise(alertFor(4, kT0 + seconds(21)));
    c.pipeline->raise(alertFor(5, kT0 + seconds(22)));
    text = c.text;
    // Destroying the pipeline (end of capture, shutdown) writes the open interval's count.
  }
  const auto lines = text.lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[3],
            "2024-01-02T03:04:27.678901Z warning 2 alerts suppressed in the last 10 s (rate limit "
            "1 per 10 s)");
}

TEST(AlertPipeline, BelowMinimumSeverityIsCountedNotWritten) {
  AlertsConfig cfg;
  cfg.minSeverity = Severity::Warning;
  Captured c{cfg};
  Alert info = alertFor(1, kT0);
  info.severity = Severity::Info;
  EXPECT_EQ(c.pipeline->raise(info), RaiseOutcome::BelowLevel);
  Alert crit = alertFor(1, kT0);
  crit.severity = Severity::Critical;
  EXPECT_EQ(c.pipeline->raise(crit), RaiseOutcome::Emitted);
  EXPECT_EQ(c.text.levels(), std::vector<std::string>{"critical"});
  EXPECT_EQ(c.pipeline->stats().belowLevel, 1u);
}

TEST(AlertPipeline, EverySinkIsFlushedPerAlert) {
  Captured c{AlertsConfig{}};
  for (uint32_t asn = 1; asn <= 5; ++asn) {
    c.pipeline->raise(alertFor(asn, kT0));
    EXPECT_EQ(c.text.flushes(), asn);
    EXPECT_EQ(c.json.flushes(), asn);
  }
}

TEST(AlertPipeline, JsonFileHasEachAlertBeforeRaiseReturns) {
  TempDir dir;
  AlertsConfig cfg;
  cfg.console = false;
  cfg.jsonFile = (dir.path / "sub" / "alerts.jsonl").string();  // the directory is created
  auto p = AlertPipeline::create(cfg);
  ASSERT_TRUE(p) << p.error().message;
  auto& pipeline = *p.value();
  for (uint32_t asn = 1; asn <= 3; ++asn) {
    Alert a = alertFor(asn, kT0);
    a.hostname = "odd\"host\\name\x01";
    ASSERT_EQ(pipeline.raise(a), RaiseOutcome::Emitted);
    const auto lines = readLines(cfg.jsonFile);  // read while the pipeline is alive
    ASSERT_EQ(lines.size(), asn);
    const auto v = parseJson(lines.back());
    EXPECT_EQ(v.at("asn").as_int64(), asn);
    EXPECT_EQ(v.at("hostname").as_string(), "odd\"host\\name\x01");
  }
  EXPECT_EQ(pipeline.stats().sinkErrors, 0u);
}

TEST(AlertPipeline, JsonFileIsAppendedNotTruncated) {
  TempDir dir;
  AlertsConfig cfg;
  cfg.console = false;
  cfg.jsonFile = (dir.path / "alerts.jsonl").string();
  for (int run = 0; run < 2; ++run) {
    auto p = AlertPipeline::create(cfg);
    ASSERT_TRUE(p) << p.error().message;
    p.value()->raise(alertFor(1, kT0));
  }
  EXPECT_EQ(readLines(cfg.jsonFile).size(), 2u);
}

TEST(AlertPipeline, RotatingLogFileRotates) {
  TempDir dir;
  AlertsConfig cfg;
  cfg.console = false;
  cfg.logFile = (dir.path / "alerts.log").string();
  cfg.logFileMaxBytes = 2000;  // about four lines per file
  cfg.logFileMaxFiles = 2;
  cfg.dedup.window = 0;
  cfg.rateLimit.limit = 0;
  {
    auto p = AlertPipeline::create(cfg);
    ASSERT_TRUE(p) << p.error().message;
    for (int i = 0; i < 20; ++i) p.value()->raise(alertFor(1, kT0 + i));
    const auto current = readLines(cfg.logFile);
    ASSERT_FALSE(current.empty());
    EXPECT_EQ(current.back().substr(0, 36), "2024-01-02T03:04:05.678920Z warning ");
  }
  EXPECT_TRUE(fs::exists(dir.path / "alerts.log"));
  EXPECT_TRUE(fs::exists(dir.path / "alerts.1.log"));
  EXPECT_TRUE(fs::exists(dir.path / "alerts.2.log"));
  EXPECT_FALSE(fs::exists(dir.path / "alerts.3.log"));
  for (const char* f : {"alerts.log", "alerts.1.log", "alerts.2.log"}) {
    EXPECT_LE(fs::file_size(dir.path / f), 2000u) << f;
  }
}

TEST(AlertPipeline, SyslogSinkIsConstructible) {
  EXPECT_EQ(syslogFacility("daemon"), LOG_DAEMON);
  EXPECT_EQ(syslogFacility("local7"), LOG_LOCAL7);
  EXPECT_EQ(syslogFacility("kern"), -1);
  auto sink = makeSyslogAlertSink("egressmon-test", LOG_USER);
  ASSERT_NE(sink, nullptr);
  EXPECT_EQ(sink->name(), "syslog");
  AlertsConfig cfg;
  cfg.console = false;
  cfg.syslog = true;
  cfg.syslogFacility = "local3";
  auto p = AlertPipeline::create(cfg);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p.value()->sinks().size(), 1u);
}

TEST(AlertPipeline, BadConfigIsAnErrorNamingTheProblem) {
  AlertsConfig cfg;
  cfg.console = false;
  cfg.syslog = true;
  cfg.syslogFacility = "kernel";
  auto p = AlertPipeline::create(cfg);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message,
            "alerts syslog facility \"kernel\" is unknown (expected user, daemon, auth, authpriv "
            "or local0 ... local7)");

  TempDir dir;
  const fs::path file = dir.path / "plain-file";
  std::ofstream(file) << "x";
  AlertsConfig bad;
  bad.console = false;
  bad.jsonFile = (file / "alerts.jsonl").string();  // a file where a directory should be
  auto q = AlertPipeline::create(bad);
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().message.rfind("alert JSON file " + bad.jsonFile + ": cannot open: ", 0), 0u)
      << q.error().message;

  AlertsConfig noRate;
  noRate.rateLimit = RateLimitConfig{5, 0};
  EXPECT_FALSE(validateAlertsConfig(noRate));
  AlertsConfig noKeys;
  noKeys.dedup.maxKeys = 0;
  EXPECT_FALSE(validateAlertsConfig(noKeys));
  EXPECT_TRUE(validateAlertsConfig(AlertsConfig{}));
}

TEST(AlertConsole, JournalStreamIsMatchedByDeviceAndInode) {
  TempDir dir;
  FILE* f = std::fopen((dir.path / "stream").c_str(), "w");
  ASSERT_NE(f, nullptr);
  const int fd = fileno(f);
  {
    ScopedJournalStream env(devIno(fd));
    EXPECT_TRUE(isJournalStream(fd));
    EXPECT_FALSE(isJournalStream(-1));
  }
  {
    ScopedJournalStream env("12:34");
    EXPECT_FALSE(isJournalStream(fd));
  }
  {
    ScopedJournalStream env(devIno(fd) + "x");
    EXPECT_FALSE(isJournalStream(fd));
  }
  std::fclose(f);
}

TEST(AlertConsole, StdoutSinkWritesJournaldLinesUnderSystemd) {
  // gtest redirects fd 1 to a file; pretend systemd connected that file to the journal.
  std::fflush(stdout);
  ::testing::internal::CaptureStdout();
  std::string out;
  {
    ScopedJournalStream env(devIno(STDOUT_FILENO));
    auto journald = makeConsoleAlertSink(ConsoleStream::Stdout, ConsoleStyle::Auto);
    journald->emit(alertFor(1, kT0));
    journald->flush();
    unsetenv("JOURNAL_STREAM");
    auto terminal = makeConsoleAlertSink(ConsoleStream::Stdout, ConsoleStyle::Auto);
    terminal->emitSummary({kT0, kT0, seconds(10), 3, 20});
    terminal->flush();
    auto forced = makeConsoleAlertSink(ConsoleStream::Stdout, ConsoleStyle::Journald);
    forced->emitSummary({kT0, kT0, seconds(10), 3, 20});
    forced->flush();
  }
  out = ::testing::internal::GetCapturedStdout();
  const std::string expected =
      formatAlertText(alertFor(1, kT0), TextStyle::Journald) + "\n" +
      "2024-01-02T03:04:05.678901Z warning 3 alerts suppressed in the last 10 s (rate limit 20 "
      "per 10 s)\n" +
      "<4>warning 3 alerts suppressed in the last 10 s (rate limit 20 per 10 s)\n";
  EXPECT_EQ(out, expected);
  EXPECT_EQ(out.substr(0, 14), "<4>warning out");
}

TEST(AlertPipeline, WriteErrorsAreCountedNotThrown) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  auto sink = makeJsonLinesAlertSink("/dev/full");  // every flush fails with ENOSPC
  ASSERT_TRUE(sink) << sink.error().message;
  std::vector<std::unique_ptr<AlertSink>> sinks;
  sinks.push_back(std::move(sink).value());
  LineCapture text;
  sinks.push_back(makeSpdlogAlertSink(text.sink(), LineFormat::TerminalText, "text capture"));
  AlertsConfig cfg;
  cfg.console = false;
  auto p = AlertPipeline::create(cfg, std::move(sinks));
  ASSERT_TRUE(p);
  EXPECT_EQ(p.value()->raise(alertFor(1, kT0)), RaiseOutcome::Emitted);
  EXPECT_EQ(p.value()->raise(alertFor(2, kT0)), RaiseOutcome::Emitted);
  EXPECT_EQ(p.value()->stats().sinkErrors, 2u);
  EXPECT_EQ(text.lines().size(), 2u);  // the other sinks still get every alert
}
