#include "egressmon/config/apps_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <toml++/toml.h>

#include "../common/toml_text.h"
#include "egressmon/core/file.h"
#include <utility>

#include "egressmon/apps/host_name.h"
#include "egressmon/apps/public_suffix.h"

namespace egressmon {

namespace {

std::string where(const std::string& file, const toml::source_region& at) {
  return fmt::format("{}:{}:{}", file, at.begin.line, at.begin.column);
}

using toml_text::shown;
using toml_text::typeName;

// Everything learnt while reading all files: the errors, and who claimed what, so a second
// claim can name the first one's position.
class Reader {
public:
  // `at` is "FILE:LINE:COL" (or a bare path for I/O errors).
  void error(const std::string& at, const std::string& msg) {
    // toml++ walks a table's keys in name order: remember the position to report in file order.
    uint32_t line = 0, col = 0;
    const size_t c2 = at.rfind(':');
    const size_t c1 = c2 == std::string::npos || c2 == 0 ? std::string::npos : at.rfind(':', c2 - 1);
    if (c1 != std::string::npos) {
      std::from_chars(at.data() + c1 + 1, at.data() + c2, line);
      std::from_chars(at.data() + c2 + 1, at.data() + at.size(), col);
    }
    errors_.push_back({fileIndex_, line, col, at + ": " + msg});
  }
  // A message that already names its path.
  void ioError(const std::string& msg) { errors_.push_back({fileIndex_, 0, 0, msg}); }
  bool ok() const { return errors_.empty(); }
  std::string errors() {
    std::stable_sort(errors_.begin(), errors_.end(), [](const Err& a, const Err& b) {
      return a.file != b.file ? a.file < b.file : a.line != b.line ? a.line < b.line : a.col < b.col;
    });
    std::string s;
    for (const auto& e : errors_) s += (s.empty() ? "" : "\n") + e.text;
    return s;
  }
  void nextFile() { ++fileIndex_; }

  void readFile(const std::string& file, std::string_view text);
  std::vector<AppRule> take() { return std::move(rules_); }

private:
  struct Claim {
    std::string app;
    std::string at;
  };
  // Records `key` for `app`; on a second claim reports it at `at` and returns false.
  bool claim(std::map<std::string, Claim>& owners, const std::string& key, std::string_view what,
             const std::string& app, const std::string& at) {
    auto [it, fresh] = owners.emplace(key, Claim{app, at});
    if (fresh) return true;
    if (it->second.app == app) {
      error(at, fmt::format("app '{}': {} {} is listed twice, first at {} (expected each once)",
                            app, what, key, it->second.at));
    } else {
      error(at, fmt::format("app '{}': {} {} is also claimed by app '{}' at {} (expected each "
                            "{} to belong to one app)",
                            app, what, key, it->second.app, it->second.at, what));
    }
    return false;
  }

  void readApp(const std::string& file, const toml::table& t, size_t index);
  // Calls each(element) for the elements of an array value; reports a non-array.
  bool forEach(const std::string& file, const std::string& app, const toml::node& n,
               std::string_view key, std::string_view example,
               const std::function<void(const toml::node&, const std::string& at)>& each);

  struct Err {
    size_t file;
    uint32_t line, col;
    std::string text;
  };
  std::vector<Err> errors_;
  size_t fileIndex_ = 0;
  std::vector<AppRule> rules_;
  std::map<std::string, Claim> appNames_, domains_, names_, ranges_, asns_, ports_;
  PublicSuffixList psl_;
};

bool Reader::forEach(const std::string& file, const std::string& app, const toml::node& n,
                     std::string_view key, std::string_view example,
                     const std::function<void(const toml::node&, const std::string& at)>& each) {
  auto arr = n.as_array();
  if (!arr) {
    error(where(file, n.source()), fmt::format("app '{}': {} is {} (expected an array such as {})",
                                               app, key, typeName(n), example));
    return false;
  }
  for (auto&& e : *arr) each(e, where(file, e.source()));
  return true;
}

void Reader::readApp(const std::string& file, const toml::table& t, size_t index) {
  AppRule r;
  r.source = fmt::format("{}:{}", file, t.source().begin.line);
  const std::string tableAt = where(file, t.source());

  // The name first: every later message names the app.
  std::string app = fmt::format("app[{}]", index);
  if (const toml::node* n = t.get("name")) {
    auto s = n->as_string();
    const std::string v = s ? std::string(s->get()) : std::string();
    const bool printable = std::all_of(v.begin(), v.end(), [](char c) {
      return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
    });
    if (!s || v.empty() || v.size() > 64 || !printable || v.front() == ' ' || v.back() == ' ') {
      error(where(file, n->source()),
            fmt::format("{}: name is {} (expected a string of 1 to 64 printable characters "
                        "without leading or trailing spaces)",
                        app, shown(*n)));
    } else {
      r.name = v;
      app = v;
      if (auto [it, fresh] = appNames_.emplace(v, Claim{v, where(file, n->source())}); !fresh)
        error(where(file, n->source()),
              fmt::format("duplicate app name '{}', first defined at {} (expected unique "
                          "names across all catalog files)",
                          v, it->second.at));
    }
  } else {
    error(tableAt, fmt::format("{}: missing key 'name' (expected name = \"...\")", app));
  }
  const std::string appLabel = fmt::format("app '{}'", app);

  bool hasVendor = false;
  std::vector<bool> portSeen(65536);
  const auto hostList = [&](const toml::node& n, std::string_view key, bool isDomain,
                            std::vector<std::string>& out) {
    forEach(file, app, n, key, "[\"example.com\"]", [&](const toml::node& e, const std::string& at) {
      auto s = e.as_string();
      if (!s) {
        error(at, fmt::format("{}: {} entry is {} (expected a domain name such as "
                              "\"example.com\")",
                              appLabel, key, typeName(e)));
        return;
      }
      auto c = canonicalDomain(s->get());
      if (!c) {
        error(at, fmt::format("{}: {}: {}", appLabel, key, c.error().message));
        return;
      }
      if (isDomain && psl_.isIcannSuffix(c.value())) {
        error(at, fmt::format("{}: domains: \"{}\" is a public suffix and would match every "
                              "site under it (expected a registrable domain or a name below one)",
                              appLabel, c.value()));
        return;
      }
      if (claim(isDomain ? domains_ : names_, c.value(), isDomain ? "domain" : "name", app, at))
        out.push_back(std::move(c.value()));
    });
  };

  for (auto&& [key, node] : t) {
    const std::string k(key.str());
    const std::string at = where(file, node.source());
    if (k == "name") continue;
    if (k == "vendor") {
      auto s = node.as_string();
      if (!s || s->get().empty()) {
        error(at, fmt::format("{}: vendor is {} (expected a non-empty string such as "
                              "\"ByteDance\")",
                              appLabel, shown(node)));
      } else {
        r.vendor = s->get();
      }
      hasVendor = true;
    } else if (k == "domains") {
      hostList(node, "domains", true, r.domains);
    } else if (k == "names") {
      hostList(node, "names", false, r.exactNames);
    } else if (k == "ranges") {
      forEach(file, app, node, "ranges", "[\"192.0.2.0/24\", \"2001:db8::/32\"]",
              [&](const toml::node& e, const std::string& eat) {
                auto s = e.as_string();
                std::optional<IpPrefix> p;
                if (s) p = IpPrefix::parse(s->get());
                if (!p) {
                  error(eat, fmt::format("{}: ranges entry {} is not an address range (expected "
                                         "one such as \"192.0.2.0/24\" or \"2001:db8::/32\")",
                                         appLabel, shown(e)));
                  return;
                }
                const std::string_view text = s->get();
                if (auto base = IpAddress::parse(text.substr(0, text.find('/')));
                    base && !(*base == p->base())) {
                  error(eat, fmt::format("{}: ranges entry {} has host bits set (expected \"{}\")",
                                         appLabel, shown(e), p->toString()));
                  return;
                }
                if (claim(ranges_, p->toString(), "range", app, eat)) r.ranges.push_back(*p);
              });
    } else if (k == "asns") {
      forEach(file, app, node, "asns", "[64496]", [&](const toml::node& e, const std::string& eat) {
        auto i = e.as_integer();
        if (!i || i->get() < 1 || i->get() > 4294967295LL) {
          error(eat, fmt::format("{}: asns entry {} is not an AS number (expected an integer "
                                 "from 1 to 4294967295)",
                                 appLabel, shown(e)));
          return;
        }
        if (claim(asns_, std::to_string(i->get()), "ASN", app, eat))
          r.asns.push_back(uint32_t(i->get()));
      });
    } else if (k == "ports") {
      forEach(file, app, node, "ports", "[443, \"8801-8810\"]",
              [&](const toml::node& e, const std::string& eat) {
                int64_t lo = 0, hi = -1;
                if (auto i = e.as_integer()) {
                  lo = hi = i->get();
                } else if (auto s = e.as_string()) {
                  const std::string_view v = s->get();
                  const size_t dash = v.find('-');
                  const auto num = [](std::string_view d, int64_t& out) {
                    auto [p, ec] = std::from_chars(d.data(), d.data() + d.size(), out);
                    return !d.empty() && ec == std::errc{} && p == d.data() + d.size();
                  };
                  if (dash == std::string_view::npos || !num(v.substr(0, dash), lo) ||
                      !num(v.substr(dash + 1), hi))
                    hi = -1;
                }
                if (lo < 1 || hi > 65535 || lo > hi) {
                  error(eat, fmt::format("{}: ports entry {} is not a port (expected an integer "
                                         "from 1 to 65535, or a range such as \"8801-8810\")",
                                         appLabel, shown(e)));
                  return;
                }
                for (int64_t p = lo; p <= hi; ++p) {
                  if (portSeen[size_t(p)]) {
                    error(eat, fmt::format("{}: port {} is listed twice (expected each once)",
                                           appLabel, p));
                    return;
                  }
                  portSeen[size_t(p)] = true;
                  r.ports.push_back(uint16_t(p));
                }
              });
    } else {
      error(where(file, key.source()),
            fmt::format("{}: unknown key '{}' (expected one of: name, vendor, domains, names, "
                        "ranges, asns, ports)",
                        appLabel, k));
    }
  }
  if (!hasVendor)
    error(tableAt, fmt::format("{}: missing key 'vendor' (expected vendor = \"...\")", appLabel));
  const bool portOnly =
      r.domains.empty() && r.exactNames.empty() && r.ranges.empty() && r.asns.empty();
  if (portOnly && r.ports.empty()) {
    // Only when no list was written: a list of the wrong type or with bad entries was reported.
    bool listed = false;
    for (const char* k : {"domains", "names", "ranges", "asns", "ports"}) {
      const toml::node* n = t.get(k);
      if (n != nullptr && !(n->is_array() && n->as_array()->empty())) listed = true;
    }
    if (!listed)
      error(tableAt, fmt::format("{}: nothing to match (expected at least one non-empty list "
                                 "among domains, names, ranges, asns, ports)",
                                 appLabel));
  }
  if (portOnly) {
    for (uint16_t p : r.ports) claim(ports_, std::to_string(p), "port", app, tableAt);
  }
  rules_.push_back(std::move(r));
}

void Reader::readFile(const std::string& file, std::string_view text) {
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    error(where(file, e.source()), std::string(e.description()));
    return;
  }
  for (auto&& [key, node] : root) {
    if (key.str() != "app") {
      error(where(file, key.source()),
            fmt::format("unknown key '{}' (expected only [[app]] tables)", key.str()));
      continue;
    }
    auto arr = node.as_array();
    if (arr == nullptr || !arr->is_array_of_tables()) {
      error(where(file, node.source()),
            fmt::format("app is {} (expected [[app]] tables)", typeName(node)));
      continue;
    }
    size_t i = 0;
    for (auto&& t : *arr) readApp(file, *t.as_table(), i++);
  }
}

Result<std::string> readWhole(const std::string& path) { return readTextFile(path, "app catalog"); }

Result<std::vector<AppRule>> finish(Reader& r) {
  if (!r.ok()) return Error{r.errors()};
  std::vector<AppRule> rules = r.take();
  // The reader's checks cover AppCatalog::build()'s; this guards that promise.
  std::vector<AppRule> copy = rules;
  if (auto built = AppCatalog::build(std::move(copy)); !built) return Error{built.error().message};
  return rules;
}

}  // namespace

Result<std::vector<AppRule>> parseAppCatalog(const std::vector<AppCatalogText>& files) {
  Reader r;
  for (const auto& f : files) {
    r.readFile(f.source, f.text);
    r.nextFile();
  }
  return finish(r);
}

Result<std::vector<AppRule>> loadAppCatalog(const std::vector<std::string>& files) {
  Reader r;
  for (const auto& path : files) {
    auto text = readWhole(path);
    if (text) r.readFile(path, text.value());
    else r.ioError(text.error().message);
    r.nextFile();
  }
  return finish(r);
}

Result<std::vector<AppRule>> loadAppCatalogDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> files;
  fs::directory_iterator it(dir, ec);
  if (ec) return Error{fmt::format("cannot list app catalog directory {}: {}", dir, ec.message())};
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const fs::path& p = it->path();
    if (p.extension() == ".toml" && it->is_regular_file(ec)) files.push_back(p.string());
  }
  if (ec) return Error{fmt::format("cannot list app catalog directory {}: {}", dir, ec.message())};
  std::sort(files.begin(), files.end());
  return loadAppCatalog(files);
}

}  // namespace egressmon
