#pragma once
// Reading small text files (configs, catalogs) whole, with errors that name the file.
#include <string>
#include <string_view>

#include "egressmon/core/result.h"

namespace egressmon {

/// The file's bytes. Errors read "cannot read <what> <path>: <reason>", e.g.
/// "cannot read config /etc/egressmon/egressmon.toml: No such file or directory".
Result<std::string> readTextFile(const std::string& path, std::string_view what);

}  // namespace egressmon
