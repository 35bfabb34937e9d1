#pragma once
// Registrable domains (eTLD+1: "www.bbc.co.uk" -> "bbc.co.uk") from the Public Suffix List,
// through libpsl. libpsl stays behind this interface.
#include <string>
#include <string_view>

#include "egressmon/core/result.h"

struct psl_ctx_st;

namespace egressmon {

/// One copy of the Public Suffix List. Default-constructed it is libpsl's built-in list
/// (compiled into libpsl5 from Debian's publicsuffix package; needs no file at run time).
/// Immutable after construction: any thread may query it concurrently. Move-only.
class PublicSuffixList {
public:
  /// libpsl's built-in list.
  PublicSuffixList();
  /// The newest of the built-in list and the distribution file
  /// (/usr/share/publicsuffix/public_suffix_list.dafsa, package publicsuffix), as
  /// psl_latest(NULL) picks it; the built-in list when neither loads. Never fails.
  static PublicSuffixList latest();
  /// A list file in PSL text or DAFSA form; an Error naming the path when it cannot be read.
  static Result<PublicSuffixList> loadFile(const std::string& path);

  ~PublicSuffixList();
  PublicSuffixList(PublicSuffixList&& o) noexcept;
  PublicSuffixList& operator=(PublicSuffixList&& o) noexcept;
  PublicSuffixList(const PublicSuffixList&) = delete;
  PublicSuffixList& operator=(const PublicSuffixList&) = delete;

  /// The registrable domain of `host`, lower-cased, using both the ICANN and the private
  /// sections ("foo.github.io" -> "foo.github.io"). "" for an IP literal, an empty or
  /// over-long name, a name with an empty label, or a name that is itself a public suffix
  /// ("co.uk", "github.io"). Allocates only the returned string.
  std::string registrableDomain(std::string_view host) const;
  /// True when `domain` is listed in the ICANN section (e.g. "com", "co.uk"), not counting
  /// the implicit "*" rule: such a suffix would cover every site below it. The private
  /// section ("github.io", "cloudfront.net") is deliberately not counted.
  bool isIcannSuffix(std::string_view domain) const;
  /// Where the data came from: "built-in" or a file path (for latest(), the one it chose).
  const std::string& origin() const { return origin_; }

private:
  PublicSuffixList(psl_ctx_st* owned, std::string origin);
  psl_ctx_st* owned_ = nullptr;      // freed with psl_free; null for the built-in list
  const psl_ctx_st* ctx_ = nullptr;  // the list in use
  std::string origin_;
};

/// registrableDomain() against libpsl's built-in list. Any thread.
std::string registrableDomain(std::string_view host);

}  // namespace egressmon
