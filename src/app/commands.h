#pragma once
// Subcommands of the egressmon executable. Each returns the process exit code.
#include <memory>
#include <string>
#include <vector>

#include "egressmon/config/config.h"
#include "egressmon/core/result.h"
#include "egressmon/geo/geo.h"

namespace egressmon {
class AppCatalog;
class Policy;
}

namespace egressmon::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 2;  // usage or input error, with a one-line message

int analyzeCommand(const std::vector<std::string>& args);
void printAnalyzeHelp();
int checkConfigCommand(const std::vector<std::string>& args);
void printCheckConfigHelp();

/// The opened databases and resolver; overrides come from the command line.
struct GeoSetup {
  std::shared_ptr<const GeoDb> country;
  std::shared_ptr<const GeoDb> asn;
  std::unique_ptr<GeoResolver> resolver;
  std::vector<std::string> warnings;
};
Result<GeoSetup> openGeo(const GeoConfig& cfg);

/// The app catalog from [apps] (null when disabled or when no catalog directory exists).
Result<std::shared_ptr<const AppCatalog>> openAppCatalog(const AppsConfig& cfg);

/// The config's region policy with its app names checked against, and bound to, `catalog` (the
/// file is read again for that); the policy as parsed when there is no catalog or no policy.
Result<std::shared_ptr<const Policy>> bindPolicy(const Config& cfg, const AppCatalog* catalog);

/// Sets the level of the program's own log lines from [log] level.
Status applyLogLevel(const LogConfig& cfg);

}  // namespace egressmon::app
