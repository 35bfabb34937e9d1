// FlowJudge: when a flow is judged (hold, settled name, data sent), what it raises, and judging
// again when the name comes late. Flows are built by hand; the policy, the alert pipeline and
// its sink are the real ones.
#include "egressmon/judge/flow_judge.h"

#include <gtest/gtest.h>

#include "egressmon/alerts/capture_sink.h"
#include "egressmon/alerts/pipeline.h"
#include "egressmon/geo/geo.h"
#include "egressmon/naming/flow_namer.h"

namespace egressmon {
namespace {

constexpr TimeUs kT0 = 1'700'000'000 * kUsPerSec;

class FlowJudgeTest : public ::testing::Test {
protected:
  void SetUp() override { build("[region]\nallow = [\"EU\"]\n"); }

  void build(const std::string& policyText, JudgeConfig jc = {}) {
    auto p = parsePolicy(policyText, "test.toml");
    ASSERT_TRUE(p) << p.error().message;
    lines_ = LineCapture();
    std::vector<std::unique_ptr<AlertSink>> sinks;
    sinks.push_back(makeSpdlogAlertSink(lines_.sink(), LineFormat::JsonLines, "capture"));
    AlertsConfig cfg;
    cfg.console = false;
    cfg.dedup.window = 0;  // every alert reaches the sink
    judge_.reset();
    pipeline_ = AlertPipeline::create(cfg, std::move(sinks)).value();
    judge_ = std::make_unique<FlowJudge>(std::make_shared<const Policy>(std::move(p).value()),
                                         *pipeline_, geo_, jc);
  }

  // A local client 192.0.2.10:40000 -> remote:443 over TCP, located in `cc`, first seen at kT0.
  static Flow flowTo(const char* remote, const char* cc) {
    Flow f;
    f.key.a = *IpAddress::parse("192.0.2.10");
    f.key.b = *IpAddress::parse(remote);
    f.key.portA = 40000;
    f.key.portB = 443;
    f.key.proto = kProtoTcp;
    f.bits = Flow::kInUse | Flow::kLocalIsA | Flow::kInitiatorLocal;
    f.firstSeen = f.lastSeen = kT0;
    f.id = 7;
    f.remoteGeo.country = CountryCode::fromString(cc);
    f.remoteGeo.flags = GeoInfo::kLookedUp | GeoInfo::kFound;
    f.bytesOut = 60;
    f.pktsOut = 1;
    return f;
  }

  GeoResolver geo_{nullptr, nullptr, GeoResolverConfig{}};
  LineCapture lines_;
  std::unique_ptr<AlertPipeline> pipeline_;
  std::unique_ptr<FlowJudge> judge_;
};

TEST_F(FlowJudgeTest, WaitsForTheHoldOrASettledName) {
  Flow f = flowTo("203.0.113.7", "CN");
  EXPECT_FALSE(judge_->ready(f, kT0));
  EXPECT_FALSE(judge_->ready(f, kT0 + seconds(2) - 1));
  EXPECT_TRUE(judge_->ready(f, kT0 + seconds(2)));
  f.nameFlags |= Flow::kInspectDone;  // the namer is done but found nothing: keep waiting
  EXPECT_FALSE(judge_->ready(f, kT0 + 1));
  f.nameSource = uint8_t(NameSource::Sni);
  EXPECT_TRUE(judge_->ready(f, kT0 + 1));
  Flow inbound = flowTo("203.0.113.7", "CN");
  inbound.bits &= uint8_t(~Flow::kInitiatorLocal);
  inbound.nameFlags |= Flow::kInspectDone;  // remote clients' flows are named by DNS only
  EXPECT_TRUE(judge_->ready(inbound, kT0 + 1));
}

TEST_F(FlowJudgeTest, HoldPacketsEndTheWaitEarly) {
  build("[region]\nallow = [\"EU\"]\n[policy]\nhold = \"10s\"\nhold_packets = 3\n");
  Flow f = flowTo("203.0.113.7", "CN");
  f.pktsOut = 2;
  EXPECT_FALSE(judge_->ready(f, kT0 + seconds(5)));
  f.pktsOut = 3;
  EXPECT_TRUE(judge_->ready(f, kT0 + seconds(5)));
}

TEST_F(FlowJudgeTest, InRegionIsJudgedOnceWithoutAlert) {
  Flow f = flowTo("198.51.100.20", "DE");
  judge_->judge(f, FlowNaming{}, kT0 + seconds(2));
  EXPECT_TRUE(f.bits & Flow::kJudged);
  EXPECT_TRUE(lines_.lines().empty());
  EXPECT_EQ(judge_->stats().alerts, 0u);
}

TEST_F(FlowJudgeTest, NoAlertBeforeTheLocalSideSendsData) {
  Flow f = flowTo("203.0.113.7", "CN");  // a SYN only
  ASSERT_TRUE(judge_->due(f, kT0 + seconds(2)));
  judge_->judge(f, FlowNaming{}, kT0 + seconds(2));
  EXPECT_FALSE(f.bits & Flow::kJudged);  // looked at again once the local side sends data
  EXPECT_FALSE(judge_->due(f, kT0 + seconds(3)));
  EXPECT_TRUE(lines_.lines().empty());
  f.bits |= Flow::kDataOut;
  EXPECT_TRUE(judge_->due(f, kT0 + seconds(3)));
  f.bytesOut = 700;
  f.pktsOut = 3;
  judge_->judge(f, FlowNaming{}, kT0 + seconds(3));
  EXPECT_TRUE(f.bits & Flow::kJudged);
  ASSERT_EQ(lines_.lines().size(), 1u);
  const std::string line = lines_.lines()[0];
  EXPECT_NE(line.find(R"("verdict":"out_of_region")"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("bytes_out":700,"packets_out":3)"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("rule":"region allow=[EU]")"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("time":"2023-11-14T22:13:23.000000Z")"), std::string::npos) << line;
  // The record's end neither judges nor raises again.
  const Verdict v = judge_->finish(f, FlowNaming{}, kT0 + seconds(9));
  EXPECT_EQ(v.kind, VerdictKind::OutOfRegion);
  EXPECT_EQ(lines_.lines().size(), 1u);
  EXPECT_EQ(judge_->stats().recordsByVerdict[size_t(VerdictKind::OutOfRegion)], 1u);
}

TEST_F(FlowJudgeTest, ALateNameIsJudgedAgainAtTheEnd) {
  build("[region]\nallow = [\"EU\"]\n[[app_policy]]\napp = \"TikTok\"\nallow = [\"US\"]\n");
  Flow f = flowTo("203.0.113.7", "CN");
  f.bits |= Flow::kDataOut;
  judge_->judge(f, FlowNaming{}, kT0 + seconds(2));
  ASSERT_EQ(lines_.lines().size(), 1u);
  FlowNaming late;
  late.hostname = "upload.tiktokv.com";
  late.source = NameSource::Dns;
  late.app = "TikTok";
  const Verdict v = judge_->finish(f, late, kT0 + seconds(4));
  EXPECT_EQ(v.rule, "app_policy TikTok allow=[US]");
  ASSERT_EQ(lines_.lines().size(), 2u);
  const std::string line = lines_.lines()[1];
  EXPECT_NE(line.find(R"("app":"TikTok","hostname":"upload.tiktokv.com","hostname_source":"dns","domain":"tiktokv.com")"),
            std::string::npos) << line;
}

TEST_F(FlowJudgeTest, AFlowNeverJudgedIsJudgedAtItsEnd) {
  Flow f = flowTo("203.0.113.7", "CN");
  f.bits |= Flow::kDataOut;
  judge_->finish(f, FlowNaming{}, kT0 + seconds(1));  // ended inside its hold
  EXPECT_EQ(lines_.lines().size(), 1u);
}

TEST_F(FlowJudgeTest, StaleDatabaseAtPacketTime) {
  JudgeConfig jc;
  jc.dbBuildEpoch = uint64_t(kT0 / kUsPerSec) - 50 * 86400;  // 50 days before the packets
  jc.maxAgeDays = 45;
  build("[region]\nallow = [\"EU\"]\n[indeterminate]\nalert_on = [\"database_stale\"]\n", jc);
  Flow f = flowTo("198.51.100.20", "DE");
  f.bits |= Flow::kDataOut;
  judge_->judge(f, FlowNaming{}, kT0 + seconds(2));
  ASSERT_EQ(lines_.lines().size(), 1u);
  EXPECT_NE(lines_.lines()[0].find(R"("verdict":"indeterminate","verdict_reason":"database_stale")"),
            std::string::npos) << lines_.lines()[0];
  // The same database was fresh for packets 40 days after its build.
  jc.dbBuildEpoch = uint64_t(kT0 / kUsPerSec) - 40 * 86400;
  build("[region]\nallow = [\"EU\"]\n[indeterminate]\nalert_on = [\"database_stale\"]\n", jc);
  Flow g = flowTo("198.51.100.20", "DE");
  g.bits |= Flow::kDataOut;
  judge_->judge(g, FlowNaming{}, kT0 + seconds(2));
  EXPECT_TRUE(lines_.lines().empty());
}

TEST_F(FlowJudgeTest, LocalServerAnsweringAClientAbroadSaysWhoInitiated) {
  Flow f = flowTo("203.0.113.50", "CN");
  f.bits = Flow::kInUse | Flow::kLocalIsA | Flow::kDataOut;  // the remote end opened it
  judge_->judge(f, FlowNaming{}, kT0 + seconds(2));
  ASSERT_EQ(lines_.lines().size(), 1u);
  EXPECT_NE(lines_.lines()[0].find(R"("initiator":"remote")"), std::string::npos);
}

}  // namespace
}  // namespace egressmon
