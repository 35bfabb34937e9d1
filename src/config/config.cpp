#include "egressmon/config/config.h"
#include "egressmon/core/file.h"

#include "egressmon/policy/policy.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <toml++/toml.h>

#include "../common/toml_text.h"
#include <utility>

namespace egressmon {

namespace {

// Collects every problem in a file, each as "FILE:LINE:COL: message".
class Checker {
public:
  explicit Checker(std::string file) : file_(std::move(file)) {}

  void error(const toml::source_region& at, const std::string& msg) {
    errors_.push_back(fmt::format("{}:{}:{}: {}", file_, at.begin.line, at.begin.column, msg));
  }
  bool ok() const { return errors_.empty(); }
  std::string joined() const {
    std::string s;
    for (const auto& e : errors_) {
      if (!s.empty()) s += '\n';
      s += e;
    }
    return s;
  }

private:
  std::string file_;
  std::vector<std::string> errors_;
};

using Handler = std::function<void(const toml::node&, const std::string& path)>;
struct KeySpec {
  const char* key;
  Handler handle;
};

using toml_text::typeName;

// Walks one table against its allowed keys; unknown keys name the alternatives.
void walkTable(Checker& c, const toml::table& t, const std::string& prefix,
               const std::vector<KeySpec>& specs) {
  for (auto&& [key, node] : t) {
    const std::string k(key.str());
    const std::string path = prefix.empty() ? k : prefix + "." + k;
    const KeySpec* spec = nullptr;
    for (const auto& s : specs)
      if (k == s.key) spec = &s;
    if (spec == nullptr) {
      std::string allowed;
      for (const auto& s : specs) allowed += (allowed.empty() ? "" : ", ") + std::string(s.key);
      c.error(key.source(), fmt::format("unknown key '{}'{} (expected one of: {})", path,
                                        prefix.empty() ? "" : " in [" + prefix + "]", allowed));
      continue;
    }
    spec->handle(node, path);
  }
}

// Durations are integer seconds or text with a unit: "30s", "500ms", "5m", "1h", "1d".
Handler duration(Checker& c, TimeUs& out, bool allowZero) {
  return [&c, &out, allowZero](const toml::node& n, const std::string& path) {
    std::optional<TimeUs> us;
    if (auto i = n.as_integer(); i && i->get() >= 0) {
      us = seconds(i->get());
    } else if (auto s = n.as_string()) {
      us = parseDuration(s->get());
    }
    if (!us || (!allowZero && *us == 0)) {
      c.error(n.source(), fmt::format("{}: expected a duration such as 30 (seconds), \"30s\", "
                                      "\"5m\" or \"1h\"{}",
                                      path, allowZero ? "" : ", greater than zero"));
      return;
    }
    out = *us;
  };
}

template <class T>
Handler integer(Checker& c, T& out, int64_t lo, int64_t hi) {
  return [&c, &out, lo, hi](const toml::node& n, const std::string& path) {
    auto i = n.as_integer();
    if (!i || i->get() < lo || i->get() > hi) {
      c.error(n.source(), fmt::format("{}: expected an integer from {} to {}, got {}", path, lo,
                                      hi, i ? std::to_string(i->get()) : typeName(n)));
      return;
    }
    out = static_cast<T>(i->get());
  };
}

Handler string(Checker& c, std::string& out) {
  return [&c, &out](const toml::node& n, const std::string& path) {
    auto s = n.as_string();
    if (!s) {
      c.error(n.source(), fmt::format("{}: expected a string, got {}", path, typeName(n)));
      return;
    }
    out = s->get();
  };
}

Handler boolean(Checker& c, bool& out) {
  return [&c, &out](const toml::node& n, const std::string& path) {
    auto b = n.as_boolean();
    if (!b) {
      c.error(n.source(), fmt::format("{}: expected true or false, got {}", path, typeName(n)));
      return;
    }
    out = b->get();
  };
}

Handler portList(Checker& c, std::vector<uint16_t>& out) {
  return [&c, &out](const toml::node& n, const std::string& path) {
    auto arr = n.as_array();
    if (!arr) {
      c.error(n.source(), fmt::format("{}: expected an array of ports such as [53, 5353], got {}",
                                      path, typeName(n)));
      return;
    }
    out.clear();
    for (auto&& e : *arr) {
      auto i = e.as_integer();
      if (!i || i->get() < 1 || i->get() > 65535) {
        c.error(e.source(), fmt::format("{}: expected a port from 1 to 65535", path));
        continue;
      }
      out.push_back(uint16_t(i->get()));
    }
  };
}

Handler prefixList(Checker& c, std::vector<IpPrefix>& out) {
  return [&c, &out](const toml::node& n, const std::string& path) {
    auto arr = n.as_array();
    if (!arr) {
      c.error(n.source(), fmt::format("{}: expected an array of address ranges such as "
                                      "[\"10.0.0.0/8\", \"fd00::/8\"], got {}",
                                      path, typeName(n)));
      return;
    }
    out.clear();
    for (auto&& e : *arr) {
      auto s = e.as_string();
      auto p = s ? IpPrefix::parse(s->get()) : std::nullopt;
      if (!p) {
        const std::string got = s ? fmt::format("\"{}\"", s->get()) : typeName(e);
        c.error(e.source(), fmt::format("{}: expected an address range such as \"10.0.0.0/8\" "
                                        "or \"2001:db8::/32\", got {}",
                                        path, got));
        continue;
      }
      out.push_back(*p);
    }
  };
}

Handler addrClassList(Checker& c, std::vector<AddrClass>& out) {
  return [&c, &out](const toml::node& n, const std::string& path) {
    auto arr = n.as_array();
    std::string names;
    for (size_t i = 1; i < size_t(AddrClass::kCount); ++i)
      names += (names.empty() ? "" : ", ") + std::string(addrClassName(AddrClass(i)));
    if (!arr) {
      c.error(n.source(), fmt::format("{}: expected an array of class names ({})", path, names));
      return;
    }
    out.clear();
    for (auto&& e : *arr) {
      auto s = e.as_string();
      bool found = false;
      for (size_t i = 1; s && i < size_t(AddrClass::kCount); ++i) {
        if (addrClassName(AddrClass(i)) == s->get()) {
          out.push_back(AddrClass(i));
          found = true;
        }
      }
      if (!found)
        c.error(e.source(), fmt::format("{}: expected one of {}", path, names));
    }
  };
}

// A string that must be one of `names`; `out` gets the matching value.
template <class T>
Handler oneOf(Checker& c, T& out, std::vector<std::pair<std::string_view, T>> names) {
  return [&c, &out, names = std::move(names)](const toml::node& n, const std::string& path) {
    auto s = n.as_string();
    for (const auto& [name, value] : names) {
      if (s && s->get() == name) {
        out = value;
        return;
      }
    }
    std::string list;
    for (const auto& nv : names) list += (list.empty() ? "" : ", ") + std::string(nv.first);
    const std::string got = s ? fmt::format("\"{}\"", s->get()) : typeName(n);
    c.error(n.source(), fmt::format("{}: expected one of {}, got {}", path, list, got));
  };
}

std::vector<std::pair<std::string_view, Severity>> severityNames() {
  return {{"info", Severity::Info}, {"warning", Severity::Warning}, {"critical", Severity::Critical}};
}

std::vector<std::pair<std::string_view, std::string>> syslogFacilityNames() {
  std::vector<std::pair<std::string_view, std::string>> v;
  for (std::string_view f : {"user", "daemon", "auth", "authpriv", "local0", "local1", "local2",
                             "local3", "local4", "local5", "local6", "local7"})
    v.emplace_back(f, std::string(f));
  return v;
}

Handler table(Checker& c, std::function<std::vector<KeySpec>()> specs) {
  return [&c, specs = std::move(specs)](const toml::node& n, const std::string& path) {
    auto t = n.as_table();
    if (!t) {
      c.error(n.source(), fmt::format("{}: expected a table [{}], got {}", path, path, typeName(n)));
      return;
    }
    walkTable(c, *t, path, specs());
  };
}

}  // namespace

Config defaultConfig() { return Config{}; }

Result<Config> parseConfig(std::string_view text, const std::string& sourceName) {
  toml::table root;
  try {
    root = toml::parse(text, sourceName);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    return Error{fmt::format("{}:{}:{}: {}", sourceName, at.line, at.column, e.description())};
  }

  Config cfg;
  cfg.source = sourceName;
  Checker c(sourceName);
  auto& flow = cfg.engine.flow;
  auto& to = flow.timeouts;
  auto& geo = cfg.geo;

  const std::vector<KeySpec> rootSpecs = {
      {"network", table(c, [&] {
         return std::vector<KeySpec>{
             {"local_networks", prefixList(c, cfg.engine.localNetworks)},
         };
       })},
      {"flow", table(c, [&] {
         return std::vector<KeySpec>{
             {"max_flows", integer(c, flow.maxFlows, 1, 100'000'000)},
             {"fragment_slots", integer(c, flow.fragmentSlots, 16, 1 << 24)},
             {"fragment_timeout", duration(c, flow.fragmentTimeout, false)},
             {"timeouts", table(c, [&] {
                return std::vector<KeySpec>{
                    {"tcp_opening", duration(c, to.tcpOpening, false)},
                    {"tcp_established", duration(c, to.tcpEstablished, false)},
                    {"tcp_closed", duration(c, to.tcpClosed, false)},
                    {"udp", duration(c, to.udp, false)},
                    {"icmp", duration(c, to.icmp, false)},
                    {"other", duration(c, to.other, false)},
                    {"active", duration(c, to.active, true)},
                };
              })},
         };
       })},
      {"names", table(c, [&] {
         auto& n = cfg.engine.naming;
         return std::vector<KeySpec>{
             {"dns_ports", portList(c, n.dnsPorts)},
             {"inspection_slots", integer(c, n.inspectionSlots, 0, 1 << 20)},
             {"inspect_packets", integer(c, n.inspectPackets, 1, 1000)},
             {"max_names", integer(c, n.maxNames, 16, 1 << 26)},
             {"dns_cache_entries", integer(c, n.cache.entries, 1024, 1 << 23)},
             {"dns_ttl_floor", duration(c, n.cache.ttlFloor, true)},
             {"dns_ttl_ceiling", duration(c, n.cache.ttlCeiling, false)},
         };
       })},
      {"apps", table(c, [&] {
         return std::vector<KeySpec>{
             {"catalog_dir", string(c, cfg.apps.catalogDir)},
             {"enabled", boolean(c, cfg.apps.enabled)},
         };
       })},
      {"geo", table(c, [&] {
         return std::vector<KeySpec>{
             {"country_db", string(c, geo.countryDb)},
             {"asn_db", string(c, geo.asnDb)},
             {"max_age_days", integer(c, geo.maxAgeDays, 1, 36500)},
             {"cache_entries", integer(c, geo.cacheEntries, 16, 1 << 26)},
             {"lookup_special", addrClassList(c, geo.lookupSpecial)},
         };
       })},
      {"alerts", table(c, [&] {
         auto& a = cfg.alerts;
         auto& p = a.pipeline;
         return std::vector<KeySpec>{
             {"min_severity", oneOf(c, p.minSeverity, severityNames())},
             {"out_of_region_severity", oneOf(c, a.outOfRegion, severityNames())},
             {"indeterminate_severity", oneOf(c, a.indeterminate, severityNames())},
             {"console", boolean(c, p.console)},
             {"console_stream", oneOf(c, p.consoleStream, {{"stdout", ConsoleStream::Stdout},
                                                           {"stderr", ConsoleStream::Stderr}})},
             {"console_style", oneOf(c, p.consoleStyle, {{"auto", ConsoleStyle::Auto},
                                                         {"terminal", ConsoleStyle::Terminal},
                                                         {"journald", ConsoleStyle::Journald}})},
             {"log_file", string(c, p.logFile)},
             {"log_file_max_bytes", integer(c, p.logFileMaxBytes, 4096, int64_t(1) << 40)},
             {"log_file_max_files", integer(c, p.logFileMaxFiles, 0, 1000)},
             {"json_file", string(c, p.jsonFile)},
             {"syslog", boolean(c, p.syslog)},
             {"syslog_ident", string(c, p.syslogIdent)},
             {"syslog_facility", oneOf(c, p.syslogFacility, syslogFacilityNames())},
             {"dedup_window", duration(c, p.dedup.window, true)},
             {"dedup_max_keys", integer(c, p.dedup.maxKeys, 1, 1 << 24)},
             {"rate_limit", integer(c, p.rateLimit.limit, 0, 1 << 30)},
             {"rate_limit_interval", duration(c, p.rateLimit.interval, false)},
         };
       })},
      {"log", table(c, [&] {
         return std::vector<KeySpec>{
             {"level", oneOf(c, cfg.log.level, {{"trace", std::string("trace")},
                                                {"debug", std::string("debug")},
                                                {"info", std::string("info")},
                                                {"warning", std::string("warning")},
                                                {"error", std::string("error")},
                                                {"critical", std::string("critical")},
                                                {"off", std::string("off")}})},
         };
       })},
  };
  // The region policy may live in the same file; its tables are the policy module's to check.
  std::vector<KeySpec> specs = rootSpecs;
  bool hasPolicy = false;
  for (std::string_view k : policyRootKeys()) {
    specs.push_back({k.data(), [](const toml::node&, const std::string&) {}});
    if (root.contains(k)) hasPolicy = true;
  }
  walkTable(c, root, "", specs);
  std::string errors = c.ok() ? std::string() : c.joined();
  if (hasPolicy) {
    PolicyParseOptions opts;
    opts.embedded = true;
    auto policy = parsePolicy(text, sourceName, opts);
    if (!policy) errors += (errors.empty() ? "" : "\n") + policy.error().message;
    else cfg.policy = std::make_shared<const Policy>(std::move(policy).value());
  }
  if (!errors.empty()) return Error{errors};
  return cfg;
}

Result<Config> loadConfig(const std::string& path) {
  auto text = readTextFile(path, "config");
  if (!text) return text.error();
  return parseConfig(text.value(), path);
}

std::vector<std::string> defaultCountryDbPaths() {
  std::vector<std::string> v;
  if (const char* env = std::getenv("EGRESSMON_GEO_DIR"); env != nullptr && *env != 0)
    v.push_back(std::string(env) + "/geo-whois-asn-country.mmdb");
  v.push_back("/var/lib/egressmon/geo-whois-asn-country.mmdb");
  v.push_back("/var/lib/GeoIP/GeoLite2-Country.mmdb");
  v.push_back("/usr/share/GeoIP/GeoLite2-Country.mmdb");
  return v;
}

std::vector<std::string> defaultAppCatalogDirs() {
  std::vector<std::string> v;
  if (const char* env = std::getenv("EGRESSMON_APPS_DIR"); env != nullptr && *env != 0) v.push_back(env);
  v.push_back("/etc/egressmon/apps.d");
  v.push_back("/usr/local/etc/egressmon/apps.d");
#ifdef EGRESSMON_SOURCE_APPS_DIR
  v.push_back(EGRESSMON_SOURCE_APPS_DIR);  // running from a build tree
#endif
  return v;
}

std::string resolveAppCatalogDir(const AppsConfig& a) {
  if (!a.catalogDir.empty()) return a.catalogDir;
  for (const auto& p : defaultAppCatalogDirs())
    if (::access(p.c_str(), R_OK | X_OK) == 0) return p;
  return {};
}

std::string resolveCountryDbPath(const GeoConfig& g) {
  if (!g.countryDb.empty()) return g.countryDb;
  for (const auto& p : defaultCountryDbPaths())
    if (::access(p.c_str(), R_OK) == 0) return p;
  return {};
}

}  // namespace egressmon
