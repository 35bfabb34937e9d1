#pragma once
// Geolocation over libmaxminddb. GeoDb wraps one .mmdb file and detects its schema at open;
// GeoResolver combines a country DB, an optional ASN DB, special-purpose classification and a
// bounded per-address cache. libmaxminddb's headers stay out of this header.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "egressmon/core/ip_address.h"
#include "egressmon/core/result.h"
#include "egressmon/geo/special.h"

namespace egressmon {

/// A two-letter ISO 3166-1 code packed into two chars; {0,0} means "none".
struct CountryCode {
  char c[2] = {0, 0};
  bool empty() const { return c[0] == 0; }
  std::string_view view() const { return empty() ? std::string_view{} : std::string_view(c, 2); }
  static CountryCode fromString(std::string_view s);  // empty unless two ASCII letters
  friend bool operator==(const CountryCode&, const CountryCode&) = default;
};

/// English short name of an ISO 3166-1 alpha-2 code ("DE" -> "Germany"); "" if unknown.
/// Also knows the user-assigned "XK" (Kosovo) that GeoNames-based databases emit. Thread-safe.
std::string_view countryName(CountryCode cc);

/// Continents as GeoNames and MaxMind assign them (Russia and Cyprus Europe, Turkey Asia).
enum class Continent : uint8_t {
  Africa,
  Antarctica,
  Asia,
  Europe,
  NorthAmerica,
  Oceania,
  SouthAmerica,
  Unknown,
};
/// The continent of a country; Unknown for an empty or unknown code. O(1), thread-safe.
Continent continentOf(CountryCode cc);
/// Two-letter continent code as in GeoIP2 ("AF", "AN", "AS", "EU", "NA", "OC", "SA");
/// "" for Unknown.
std::string_view continentCode(Continent c);
/// English continent name ("North America"); "" for Unknown.
std::string_view continentName(Continent c);

/// What is known of one address. Fixed size (12 bytes) so flows can hold it inline.
struct GeoInfo {
  enum Flags : uint8_t {
    kLookedUp = 1,      // a country DB was consulted (the address is Public, or allowed special)
    kFound = 2,         // the DB had a record for the address
    kAnycast = 4,       // traits.is_anycast was true
    kAsnFound = 8,      // the ASN DB had a record
  };
  CountryCode country;             // located country; empty = unknown
  CountryCode registeredCountry;   // registered_country when it differs from country, else empty
  uint32_t asn = 0;                // 0 = unknown
  AddrClass cls = AddrClass::Public;
  uint8_t flags = 0;

  bool countryKnown() const { return !country.empty(); }
};

/// The schema detected at open.
enum class GeoSchema : uint8_t {
  MaxMindCountry,  // country.iso_code (+ registered_country, traits.is_anycast): MaxMind, DB-IP
  FlatCountry,     // country_code: ip-location-db, IPinfo lite
  MaxMindAsn,      // autonomous_system_number + autonomous_system_organization
  FlatAsn,         // asn (+ as_name / name / as_domain): IPinfo, ip-location-db asn
  Unknown,
};
std::string_view geoSchemaName(GeoSchema s);

/// What a caller means to use a file for. Decides which schema wins when a file carries both
/// country and ASN data (IPinfo lite does), and words the errors ("country database ...").
enum class GeoDbRole : uint8_t {
  Any,      // prefer the schema database_type suggests, then country
  Country,  // must carry country data
  Asn,      // must carry ASN data
};

/// Metadata read from the file at open.
struct GeoDbInfo {
  std::string path;
  std::string databaseType;   // metadata.database_type, e.g. "GeoLite2-Country"
  uint64_t buildEpoch = 0;    // metadata.build_epoch (seconds)
  uint64_t fileSize = 0;
  uint32_t nodeCount = 0;
  uint16_t ipVersion = 0;     // 4 or 6
  GeoSchema schema = GeoSchema::Unknown;
};

/// One open .mmdb file. Neither copyable nor movable: held by unique_ptr / shared_ptr.
/// lookup() is const and safe from one thread at a time per instance (libmaxminddb itself is
/// read-only after open).
class GeoDb {
public:
  /// Opens and inspects the file. Fails with a message naming the path when the file is
  /// missing, unreadable, not an MMDB, or of a schema we cannot read.
  static Result<std::unique_ptr<GeoDb>> open(const std::string& path);
  /// As open(path), for a given role: a file without data for the role is rejected
  /// ("... is an ASN database (maxmind_asn), not a country database").
  static Result<std::unique_ptr<GeoDb>> open(const std::string& path, GeoDbRole role);
  ~GeoDb();
  GeoDb(const GeoDb&) = delete;
  GeoDb& operator=(const GeoDb&) = delete;

  const GeoDbInfo& info() const { return info_; }
  bool isAsn() const { return info_.schema == GeoSchema::MaxMindAsn || info_.schema == GeoSchema::FlatAsn; }

  /// Country schemas: fills country, registeredCountry, kFound, kAnycast.
  /// ASN schemas: fills asn and kAsnFound. Returns false on a lookup error (counted by caller).
  /// An IPv6 address in an IPv4-only file is "no record", not an error. Allocates nothing.
  bool lookup(const IpAddress& a, GeoInfo& out) const;
  /// ASN schemas: the organisation for an address (report time, not the packet path).
  std::string lookupOrg(const IpAddress& a) const;

  /// Age of the build in whole days at wall-clock time `nowEpochSec`.
  int64_t ageDays(int64_t nowEpochSec) const;

private:
  struct Impl;
  explicit GeoDb(std::unique_ptr<Impl> impl, GeoDbInfo info);
  std::unique_ptr<Impl> impl_;
  GeoDbInfo info_;
};

struct GeoResolverConfig {
  size_t cacheEntries = 65536;              // bounded per-address cache (rounded up to a power of
                                            // 2, at most 1<<22; 0 disables the cache)
  std::vector<AddrClass> lookupSpecial;     // special classes still looked up (lab setups)
};

struct GeoResolverStats {
  uint64_t lookups = 0;      // resolve() calls
  uint64_t cacheHits = 0;
  uint64_t dbLookups = 0;    // calls into libmaxminddb
  uint64_t dbErrors = 0;
  uint64_t special = 0;      // answered from classification alone
};

/// Resolves addresses to GeoInfo. Owned and called by the flow-table thread only.
class GeoResolver {
public:
  /// Either DB may be null (no country DB: every public address is unknown).
  GeoResolver(std::shared_ptr<const GeoDb> countryDb, std::shared_ptr<const GeoDb> asnDb,
              GeoResolverConfig cfg);
  ~GeoResolver();
  GeoResolver(const GeoResolver&) = delete;
  GeoResolver& operator=(const GeoResolver&) = delete;

  /// Classification, cache, then the DBs. Allocates nothing after construction.
  GeoInfo resolve(const IpAddress& a);
  /// AS organisation for an address ("" when no ASN DB or unknown). Report time only.
  std::string asOrg(const IpAddress& a) const;

  const GeoDb* countryDb() const { return countryDb_.get(); }
  const GeoDb* asnDb() const { return asnDb_.get(); }
  const GeoResolverStats& stats() const { return stats_; }

private:
  struct Slot;
  std::shared_ptr<const GeoDb> countryDb_;
  std::shared_ptr<const GeoDb> asnDb_;
  GeoResolverConfig cfg_;
  std::vector<Slot> cache_;
  size_t mask_ = 0;
  uint32_t lookupSpecialMask_ = 0;
  GeoResolverStats stats_;
};

}  // namespace egressmon
