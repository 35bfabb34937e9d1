#include "alloc_counter.h"

#include <cstddef>

namespace egressmon::test_support {
std::atomic<bool> gCounting{false};
std::atomic<long> gAllocs{0};
}  // namespace egressmon::test_support

#if EGRESSMON_COUNT_ALLOCS
using egressmon::test_support::gAllocs;
using egressmon::test_support::gCounting;

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);

void* malloc(size_t n) {
  if (gCounting.load(std::memory_order_relaxed)) gAllocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(n);
}
void* calloc(size_t n, size_t m) {
  if (gCounting.load(std::memory_order_relaxed)) gAllocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(n, m);
}
void* realloc(void* p, size_t n) {
  if (gCounting.load(std::memory_order_relaxed)) gAllocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, n);
}
}
#endif
