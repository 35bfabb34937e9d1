#include "egressmon/apps/public_suffix.h"

#include <fmt/format.h>
#include <libpsl.h>
#include <sys/stat.h>

#include <cstring>
#include <utility>

#include "egressmon/apps/host_name.h"

namespace egressmon {

PublicSuffixList::PublicSuffixList() : ctx_(psl_builtin()), origin_("built-in") {}

PublicSuffixList::PublicSuffixList(psl_ctx_st* owned, std::string origin)
    : owned_(owned), ctx_(owned), origin_(std::move(origin)) {}

PublicSuffixList PublicSuffixList::latest() {
  psl_ctx_t* ctx = psl_latest(nullptr);
  if (ctx == nullptr) return PublicSuffixList();
  // psl_latest() picks the newer of the built-in data and the distribution file; say which.
  std::string origin = "built-in";
  struct stat st {};
  if (const char* dist = psl_dist_filename(); dist != nullptr && *dist != '\0' &&
                                              ::stat(dist, &st) == 0 &&
                                              st.st_mtime > psl_builtin_file_time())
    origin = dist;
  return PublicSuffixList(ctx, std::move(origin));
}

Result<PublicSuffixList> PublicSuffixList::loadFile(const std::string& path) {
  psl_ctx_t* ctx = psl_load_file(path.c_str());
  if (ctx == nullptr)
    return Error{fmt::format("cannot load public suffix list {} (expected a readable PSL "
                             "text or DAFSA file)",
                             path)};
  return PublicSuffixList(ctx, path);
}

PublicSuffixList::~PublicSuffixList() {
  if (owned_ != nullptr) psl_free(owned_);
}

PublicSuffixList::PublicSuffixList(PublicSuffixList&& o) noexcept
    : owned_(std::exchange(o.owned_, nullptr)),
      ctx_(o.ctx_),
      origin_(std::move(o.origin_)) {
  o.ctx_ = psl_builtin();
}

PublicSuffixList& PublicSuffixList::operator=(PublicSuffixList&& o) noexcept {
  std::swap(owned_, o.owned_);
  std::swap(ctx_, o.ctx_);
  std::swap(origin_, o.origin_);
  return *this;
}

std::string PublicSuffixList::registrableDomain(std::string_view host) const {
  char buf[kMaxHostName + 1];
  const size_t n = foldHostName(host, buf);
  if (n == 0 || ctx_ == nullptr) return {};
  const std::string_view h(buf, n);
  if (isAddressLiteral(h) || h.front() == '.' || h.find("..") != std::string_view::npos ||
      std::memchr(buf, '\0', n) != nullptr)
    return {};
  const char* r = psl_registrable_domain(ctx_, buf);
  return r == nullptr ? std::string() : std::string(r);
}

bool PublicSuffixList::isIcannSuffix(std::string_view domain) const {
  char buf[kMaxHostName + 1];
  const size_t n = foldHostName(domain, buf);
  if (n == 0 || ctx_ == nullptr || std::memchr(buf, '\0', n) != nullptr) return false;
  return psl_is_public_suffix2(ctx_, buf, PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE) != 0;
}

std::string registrableDomain(std::string_view host) {
  return PublicSuffixList().registrableDomain(host);
}

}  // namespace egressmon
