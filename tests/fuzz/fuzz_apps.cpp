// Fuzzes the app catalog: the input is read as a catalog file (parseAppCatalog) and, line by
// line, as host names. Invariants: whatever the reader accepts, AppCatalog::build() accepts;
// every listed domain and name matches its own app; match() returns an id in range; the
// registrable domain of a name is empty or a label-aligned suffix of the folded name.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "egressmon/apps/app_catalog.h"
#include "egressmon/apps/host_name.h"
#include "egressmon/apps/public_suffix.h"
#include "egressmon/config/apps_config.h"

namespace {

using namespace egressmon;

const AppCatalog& fixedCatalog() {
  static const AppCatalog c = [] {
    std::vector<AppRule> rules(3);
    rules[0].name = "A";
    rules[0].domains = {"example.com", "tiktokv.com"};
    rules[0].exactNames = {"api.example.com"};
    rules[1].name = "B";
    rules[1].domains = {"b.example.com"};
    rules[1].ports = {443};
    rules[2].name = "C";
    rules[2].ranges = {IpPrefix::parse("10.0.0.0/8").value()};
    return std::move(AppCatalog::build(std::move(rules)).value());
  }();
  return c;
}

void checkHost(const AppCatalog& c, std::string_view host) {
  const AppMatch m = c.matchDetail(host, IpAddress{}, 0, 443);
  if (m.app > c.size() || (m.app == kNoApp) != (m.kind == AppMatchKind::None)) __builtin_trap();
  const std::string reg = registrableDomain(host);
  if (reg.empty()) return;
  char folded[kMaxHostName + 1];
  const size_t n = foldHostName(host, folded);
  const std::string_view f(folded, n);
  if (n == 0 || reg.size() > n || f.substr(n - reg.size()) != reg) __builtin_trap();
  if (reg.size() < n && f[n - reg.size() - 1] != '.') __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto rules = parseAppCatalog({{"fuzz.toml", text}});
  if (rules) {
    auto built = AppCatalog::build(rules.value());
    if (!built) __builtin_trap();  // the reader promises its rules build
    const AppCatalog& c = built.value();
    for (AppId id = 1; id <= c.size(); ++id) {
      const AppRule& r = *c.rule(id);
      const uint16_t port = r.ports.empty() ? 443 : r.ports.front();
      for (const auto& d : r.domains)
        if (c.match(d, IpAddress{}, 0, port) != id) __builtin_trap();
      for (const auto& x : r.exactNames)
        if (c.match(x, IpAddress{}, 0, port) != id) __builtin_trap();
    }
  }
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    checkHost(fixedCatalog(), text.substr(start, end - start));
    start = end + 1;
  }
  return 0;
}
