// egressmon check-config: validates a configuration the way the daemon and analyze would load
// it (config, app catalog, databases, region policy) and prints the effective settings.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "commands.h"
#include "egressmon/apps/app_catalog.h"
#include "egressmon/config/config.h"
#include "egressmon/policy/policy.h"

namespace egressmon::app {

void printCheckConfigHelp() {
  std::printf(
      "Usage: egressmon check-config [FILE] [--apps-dir DIR]\n"
      "\n"
      "Validates a configuration - every key and value, the app catalog, the geolocation\n"
      "databases and the region policy - and prints the effective settings: regions expanded\n"
      "to country lists, app policies, exceptions with their reasons. Without FILE:\n"
      "/etc/egressmon/egressmon.toml if it exists, else the built-in defaults.\n"
      "\n"
      "Exit status: 0 when valid; 2 with every problem as FILE:LINE:COLUMN: message.\n");
}

namespace {

std::string durationText(TimeUs t) {
  if (t % kUsPerSec != 0) return fmt::format("{}ms", t / 1000);
  const int64_t s = t / kUsPerSec;
  if (s != 0 && s % 3600 == 0) return fmt::format("{}h", s / 3600);
  if (s != 0 && s % 60 == 0) return fmt::format("{}m", s / 60);
  return fmt::format("{}s", s);
}

void printDb(const char* what, const GeoDb* db) {
  if (db == nullptr) {
    std::printf("  %s database: none\n", what);
    return;
  }
  const GeoDbInfo& i = db->info();
  std::printf("  %s database: %s (%s, schema %s, built %s, %.1f MiB)\n", what, i.path.c_str(),
              i.databaseType.c_str(), std::string(geoSchemaName(i.schema)).c_str(),
              formatRfc3339(TimeUs(i.buildEpoch) * kUsPerSec).substr(0, 10).c_str(),
              double(i.fileSize) / (1024.0 * 1024.0));
}

}  // namespace

int checkConfigCommand(const std::vector<std::string>& args) {
  std::string path;
  std::string appsDir;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "-h" || args[i] == "--help") {
      printCheckConfigHelp();
      return kExitOk;
    }
    if (args[i] == "--apps-dir" && i + 1 < args.size()) {
      appsDir = args[++i];
    } else if (!args[i].empty() && args[i][0] == '-') {
      std::fprintf(stderr, "egressmon check-config: unknown option '%s'\n", args[i].c_str());
      return kExitUsage;
    } else if (path.empty()) {
      path = args[i];
    } else {
      std::fprintf(stderr, "egressmon check-config: one configuration file at a time\n");
      return kExitUsage;
    }
  }
  if (path.empty() && ::access("/etc/egressmon/egressmon.toml", R_OK) == 0)
    path = "/etc/egressmon/egressmon.toml";

  Config cfg = defaultConfig();
  if (!path.empty()) {
    auto loaded = loadConfig(path);
    if (!loaded) {
      std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
      return kExitUsage;
    }
    cfg = std::move(loaded).value();
  }
  if (!appsDir.empty()) cfg.apps.catalogDir = appsDir;
  if (const Status st = validateAlertsConfig(cfg.alerts.pipeline); !st) {
    std::fprintf(stderr, "%s: %s\n", path.c_str(), st.error().message.c_str());
    return kExitUsage;
  }
  auto geo = openGeo(cfg.geo);
  if (!geo) {
    std::fprintf(stderr, "%s\n", geo.error().message.c_str());
    return kExitUsage;
  }
  auto apps = openAppCatalog(cfg.apps);
  if (!apps) {
    std::fprintf(stderr, "%s\n", apps.error().message.c_str());
    return kExitUsage;
  }
  // App names in the policy must exist in the catalog the policy will run with.
  auto bound = bindPolicy(cfg, apps.value().get());
  if (!bound) {
    std::fprintf(stderr, "%s\n", bound.error().message.c_str());
    return kExitUsage;
  }
  const std::shared_ptr<const Policy> policy = bound.value();

  std::printf("configuration: %s\n", path.empty() ? "(built-in defaults)" : path.c_str());
  std::printf("[network]\n  local_networks:");
  for (const auto& p : cfg.engine.localNetworks) std::printf(" %s", p.toString().c_str());
  const auto& fl = cfg.engine.flow;
  const auto& to = fl.timeouts;
  std::printf("\n[flow]\n  max_flows: %u; fragments: %u slots for %s\n", fl.maxFlows,
              fl.fragmentSlots, durationText(fl.fragmentTimeout).c_str());
  std::printf("  idle timeouts: tcp_opening %s, tcp_established %s, tcp_closed %s, udp %s, icmp %s, "
              "other %s; active %s\n",
              durationText(to.tcpOpening).c_str(), durationText(to.tcpEstablished).c_str(),
              durationText(to.tcpClosed).c_str(), durationText(to.udp).c_str(),
              durationText(to.icmp).c_str(), durationText(to.other).c_str(),
              to.active > 0 ? durationText(to.active).c_str() : "off");
  const auto& nm = cfg.engine.naming;
  std::printf("[names]\n  dns_ports:");
  for (auto p : nm.dnsPorts) std::printf(" %u", unsigned(p));
  std::printf("; DNS cache %zu entries, TTL clamped to [%s, %s]; %u inspection slots, %u packets "
              "per flow\n",
              nm.cache.entries, durationText(nm.cache.ttlFloor).c_str(),
              durationText(nm.cache.ttlCeiling).c_str(), nm.inspectionSlots, nm.inspectPackets);
  std::printf("[apps]\n");
  if (apps.value()) {
    std::printf("  catalog: %s (%zu apps)\n", resolveAppCatalogDir(cfg.apps).c_str(),
                apps.value()->size());
  } else {
    std::printf("  catalog: none (flows are named but not attributed to apps)\n");
  }
  std::printf("[geo]\n");
  printDb("country", geo.value().country.get());
  printDb("ASN", geo.value().asn.get());
  std::printf("  warn when older than %d days; cache %zu entries\n", cfg.geo.maxAgeDays,
              cfg.geo.cacheEntries);
  for (const auto& w : geo.value().warnings) std::printf("  warning: %s\n", w.c_str());
  const AlertsConfig& al = cfg.alerts.pipeline;
  std::printf("[alerts]\n  severities: out_of_region %s, indeterminate %s; raised from %s up\n",
              std::string(severityName(cfg.alerts.outOfRegion)).c_str(),
              std::string(severityName(cfg.alerts.indeterminate)).c_str(),
              std::string(severityName(al.minSeverity)).c_str());
  std::printf("  sinks: console %s", al.console ? (al.consoleStream == ConsoleStream::Stdout
                                                       ? "stdout" : "stderr")
                                                 : "off");
  if (!al.logFile.empty())
    std::printf(", log file %s (rotated at %zu bytes, %zu kept)", al.logFile.c_str(),
                al.logFileMaxBytes, al.logFileMaxFiles);
  if (!al.jsonFile.empty()) std::printf(", JSON Lines %s", al.jsonFile.c_str());
  if (al.syslog)
    std::printf(", syslog (%s, %s)", al.syslogIdent.c_str(), al.syslogFacility.c_str());
  std::printf("\n  dedup window %s (%zu keys); rate limit %s\n",
              al.dedup.window > 0 ? durationText(al.dedup.window).c_str() : "off", al.dedup.maxKeys,
              al.rateLimit.limit > 0 ? fmt::format("{} per {}", al.rateLimit.limit,
                                                   durationText(al.rateLimit.interval)).c_str()
                                     : "off");
  std::printf("[log]\n  level: %s\n", cfg.log.level.c_str());
  std::printf("policy:\n");
  if (policy) {
    std::string d = policy->describe();
    std::string indented;
    size_t start = 0;
    while (start < d.size()) {
      const size_t nl = d.find('\n', start);
      indented += "  " + d.substr(start, nl == std::string::npos ? std::string::npos : nl - start) + "\n";
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    std::fputs(indented.c_str(), stdout);
  } else {
    std::printf("  none: flows are reported, none alerts\n");
  }
  std::printf("OK\n");
  return kExitOk;
}

}  // namespace egressmon::app
