#pragma once
// The app catalog files (config/apps.d/*.toml, one per vendor): read and validated whole into
// AppRules for AppCatalog::build(). A bad file is rejected as a whole; every problem in every
// file is reported as "FILE:LINE:COL: what is wrong (expected ...)". toml++ stays inside
// apps_config.cpp. The format is documented in docs/apps.md.
#include <string>
#include <string_view>
#include <vector>

#include "egressmon/apps/app_catalog.h"
#include "egressmon/core/result.h"

namespace egressmon {

/// Reads and checks catalog files: unknown keys, wrong types, bad domains, ranges, ASNs and
/// ports, missing name or vendor, an app with nothing to match, duplicate app names, and a
/// domain, name, range, ASN or port-only port claimed twice (across all files). Rules come in
/// file order, then in the order written; each rule's source is "FILE:LINE". The rules are
/// guaranteed to pass AppCatalog::build(). Any thread; reads the files.
Result<std::vector<AppRule>> loadAppCatalog(const std::vector<std::string>& files);

/// Every regular file named *.toml in `dir`, sorted by name, as loadAppCatalog(). An Error
/// naming `dir` when it cannot be listed; a directory without catalog files is an empty catalog.
Result<std::vector<AppRule>> loadAppCatalogDir(const std::string& dir);

/// One catalog file's text (tests, check-config): `source` stands in for the path in messages.
struct AppCatalogText {
  std::string source;
  std::string_view text;
};
/// As loadAppCatalog(), from texts.
Result<std::vector<AppRule>> parseAppCatalog(const std::vector<AppCatalogText>& files);

}  // namespace egressmon
