#include "egressmon/core/file.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace egressmon {

Result<std::string> readTextFile(const std::string& path, std::string_view what) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Error{fmt::format("cannot read {} {}: {}", what, path, std::strerror(errno))};
  std::string text;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  const bool bad = std::ferror(f) != 0;
  std::fclose(f);
  if (bad) return Error{fmt::format("cannot read {} {}: read error", what, path)};
  return text;
}

}  // namespace egressmon
