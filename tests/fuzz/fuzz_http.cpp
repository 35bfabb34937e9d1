// Fuzzes parseHttpRequest with a raw client stream prefix and checks: an Ok host is non-empty,
// lower-case and NUL-terminated; looksLikeHttpRequest agrees with NotHttp once a method's worth
// of bytes is there; and for an Ok input every shorter prefix is NeedMore or Ok with the same
// host (the answer never depends on where the stream was cut).
#include <cstdint>
#include <cstring>
#include <string>

#include "egressmon/names/http.h"

namespace {

using egressmon::HttpRequestInfo;
using egressmon::HttpStatus;

void check(HttpStatus s, const HttpRequestInfo& info) {
  if (s >= HttpStatus::kCount || egressmon::httpStatusName(s) == nullptr) __builtin_trap();
  if (info.host[info.hostLen] != '\0' || std::strlen(info.method) >= sizeof(info.method))
    __builtin_trap();
  if (s != HttpStatus::Ok) {
    if (info.hostLen != 0) __builtin_trap();
    return;
  }
  if (info.hostLen == 0 || info.method[0] == '\0') __builtin_trap();
  for (size_t i = 0; i < info.hostLen; ++i) {
    const char c = info.host[i];
    if ((c >= 'A' && c <= 'Z') || c == ' ' || c == '\0' || c == '[' || c == ']') __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  HttpRequestInfo info;
  const HttpStatus s = egressmon::parseHttpRequest(data, size, info);
  check(s, info);
  const bool looks = egressmon::looksLikeHttpRequest(data, size);
  if (size >= 8 && !looks && s != HttpStatus::NotHttp) __builtin_trap();
  if (looks && s == HttpStatus::NeedMore && size >= egressmon::kHttpMaxHeaderBytes)
    __builtin_trap();
  if (s != HttpStatus::Ok) return 0;
  const std::string host(info.hostView());
  // A few cut points rather than all, to keep each run fast.
  const size_t cuts[] = {size / 4, size / 2, size - size / 4, size - 1};
  for (size_t cut : cuts) {
    HttpRequestInfo part;
    const HttpStatus ps = egressmon::parseHttpRequest(data, cut, part);
    check(ps, part);
    if (ps == HttpStatus::Ok ? part.hostView() != host : ps != HttpStatus::NeedMore)
      __builtin_trap();
  }
  return 0;
}
