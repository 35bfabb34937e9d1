#pragma once
// Configuration: parsed and validated whole into plain structs, then handed over at once.
// A bad file is rejected before anything changes; every error names file:line:column and what
// was expected. toml++ stays inside config.cpp.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "egressmon/alerts/pipeline.h"
#include "egressmon/core/result.h"
#include "egressmon/engine/engine.h"
#include "egressmon/geo/geo.h"

namespace egressmon {

struct GeoConfig {
  std::string countryDb;       // empty: the first of defaultCountryDbPaths() that exists
  std::string asnDb;           // empty: no ASN database
  int maxAgeDays = 45;         // warn when the country DB's build is older than this
  size_t cacheEntries = 65536; // per-address look-up cache (bounded)
  std::vector<AddrClass> lookupSpecial;  // special-purpose classes to geolocate anyway (labs)
};

struct AppsConfig {
  std::string catalogDir;      // empty: the first of defaultAppCatalogDirs() that exists
  bool enabled = true;
};

class Policy;

/// [alerts]: the alert pipeline's sinks, dedup and rate limit, and the severity of each kind of
/// alert.
struct AlertSettings {
  AlertsConfig pipeline;
  Severity outOfRegion = Severity::Warning;
  Severity indeterminate = Severity::Info;
};

/// [log]: the program's own log lines (not alerts).
struct LogConfig {
  std::string level = "info";  // trace, debug, info, warning, error, critical, off
};

struct Config {
  std::string source;          // the file it came from; empty for built-in defaults
  EngineConfig engine;
  GeoConfig geo;
  AppsConfig apps;
  AlertSettings alerts;
  LogConfig log;
  std::shared_ptr<const Policy> policy;  // [region], [[app_policy]], ... (null: none given)
};

/// Built-in defaults (no config file at all).
Config defaultConfig();
/// Reads and validates a TOML file. Errors: "FILE:LINE:COL: what is wrong (expected ...)".
Result<Config> loadConfig(const std::string& path);
/// Same, from text (tests); `sourceName` stands in for the path in messages.
Result<Config> parseConfig(std::string_view text, const std::string& sourceName);

/// Where a country DB is looked for when none is configured, in order.
std::vector<std::string> defaultCountryDbPaths();
/// The configured country DB, or the first default path that exists ("" if none).
std::string resolveCountryDbPath(const GeoConfig& g);

/// Where the app catalog (one TOML file per vendor) is looked for when none is configured.
std::vector<std::string> defaultAppCatalogDirs();
/// The configured catalog directory, or the first default that exists ("" if none).
std::string resolveAppCatalogDir(const AppsConfig& a);

}  // namespace egressmon
