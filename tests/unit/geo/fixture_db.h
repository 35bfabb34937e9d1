#pragma once
// Test helper: builds fixture .mmdb files with tests/fixtures/make-mmdb.pl into a temporary
// directory owned by the test process (removed at exit), once per distinct set of arguments.
#include <stdlib.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

namespace egressmon::testing {

inline const char* kMakeMmdb = EGRESSMON_SOURCE_DIR "/tests/fixtures/make-mmdb.pl";

class FixtureDir {
public:
  static FixtureDir& instance() {
    static FixtureDir d;
    return d;
  }
  const std::string& path() const { return dir_; }

  /// Path of a DB built with `--schema schema` plus `extraArgs`; "" when the script failed
  /// (its output is printed so the failing test shows why).
  std::string build(const std::string& schema, const std::string& extraArgs = "") {
    const std::string key = schema + " " + extraArgs;
    if (auto it = built_.find(key); it != built_.end()) return it->second;
    std::string name = schema;
    for (char c : extraArgs) name += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
    const std::string out = dir_ + "/" + name + ".mmdb";
    const std::string cmd = std::string("perl ") + kMakeMmdb + " --schema " + schema + " --out " + out +
                            " " + extraArgs + " 2>&1";
    const int rc = std::system(cmd.c_str());
    if (rc != 0) {
      std::fprintf(stderr, "fixture command failed (%d): %s\n", rc, cmd.c_str());
      return "";
    }
    built_[key] = out;
    return out;
  }

  /// Writes `bytes` to a file in the fixture dir and returns its path.
  std::string writeFile(const std::string& name, const std::string& bytes) {
    const std::string p = dir_ + "/" + name;
    if (FILE* f = std::fopen(p.c_str(), "wb")) {
      std::fwrite(bytes.data(), 1, bytes.size(), f);
      std::fclose(f);
    }
    return p;
  }

private:
  FixtureDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "egressmon-geo-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) dir_ = tmpl;
  }
  ~FixtureDir() {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  std::string dir_;
  std::map<std::string, std::string> built_;
};

/// The whole content of a file ("" when unreadable).
inline std::string readFile(const std::string& path) {
  std::string out;
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    std::fclose(f);
  }
  return out;
}

/// Runs a command and returns its standard output.
inline std::string runCapture(const std::string& cmd) {
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

}  // namespace egressmon::testing
