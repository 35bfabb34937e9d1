// FlowNamer allocates nothing on the packet path once warm: naming a flow whose name is
// already interned, re-interning a name after its last flow let it go (its arena block is
// reused), reassembling a split or reordered ClientHello in a slot, and releasing flows. This
// test interposes malloc, calloc and realloc for the whole process (tests/support/
// alloc_counter.h); sanitizer builds replace the allocator themselves, so there it skips.
#include <gtest/gtest.h>

#include <cstdlib>

#include "alloc_counter.h"
#include "namer_test_support.h"

using egressmon::test_support::gAllocs;
using egressmon::test_support::gCounting;

namespace egressmon {
namespace {

using namespace namer_test;

class NamerNoAlloc : public ::testing::Test {
protected:
  void SetUp() override {
    if (!EGRESSMON_COUNT_ALLOCS) GTEST_SKIP() << "sanitizer build: allocator is not interposable";
    hello_ = readBin("openssl_tls13_sni_alpn.bin");  // example.test, h2,http/1.1
    other_ = readBin("curl_tls13.bin");              // www.example.test, same size class
    cap_ = readSegments("openssl_multiseg.segments");
    namer_ = std::make_unique<FlowNamer>(FlowNamerConfig{}, nullptr);
  }
  Flow oneSegment(const Bytes& hello) {
    Flow f = tcpFlow(nextId_++);
    feedSyn(*namer_, f, 1);
    feedData(*namer_, f, 1, hello);
    return f;
  }
  Flow reordered() {
    Flow f = tcpFlow(nextId_++);
    feedSyn(*namer_, f, cap_.isn);
    for (size_t i : {1, 0, 3, 2}) feedSegment(*namer_, f, cap_.segments[i]);
    return f;
  }
  void startCounting() {
    gAllocs = 0;
    gCounting = true;
  }
  long stopCounting() {
    gCounting = false;
    return gAllocs.load();
  }
  Bytes hello_, other_;
  Capture cap_;
  std::unique_ptr<FlowNamer> namer_;
  uint64_t nextId_ = 1;
};

TEST_F(NamerNoAlloc, InterpositionWorks) {
  startCounting();
  void* volatile p = std::malloc(16);
  EXPECT_EQ(stopCounting(), 1);
  std::free(p);
}

TEST_F(NamerNoAlloc, NamingAFlowWhoseNameIsInterned) {
  Flow keep = oneSegment(hello_);  // interns example.test
  ASSERT_EQ(namer_->describe(keep).hostname, "example.test");
  startCounting();
  size_t chars = 0;
  for (int i = 0; i < 1000; ++i) {
    Flow f = oneSegment(hello_);
    const FlowNaming n = namer_->describe(f);
    chars += n.hostname.size() + n.alpn.size();
    namer_->release(f);
  }
  EXPECT_EQ(stopCounting(), 0);
  EXPECT_EQ(chars, 1000 * (sizeof("example.test") - 1 + sizeof("h2,http/1.1") - 1));
}

TEST_F(NamerNoAlloc, NamesComingBackAfterTheirLastFlowLeft) {
  // Warm: both names interned once and let go.
  for (const Bytes* h : {&hello_, &other_}) namer_->release(oneSegment(*h));
  startCounting();
  for (int i = 0; i < 1000; ++i) {
    Flow f = oneSegment(i % 2 ? hello_ : other_);  // each time a name no flow holds
    if (namer_->describe(f).hostname.empty()) break;
    namer_->release(f);
  }
  EXPECT_EQ(stopCounting(), 0);
  EXPECT_EQ(namer_->stats().sniNames, 1002u);
}

TEST_F(NamerNoAlloc, ReassemblingAReorderedClientHello) {
  namer_->release(reordered());  // warm: the slot and the name
  startCounting();
  for (int i = 0; i < 200; ++i) {
    Flow f = reordered();
    if (namer_->describe(f).hostname != kMultisegName) break;
    namer_->release(f);
  }
  EXPECT_EQ(stopCounting(), 0);
  EXPECT_EQ(namer_->stats().sniNames, 201u);
  EXPECT_EQ(namer_->stats().inspections, 201u);
}

TEST_F(NamerNoAlloc, DnsResponsesOverTcpWholeAndSplit) {
  // A resolver connection per round: a response split over two segments (assembled in a slot),
  // then a whole one; a flow to an answered address is named from them.
  const Bytes split = dnsTcpResponse("split.example.test", 40, 1);
  const Bytes whole = dnsTcpResponse("whole.example.test", 2, 100);
  auto round = [&] {
    Flow r = tcpFlow(nextId_++);
    r.key.portB = 53;
    for (auto [off, len] : {std::pair<size_t, size_t>{0, 300}, {300, split.size() - 300}})
      feed(*namer_, r, tcpPacket(r, false, kTcpAck, 7000 + uint32_t(off), split.data() + off, len), false);
    feed(*namer_, r, tcpPacket(r, false, kTcpAck, 7000 + uint32_t(split.size()), whole.data(), whole.size()), false);
    namer_->release(r);
    Flow f = tcpFlow(nextId_++);
    f.key.b = IpAddress::fromV4(0xcb007100u + 7);  // 203.0.113.7, answered for split.example.test
    namer_->onFlowStart(f);
    const bool named = namer_->describe(f).hostname == "split.example.test";
    namer_->release(f);
    return named;
  };
  ASSERT_TRUE(round());  // warm: the answer cache, the slot, the name
  startCounting();
  int named = 0;
  for (int i = 0; i < 200; ++i) named += round();
  EXPECT_EQ(stopCounting(), 0);
  EXPECT_EQ(named, 200);
  EXPECT_EQ(namer_->stats().dnsResponses, 402u);
  EXPECT_EQ(namer_->slotsInUse(), 0u);
}

}  // namespace
}  // namespace egressmon
