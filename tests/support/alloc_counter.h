#pragma once
// Counting allocations for the tests of code that promises to allocate nothing on the packet
// path. Linking alloc_counter.cpp into a test executable interposes malloc, calloc and realloc
// for the whole process; calls are counted while gCounting is true. Sanitizer builds replace
// the allocator themselves, so there the interposers are compiled out and
// EGRESSMON_COUNT_ALLOCS is 0: tests skip with that reason.
#include <atomic>

#if defined(__SANITIZE_ADDRESS__)
#define EGRESSMON_COUNT_ALLOCS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EGRESSMON_COUNT_ALLOCS 0
#endif
#endif
#ifndef EGRESSMON_COUNT_ALLOCS
#define EGRESSMON_COUNT_ALLOCS 1
#endif

namespace egressmon::test_support {
extern std::atomic<bool> gCounting;
extern std::atomic<long> gAllocs;
}  // namespace egressmon::test_support

/// Defines the test `Suite.InterpositionWorks`: the allocator of this test executable is
/// really interposed (one malloc while counting is counted), so the suite's "allocates nothing"
/// tests cannot pass for the wrong reason. Needs <gtest/gtest.h> and <cstdlib>.
#define EGRESSMON_ALLOC_INTERPOSITION_TEST(Suite)                                              \
  TEST(Suite, InterpositionWorks) {                                                            \
    if (!EGRESSMON_COUNT_ALLOCS) GTEST_SKIP() << "sanitizer build: allocator is not interposable"; \
    ::egressmon::test_support::gAllocs = 0;                                                    \
    ::egressmon::test_support::gCounting = true;                                               \
    void* volatile p = std::malloc(16);                                                        \
    ::egressmon::test_support::gCounting = false;                                              \
    std::free(p);                                                                              \
    EXPECT_EQ(::egressmon::test_support::gAllocs.load(), 1);                                   \
  }
