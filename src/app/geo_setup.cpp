#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <ctime>

#include "commands.h"
#include "egressmon/apps/app_catalog.h"
#include "egressmon/config/apps_config.h"
#include "egressmon/policy/policy.h"

namespace egressmon::app {

namespace {
void logDb(const char* what, const GeoDb& db) {
  const auto& i = db.info();
  spdlog::info("{} database {}: type {}, schema {}, built {}, {:.1f} MiB", what, i.path,
               i.databaseType, geoSchemaName(i.schema),
               formatRfc3339(TimeUs(i.buildEpoch) * kUsPerSec).substr(0, 10),
               double(i.fileSize) / (1024.0 * 1024.0));
}
}  // namespace

Result<GeoSetup> openGeo(const GeoConfig& cfg) {
  GeoSetup s;
  const std::string countryPath = resolveCountryDbPath(cfg);
  if (countryPath.empty()) {
    std::string tried;
    for (const auto& p : defaultCountryDbPaths()) tried += (tried.empty() ? "" : ", ") + p;
    s.warnings.push_back(fmt::format(
        "no country database found (looked in {}); every public address shows as unknown. "
        "Install one with scripts/install-geodb.sh or set [geo] country_db",
        tried));
  } else {
    auto db = GeoDb::open(countryPath, GeoDbRole::Country);
    if (!db) return db.error();
    logDb("country", *db.value());
    const int64_t age = db.value()->ageDays(int64_t(std::time(nullptr)));
    if (age > cfg.maxAgeDays)
      s.warnings.push_back(fmt::format("country database {} is {} days old (max_age_days = {}); "
                                       "update it (scripts/install-geodb.sh or geoipupdate)",
                                       countryPath, age, cfg.maxAgeDays));
    s.country = std::move(db).value();
  }
  if (!cfg.asnDb.empty()) {
    auto db = GeoDb::open(cfg.asnDb, GeoDbRole::Asn);
    if (!db) return db.error();
    logDb("ASN", *db.value());
    s.asn = std::move(db).value();
  }
  GeoResolverConfig rc;
  rc.cacheEntries = cfg.cacheEntries;
  rc.lookupSpecial = cfg.lookupSpecial;
  s.resolver = std::make_unique<GeoResolver>(s.country, s.asn, rc);
  return s;
}

Result<std::shared_ptr<const AppCatalog>> openAppCatalog(const AppsConfig& cfg) {
  if (!cfg.enabled) return std::shared_ptr<const AppCatalog>();
  const std::string dir = resolveAppCatalogDir(cfg);
  if (dir.empty()) {
    spdlog::warn("no app catalog found (looked in /etc/egressmon/apps.d and the defaults); "
                 "flows are named but not attributed to apps");
    return std::shared_ptr<const AppCatalog>();
  }
  auto rules = loadAppCatalogDir(dir);
  if (!rules) return rules.error();
  auto catalog = AppCatalog::build(std::move(rules).value());
  if (!catalog) return catalog.error();
  spdlog::info("app catalog {}: {} apps", dir, catalog.value().size());
  return std::shared_ptr<const AppCatalog>(std::make_shared<AppCatalog>(std::move(catalog).value()));
}

Result<std::shared_ptr<const Policy>> bindPolicy(const Config& cfg, const AppCatalog* catalog) {
  if (!cfg.policy || catalog == nullptr || cfg.source.empty()) return cfg.policy;
  PolicyParseOptions opts;
  opts.embedded = true;
  opts.catalog = catalog;
  auto bound = loadPolicy(cfg.source, opts);
  if (!bound) return bound.error();
  return std::shared_ptr<const Policy>(std::make_shared<const Policy>(std::move(bound).value()));
}

Status applyLogLevel(const LogConfig& cfg) {
  const auto level = spdlog::level::from_str(cfg.level);
  if (level == spdlog::level::off && cfg.level != "off")
    return Error{fmt::format("unknown log level '{}'", cfg.level)};
  spdlog::set_level(level);
  return Ok{};
}

}  // namespace egressmon::app
