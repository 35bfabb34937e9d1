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

}  // namespace egressmon::app
