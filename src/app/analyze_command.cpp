#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdio>

#include "commands.h"
#include "egressmon/capture/packet_source.h"
#include "egressmon/engine/engine.h"
#include "egressmon/judge/flow_judge.h"
#include "egressmon/policy/policy.h"
#include "egressmon/report/report.h"

namespace egressmon::app {

void printAnalyzeHelp() {
  std::printf(
      "Usage: egressmon analyze FILE... [options]\n"
      "\n"
      "Reads pcap/pcapng capture files, tracks flows and shows where each flow's remote\n"
      "endpoint is: a table of the largest flows, a summary by remote country and statistics.\n"
      "With a region policy in the configuration ([region], [[app_policy]]: docs/policy.md),\n"
      "every flow is judged as the daemon judges it and the alerts it raises are listed first\n"
      "(JSON: \"alerts\", as the JSON Lines sink writes them: docs/alerts.md).\n"
      "\n"
      "Options:\n"
      "  -c, --config FILE      configuration (TOML); default: built-in defaults\n"
      "      --alert-sinks      also write alerts to the sinks [alerts] configures (log_file,\n"
      "                         json_file, syslog); by default only the report shows them\n"
      "      --json             one JSON document on stdout (fields: docs/analyze-json.md)\n"
      "      --top N            flow records to list, largest first (default 20, 0 = all)\n"
      "      --country-db FILE  country .mmdb (overrides [geo] country_db)\n"
      "      --asn-db FILE      ASN .mmdb (overrides [geo] asn_db)\n"
      "      --apps-dir DIR     app catalog, one TOML file per vendor (overrides [apps] catalog_dir;\n"
      "                         default /etc/egressmon/apps.d, or config/apps.d of the source tree)\n"
      "  -q, --quiet            no informational log lines on stderr\n"
      "  -h, --help             this help\n"
      "\n"
      "Exit status: 0 on success (warnings, e.g. a capture cut short, are printed and kept in\n"
      "the report), 2 on a usage or input error (bad option, unreadable file, bad config or\n"
      "database), with a one-line message on stderr.\n");
}

namespace {

struct AnalyzeOptions {
  std::vector<std::string> files;
  std::string config;
  std::string countryDb;
  std::string asnDb;
  std::string appsDir;
  bool json = false;
  bool quiet = false;
  bool alertSinks = false;
  size_t top = 20;
};

Result<AnalyzeOptions> parseArgs(const std::vector<std::string>& args) {
  AnalyzeOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* name) -> Result<std::string> {
      if (i + 1 >= args.size()) return Error{fmt::format("option {} needs a value", name)};
      return args[++i];
    };
    if (a == "--json") {
      o.json = true;
    } else if (a == "-q" || a == "--quiet") {
      o.quiet = true;
    } else if (a == "--alert-sinks") {
      o.alertSinks = true;
    } else if (a == "-c" || a == "--config") {
      auto v = value("--config");
      if (!v) return v.error();
      o.config = v.value();
    } else if (a == "--country-db") {
      auto v = value("--country-db");
      if (!v) return v.error();
      o.countryDb = v.value();
    } else if (a == "--asn-db") {
      auto v = value("--asn-db");
      if (!v) return v.error();
      o.asnDb = v.value();
    } else if (a == "--apps-dir") {
      auto v = value("--apps-dir");
      if (!v) return v.error();
      o.appsDir = v.value();
    } else if (a == "--top") {
      auto v = value("--top");
      if (!v) return v.error();
      const std::string& s = v.value();
      size_t n = 0;
      const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
      if (ec != std::errc{} || p != s.data() + s.size())
        return Error{fmt::format("--top needs a whole number, got '{}'", s)};
      o.top = n;
    } else if (a.size() > 1 && a[0] == '-') {
      return Error{fmt::format("unknown option '{}' (see egressmon analyze --help)", a)};
    } else {
      o.files.push_back(a);
    }
  }
  if (o.files.empty()) return Error{"no capture file given (usage: egressmon analyze FILE...)"};
  return o;
}

}  // namespace

int analyzeCommand(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "-h" || a == "--help") {
      printAnalyzeHelp();
      return kExitOk;
    }
  }
  auto opts = parseArgs(args);
  auto fail = [](const std::string& message) {
    std::fprintf(stderr, "egressmon analyze: %s\n", message.c_str());
    return kExitUsage;
  };
  if (!opts) return fail(opts.error().message);
  const AnalyzeOptions& o = opts.value();

  Config cfg = defaultConfig();
  if (!o.config.empty()) {
    auto loaded = loadConfig(o.config);
    if (!loaded) return fail(loaded.error().message);
    cfg = std::move(loaded).value();
  }
  if (const Status st = applyLogLevel(cfg.log); !st) return fail(st.error().message);
  if (o.quiet) spdlog::set_level(std::max(spdlog::get_level(), spdlog::level::warn));
  if (!o.countryDb.empty()) cfg.geo.countryDb = o.countryDb;
  if (!o.asnDb.empty()) cfg.geo.asnDb = o.asnDb;
  if (!o.appsDir.empty()) cfg.apps.catalogDir = o.appsDir;

  // Open every input before reading any, so a typo fails fast and nothing half-runs.
  std::vector<std::unique_ptr<PacketSource>> sources;
  for (const auto& f : o.files) {
    auto src = openPcapFile(f);
    if (!src) return fail(src.error().message);
    sources.push_back(std::move(src).value());
  }

  auto geo = openGeo(cfg.geo);
  if (!geo) return fail(geo.error().message);
  ReportContext ctx;
  ctx.inputs = o.files;
  ctx.warnings = geo.value().warnings;

  auto apps = openAppCatalog(cfg.apps);
  if (!apps) return fail(apps.error().message);

  auto policy = bindPolicy(cfg, apps.value().get());
  if (!policy) return fail(policy.error().message);

  AnalyzeReport report(o.top);
  // With a policy, flows are judged and alerts raised through the daemon's pipeline; the
  // report is one of its sinks, the configured sinks only on request.
  std::unique_ptr<AlertPipeline> pipeline;
  std::unique_ptr<FlowJudge> judge;
  if (policy.value()) {
    AlertsConfig acfg = cfg.alerts.pipeline;
    acfg.console = false;
    if (!o.alertSinks) {
      acfg.logFile.clear();
      acfg.jsonFile.clear();
      acfg.syslog = false;
    }
    std::vector<std::unique_ptr<AlertSink>> sinks;
    sinks.push_back(report.makeAlertSink());
    auto created = AlertPipeline::create(acfg, std::move(sinks));
    if (!created) return fail(created.error().message);
    pipeline = std::move(created).value();
    JudgeConfig jc;
    jc.outOfRegion = cfg.alerts.outOfRegion;
    jc.indeterminate = cfg.alerts.indeterminate;
    jc.maxAgeDays = cfg.geo.maxAgeDays;
    if (const GeoDb* db = geo.value().resolver->countryDb()) jc.dbBuildEpoch = db->info().buildEpoch;
    judge = std::make_unique<FlowJudge>(policy.value(), *pipeline, *geo.value().resolver, jc);
  }

  Engine engine(cfg.engine, *geo.value().resolver, report, apps.value(), judge.get());
  for (auto& src : sources) {
    const Status st = engine.run(*src);
    if (!st) ctx.warnings.push_back(st.error().message);
    src.reset();  // release the file (and libpcap's buffer) as soon as it is read
  }
  engine.finish();
  if (pipeline) {
    pipeline->finish();
    ctx.policy = policy.value().get();
    ctx.judge = &judge->stats();
    ctx.alerts = pipeline->stats();
  }
  for (const auto& w : ctx.warnings) spdlog::warn("{}", w);

  ctx.engine = &engine.stats();
  ctx.flows = &engine.flows().stats();
  ctx.geo = geo.value().resolver.get();
  ctx.names = &engine.namer().stats();
  if (const NameCache* cache = engine.namer().cache()) ctx.answerCache = &cache->stats();
  if (o.json) {
    const std::string doc = report.toJson(ctx);
    std::fwrite(doc.data(), 1, doc.size(), stdout);
    std::fputc('\n', stdout);
  } else {
    ctx.warnings.clear();  // already on stderr; keep stdout to the tables
    report.writeText(stdout, ctx);
  }
  if (std::fflush(stdout) != 0) {
    std::fprintf(stderr, "egressmon analyze: cannot write output\n");
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace egressmon::app
