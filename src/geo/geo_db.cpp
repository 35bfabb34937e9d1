// GeoDb: one memory-mapped .mmdb file read through libmaxminddb, with its schema detected at
// open. The lookup path uses MMDB_lookup_sockaddr and MMDB_aget_value with static key paths:
// MMDB_get_value is avoided because MMDB_vget_value calloc()s a path array on every call.
#include <arpa/inet.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "egressmon/geo/geo.h"

namespace egressmon {

struct GeoDb::Impl {
  MMDB_s mmdb{};
  bool opened = false;
  ~Impl() {
    if (opened) MMDB_close(&mmdb);
  }
};

namespace {

// Key paths, NULL-terminated as MMDB_aget_value wants them.
using Path = const char* const[];
constexpr Path kCountryIso = {"country", "iso_code", nullptr};
constexpr Path kRegisteredIso = {"registered_country", "iso_code", nullptr};
constexpr Path kTraitsAnycast = {"traits", "is_anycast", nullptr};
constexpr Path kTopAnycast = {"is_anycast", nullptr};
constexpr Path kFlatCountry = {"country_code", nullptr};
constexpr Path kAsNumber = {"autonomous_system_number", nullptr};
constexpr Path kAsOrg = {"autonomous_system_organization", nullptr};
constexpr Path kFlatAsn = {"asn", nullptr};
constexpr Path kFlatAsName = {"as_name", nullptr};
constexpr Path kFlatName = {"name", nullptr};
constexpr Path kFlatOrg = {"org", nullptr};

enum class Get { Found, Absent, Error };

// Reads one value. A path that is missing or runs through a non-map is Absent, not an error:
// databases differ in which keys they carry.
Get getValue(MMDB_entry_s entry, const char* const* path, MMDB_entry_data_s& out) {
  const int st = MMDB_aget_value(&entry, &out, path);
  if (st == MMDB_SUCCESS) return out.has_data ? Get::Found : Get::Absent;
  if (st == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR) return Get::Absent;
  return Get::Error;
}

std::string_view stringOf(const MMDB_entry_data_s& d) {
  if (d.type != MMDB_DATA_TYPE_UTF8_STRING) return {};
  return {d.utf8_string, d.data_size};
}

// An AS number stored as an integer, or as text "AS15169" / "15169". 0 when unreadable.
uint32_t asnOf(const MMDB_entry_data_s& d) {
  switch (d.type) {
    case MMDB_DATA_TYPE_UINT16: return d.uint16;
    case MMDB_DATA_TYPE_UINT32: return d.uint32;
    case MMDB_DATA_TYPE_UINT64: return d.uint64 <= UINT32_MAX ? uint32_t(d.uint64) : 0;
    case MMDB_DATA_TYPE_INT32: return d.int32 > 0 ? uint32_t(d.int32) : 0;
    case MMDB_DATA_TYPE_UTF8_STRING: break;
    default: return 0;
  }
  std::string_view s = stringOf(d);
  if (s.size() >= 2 && (s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's')) s.remove_prefix(2);
  if (s.empty() || s.size() > 10) return 0;
  uint64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return 0;
    v = v * 10 + uint64_t(ch - '0');
  }
  return v <= UINT32_MAX ? uint32_t(v) : 0;
}

bool isAsnSchema(GeoSchema s) { return s == GeoSchema::MaxMindAsn || s == GeoSchema::FlatAsn; }

// Looks an address up; the sockaddr family follows the address so IPv4 goes through the
// IPv4 subtree of an IPv6 database whether or not the file aliases ::ffff:0:0/96.
MMDB_lookup_result_s lookupAddress(const MMDB_s& mmdb, const IpAddress& a, int& mmdbError) {
  if (a.isV4()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    std::memcpy(&sin.sin_addr, a.v4Bytes(), 4);
    return MMDB_lookup_sockaddr(&mmdb, reinterpret_cast<const sockaddr*>(&sin), &mmdbError);
  }
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  std::memcpy(&sin6.sin6_addr, a.data(), 16);
  return MMDB_lookup_sockaddr(&mmdb, reinterpret_cast<const sockaddr*>(&sin6), &mmdbError);
}

// Which schemas the records seen so far support.
struct Evidence {
  bool maxmindCountry = false;
  bool flatCountry = false;
  bool maxmindAsn = false;
  bool flatAsn = false;
  int records = 0;
  bool any() const { return maxmindCountry || flatCountry || maxmindAsn || flatAsn; }
};

void inspect(MMDB_entry_s entry, Evidence& ev) {
  MMDB_entry_data_s d{};
  ++ev.records;
  if (getValue(entry, kCountryIso, d) == Get::Found && !stringOf(d).empty()) ev.maxmindCountry = true;
  if (getValue(entry, kFlatCountry, d) == Get::Found && !stringOf(d).empty()) ev.flatCountry = true;
  if (getValue(entry, kAsNumber, d) == Get::Found && asnOf(d) != 0) ev.maxmindAsn = true;
  if (getValue(entry, kFlatAsn, d) == Get::Found && asnOf(d) != 0) ev.flatAsn = true;
}

// Well-known public addresses (Google, Cloudflare, Quad9, AliDNS, their IPv6 twins) and the
// documentation addresses test fixtures populate.
constexpr const char* kProbes[] = {
    "8.8.8.8",        "1.1.1.1",        "9.9.9.9",      "223.5.5.5",
    "203.0.113.1",    "198.51.100.1",   "192.0.2.1",    "2001:4860:4860::8888",
    "2606:4700:4700::1111", "2620:fe::fe", "2001:db8:1::1",
};

void probe(const MMDB_s& mmdb, Evidence& ev) {
  for (const char* text : kProbes) {
    const auto a = IpAddress::parse(text);
    if (!a || (mmdb.metadata.ip_version == 4 && !a->isV4())) continue;
    int err = MMDB_SUCCESS;
    const MMDB_lookup_result_s r = lookupAddress(mmdb, *a, err);
    if (err == MMDB_SUCCESS && r.found_entry) inspect(r.entry, ev);
  }
}

// When no probe address has a record (a lab database covering only private space), walk the
// search tree depth-first to the first few data records. Bounded in nodes visited.
void walkTree(const MMDB_s& mmdb, Evidence& ev) {
  constexpr int kMaxVisits = 1 << 16;
  constexpr int kMaxRecords = 8;
  constexpr size_t kMaxDepth = 130;
  uint32_t stack[kMaxDepth];
  size_t depth = 0;
  stack[depth++] = 0;
  int visits = 0;
  const int startRecords = ev.records;
  while (depth > 0 && visits < kMaxVisits && ev.records - startRecords < kMaxRecords) {
    const uint32_t node = stack[--depth];
    ++visits;
    MMDB_search_node_s sn{};
    if (MMDB_read_node(&mmdb, node, &sn) != MMDB_SUCCESS) continue;
    // Push right first so the left (lower addresses) is explored first.
    const uint8_t types[2] = {sn.right_record_type, sn.left_record_type};
    const uint64_t records[2] = {sn.right_record, sn.left_record};
    const MMDB_entry_s entries[2] = {sn.right_record_entry, sn.left_record_entry};
    for (int i = 0; i < 2; ++i) {
      if (types[i] == MMDB_RECORD_TYPE_DATA) {
        inspect(entries[i], ev);
      } else if (types[i] == MMDB_RECORD_TYPE_SEARCH_NODE && depth < kMaxDepth) {
        stack[depth++] = uint32_t(records[i]);
      }
    }
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out)
    if (ch >= 'A' && ch <= 'Z') ch = char(ch - 'A' + 'a');
  return out;
}

std::string_view roleWord(GeoDbRole role) {
  switch (role) {
    case GeoDbRole::Country: return "country";
    case GeoDbRole::Asn: return "ASN";
    case GeoDbRole::Any: break;
  }
  return "geo";
}

// Picks the schema from the evidence; the role, then database_type, break ties.
GeoSchema decide(const Evidence& ev, GeoDbRole role, std::string_view databaseType) {
  const GeoSchema country = ev.maxmindCountry ? GeoSchema::MaxMindCountry
                            : ev.flatCountry  ? GeoSchema::FlatCountry
                                              : GeoSchema::Unknown;
  const GeoSchema asn = ev.maxmindAsn ? GeoSchema::MaxMindAsn
                        : ev.flatAsn  ? GeoSchema::FlatAsn
                                      : GeoSchema::Unknown;
  switch (role) {
    case GeoDbRole::Country: return country != GeoSchema::Unknown ? country : asn;
    case GeoDbRole::Asn: return asn != GeoSchema::Unknown ? asn : country;
    case GeoDbRole::Any: break;
  }
  const std::string type = lower(databaseType);
  const bool asnHint = type.find("asn") != std::string::npos;
  if (asnHint && asn != GeoSchema::Unknown) return asn;
  return country != GeoSchema::Unknown ? country : asn;
}

}  // namespace

GeoDb::GeoDb(std::unique_ptr<Impl> impl, GeoDbInfo info) : impl_(std::move(impl)), info_(std::move(info)) {}
GeoDb::~GeoDb() = default;

Result<std::unique_ptr<GeoDb>> GeoDb::open(const std::string& path) { return open(path, GeoDbRole::Any); }

Result<std::unique_ptr<GeoDb>> GeoDb::open(const std::string& path, GeoDbRole role) {
  const std::string kind(roleWord(role));
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return Error{"cannot open " + kind + " database " + path + ": " + std::strerror(errno)};
  }
  if (!S_ISREG(st.st_mode)) {
    return Error{"cannot open " + kind + " database " + path + ": not a regular file"};
  }
  if (st.st_size == 0) {
    return Error{kind + " database " + path + " is not a valid MaxMind DB: the file is empty"};
  }

  auto impl = std::make_unique<Impl>();
  errno = 0;
  const int rc = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &impl->mmdb);
  const int savedErrno = errno;
  if (rc != MMDB_SUCCESS) {
    switch (rc) {
      case MMDB_FILE_OPEN_ERROR:
        return Error{"cannot open " + kind + " database " + path + ": " +
                     (savedErrno ? std::strerror(savedErrno) : MMDB_strerror(rc))};
      case MMDB_IO_ERROR:
        return Error{"cannot read " + kind + " database " + path + ": " +
                     (savedErrno ? std::strerror(savedErrno) : MMDB_strerror(rc))};
      case MMDB_OUT_OF_MEMORY_ERROR:
        return Error{"cannot open " + kind + " database " + path + ": out of memory"};
      default:
        return Error{kind + " database " + path + " is not a valid MaxMind DB: " + MMDB_strerror(rc)};
    }
  }
  impl->opened = true;

  const MMDB_metadata_s& md = impl->mmdb.metadata;
  GeoDbInfo info;
  info.path = path;
  info.databaseType = md.database_type ? md.database_type : "";
  info.buildEpoch = md.build_epoch;
  info.fileSize = uint64_t(st.st_size);
  info.nodeCount = md.node_count;
  info.ipVersion = md.ip_version;

  Evidence ev;
  probe(impl->mmdb, ev);
  if (!ev.any()) walkTree(impl->mmdb, ev);
  info.schema = decide(ev, role, info.databaseType);

  const std::string described = path + " (" + (info.databaseType.empty() ? "no database_type" : info.databaseType) + ")";
  if (info.schema == GeoSchema::Unknown) {
    return Error{kind + " database " + described +
                 " has no schema egressmon can read: " +
                 (ev.records == 0 ? std::string("no record found at the probe addresses or in the search tree")
                                  : "its records carry none of country.iso_code, country_code, "
                                    "autonomous_system_number, asn")};
  }
  if (role == GeoDbRole::Country && isAsnSchema(info.schema)) {
    return Error{path + " is an ASN database (" + std::string(geoSchemaName(info.schema)) +
                 "), not a country database"};
  }
  if (role == GeoDbRole::Asn && !isAsnSchema(info.schema)) {
    return Error{path + " is a country database (" + std::string(geoSchemaName(info.schema)) +
                 "), not an ASN database"};
  }
  return std::unique_ptr<GeoDb>(new GeoDb(std::move(impl), std::move(info)));
}

bool GeoDb::lookup(const IpAddress& a, GeoInfo& out) const {
  const MMDB_s& mmdb = impl_->mmdb;
  if (info_.ipVersion == 4 && !a.isV4()) return true;  // no IPv6 data at all: no record
  int err = MMDB_SUCCESS;
  const MMDB_lookup_result_s r = lookupAddress(mmdb, a, err);
  if (err != MMDB_SUCCESS) return err == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR;
  if (!r.found_entry) return true;

  MMDB_entry_data_s d{};
  Get g = Get::Absent;
  switch (info_.schema) {
    case GeoSchema::MaxMindCountry: {
      out.flags = uint8_t(out.flags | GeoInfo::kFound);
      g = getValue(r.entry, kCountryIso, d);
      if (g == Get::Error) return false;
      if (g == Get::Found) out.country = CountryCode::fromString(stringOf(d));
      g = getValue(r.entry, kRegisteredIso, d);
      if (g == Get::Error) return false;
      if (g == Get::Found) {
        const CountryCode reg = CountryCode::fromString(stringOf(d));
        if (!(reg == out.country)) out.registeredCountry = reg;
      }
      g = getValue(r.entry, kTraitsAnycast, d);
      if (g == Get::Absent) g = getValue(r.entry, kTopAnycast, d);
      if (g == Get::Error) return false;
      if (g == Get::Found && d.type == MMDB_DATA_TYPE_BOOLEAN && d.boolean) {
        out.flags = uint8_t(out.flags | GeoInfo::kAnycast);
      }
      return true;
    }
    case GeoSchema::FlatCountry:
      out.flags = uint8_t(out.flags | GeoInfo::kFound);
      g = getValue(r.entry, kFlatCountry, d);
      if (g == Get::Error) return false;
      if (g == Get::Found) out.country = CountryCode::fromString(stringOf(d));
      g = getValue(r.entry, kTopAnycast, d);
      if (g == Get::Error) return false;
      if (g == Get::Found && d.type == MMDB_DATA_TYPE_BOOLEAN && d.boolean) {
        out.flags = uint8_t(out.flags | GeoInfo::kAnycast);
      }
      return true;
    case GeoSchema::MaxMindAsn:
    case GeoSchema::FlatAsn:
      g = getValue(r.entry, info_.schema == GeoSchema::MaxMindAsn ? kAsNumber : kFlatAsn, d);
      if (g == Get::Error) return false;
      if (g == Get::Found) {
        const uint32_t asn = asnOf(d);
        if (asn != 0) {
          out.asn = asn;
          out.flags = uint8_t(out.flags | GeoInfo::kAsnFound);
        }
      }
      return true;
    case GeoSchema::Unknown: break;
  }
  return true;
}

std::string GeoDb::lookupOrg(const IpAddress& a) const {
  if (!isAsn()) return {};
  if (info_.ipVersion == 4 && !a.isV4()) return {};
  int err = MMDB_SUCCESS;
  const MMDB_lookup_result_s r = lookupAddress(impl_->mmdb, a, err);
  if (err != MMDB_SUCCESS || !r.found_entry) return {};
  MMDB_entry_data_s d{};
  if (info_.schema == GeoSchema::MaxMindAsn) {
    return getValue(r.entry, kAsOrg, d) == Get::Found ? std::string(stringOf(d)) : std::string();
  }
  for (const char* const* path : {kFlatAsName, kFlatName, kFlatOrg, kAsOrg}) {
    if (getValue(r.entry, path, d) == Get::Found && !stringOf(d).empty()) return std::string(stringOf(d));
  }
  return {};
}

int64_t GeoDb::ageDays(int64_t nowEpochSec) const {
  constexpr int64_t kDay = 86400;
  const int64_t diff = nowEpochSec - int64_t(info_.buildEpoch);
  // Floor division, so a build an hour in the future is day -1, not day 0.
  return diff >= 0 ? diff / kDay : -((-diff + kDay - 1) / kDay);
}

}  // namespace egressmon
