#pragma once
// Host names as the app catalog sees them: folded to one form (ASCII lower case, no trailing
// dot) for look-ups, and checked when a catalog entry is read. Names on the wire are ASCII;
// internationalised names appear as punycode labels (xn--...) and are matched as such.
#include <cstddef>
#include <string>
#include <string_view>

#include "egressmon/core/result.h"

namespace egressmon {

/// Longest host name handled (RFC 1035: 253 characters, not counting a trailing dot).
inline constexpr size_t kMaxHostName = 253;

/// Copies `host` into `out` with ASCII letters lower-cased and one trailing dot dropped.
/// Returns the folded length; 0 when the result is empty or longer than kMaxHostName (then the
/// name matches nothing). Allocation-free; any thread.
size_t foldHostName(std::string_view host, char (&out)[kMaxHostName + 1]);

/// True when `host` is an IP literal rather than a domain name: dotted IPv4, IPv6 text (with or
/// without brackets), or any name whose last label is all digits (no TLD is numeric).
bool isAddressLiteral(std::string_view host);

/// Checks a domain written in a catalog and returns its canonical form (lower case, no trailing
/// dot). Labels are 1-63 characters of letters, digits, '-' and '_' (no '-' at either end), the
/// whole at most 253; non-ASCII names must be written in punycode (xn--...). The Error message
/// says what is wrong and ends with "(expected ...)". Any thread.
Result<std::string> canonicalDomain(std::string_view text);

}  // namespace egressmon
