// StreamPrefixAssembler: the real multi-segment ClientHello (tests/fixtures/tls/
// openssl_multiseg.segments, 4 TCP segments captured at MSS 536) replayed in every awkward
// order, plus window, capacity and hole-limit edges and a randomized check against a model.
// HeldSegments: segments kept before the stream's start is known, then replayed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "egressmon/names/stream_prefix.h"
#include "egressmon/names/tls.h"
#include "../naming/tls_fixture_segments.h"

namespace egressmon {
namespace {

using tls_fixtures::Bytes;
using tls_fixtures::Capture;
using tls_fixtures::readBin;
using tls_fixtures::readSegments;
using tls_fixtures::Segment;

// The assembler is 16 KiB: keep it off the test's stack.
std::unique_ptr<StreamPrefixAssembler> makeAssembler(uint32_t isn) {
  auto a = std::make_unique<StreamPrefixAssembler>();
  a->reset(isn);
  return a;
}

size_t add(StreamPrefixAssembler& a, const Segment& s) {
  return a.add(s.seq, s.data.data(), s.data.size());
}

// The expectations for the multi-segment capture (see tls_test.cpp for the same fields).
void expectMultisegHello(const StreamPrefixAssembler& a) {
  ClientHelloInfo info;
  ASSERT_EQ(parseClientHelloRecords(a.data(), a.contiguous(), info), TlsStatus::Ok);
  EXPECT_EQ(info.sniView(),
            "segmented-clienthello-test-host-name-label-one.second-label-making-the-name-longer"
            ".third-label-for-good-measure.example.test");
  EXPECT_EQ(info.alpnView(), "h2,http/1.1,x-egressmon-padding-protocol-01");
  EXPECT_EQ(info.maxVersion, 0x0304);
}

class MultiSegment : public ::testing::Test {
protected:
  void SetUp() override {
    cap_ = readSegments("openssl_multiseg.segments");
    record_ = readBin("openssl_multiseg.bin");
    ASSERT_GE(cap_.segments.size(), 3u) << "the fixture should span several segments";
  }
  void expectWholeRecord(const StreamPrefixAssembler& a) const {
    ASSERT_GE(a.contiguous(), record_.size());
    EXPECT_TRUE(std::equal(record_.begin(), record_.end(), a.data()));
    expectMultisegHello(a);
  }
  Capture cap_;
  Bytes record_;
};

TEST_F(MultiSegment, InOrder) {
  auto a = makeAssembler(cap_.isn);
  for (size_t i = 0; i < cap_.segments.size(); ++i) {
    add(*a, cap_.segments[i]);
    ClientHelloInfo info;
    const TlsStatus s = parseClientHelloRecords(a->data(), a->contiguous(), info);
    EXPECT_EQ(s, i + 1 < cap_.segments.size() ? TlsStatus::NeedMore : TlsStatus::Ok) << i;
  }
  expectWholeRecord(*a);
}

TEST_F(MultiSegment, Reversed) {
  auto a = makeAssembler(cap_.isn);
  for (auto it = cap_.segments.rbegin(); it != cap_.segments.rend(); ++it) {
    const size_t got = add(*a, *it);
    EXPECT_EQ(got, it + 1 == cap_.segments.rend() ? record_.size() : 0u);
  }
  expectWholeRecord(*a);
}

TEST_F(MultiSegment, DuplicatesAndRetransmissions) {
  auto a = makeAssembler(cap_.isn);
  add(*a, cap_.segments[1]);
  add(*a, cap_.segments[1]);
  // A "retransmission" of segment 1 with different bytes: the first copy wins.
  Segment changed = cap_.segments[1];
  std::fill(changed.data.begin(), changed.data.end(), uint8_t(0xee));
  add(*a, changed);
  add(*a, cap_.segments[0]);
  add(*a, cap_.segments[0]);
  changed = cap_.segments[0];
  std::fill(changed.data.begin(), changed.data.end(), uint8_t(0xee));
  add(*a, changed);  // entirely below contiguous(): ignored
  for (size_t i = 2; i < cap_.segments.size(); ++i) {
    add(*a, cap_.segments[i]);
    add(*a, cap_.segments[i]);
  }
  EXPECT_EQ(a->droppedSegments(), 0u);
  expectWholeRecord(*a);
}

TEST_F(MultiSegment, OverlappingResegmentation) {
  // The same bytes re-cut into overlapping pieces (as a sender that re-packetizes on
  // retransmission would), in several shuffled orders.
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::vector<Segment> pieces;
    size_t pos = 0;
    while (pos < record_.size()) {
      const size_t start = pos > 0 ? pos - std::min<size_t>(pos, rng() % 40) : 0;
      const size_t end = std::min(record_.size(), pos + 1 + rng() % 600);
      Segment s;
      s.seq = uint32_t(cap_.isn + start);
      s.data.assign(record_.begin() + long(start), record_.begin() + long(end));
      pieces.push_back(std::move(s));
      pos = end;
    }
    std::shuffle(pieces.begin(), pieces.end(), rng);
    auto a = makeAssembler(cap_.isn);
    for (const auto& p : pieces) add(*a, p);
    if (a->droppedSegments() > 0) {  // too many holes at once: the "sender" retransmits
      for (const auto& p : pieces) add(*a, p);
    }
    ASSERT_EQ(a->contiguous(), record_.size()) << round;
    expectWholeRecord(*a);
  }
}

TEST_F(MultiSegment, AcrossSequenceWrap) {
  // Same bytes, with the isn moved so the sequence numbers wrap past 2^32 mid-record.
  const uint32_t isn = 0xffffff00u;
  auto a = makeAssembler(isn);
  for (auto it = cap_.segments.rbegin(); it != cap_.segments.rend(); ++it) {
    Segment s = *it;
    s.seq = isn + (s.seq - cap_.isn);
    add(*a, s);
  }
  expectWholeRecord(*a);
}

TEST(StreamPrefix, DataOutsideTheWindowIsIgnored) {
  auto a = makeAssembler(1000);
  const Bytes junk(100, 0xaa);
  EXPECT_EQ(a->add(900, junk.data(), 100), 0u);          // wholly before isn
  EXPECT_EQ(a->add(1000 - 0x7fffffffu, junk.data(), 100), 0u);  // far back in the past
  EXPECT_EQ(a->add(1000 + 0x80000000u, junk.data(), 100), 0u);  // 2^31 ahead: treated as old
  EXPECT_EQ(a->add(1000 + StreamPrefixAssembler::kMaxCapacity, junk.data(), 100), 0u);
  EXPECT_EQ(a->add(1000 + 0x7fffffffu, junk.data(), 100), 0u);  // ahead, but past capacity
  EXPECT_EQ(a->add(1000, nullptr, 0), 0u);
  EXPECT_EQ(a->droppedSegments(), 0u);
  Bytes real(10);
  for (size_t i = 0; i < real.size(); ++i) real[i] = uint8_t(i);
  EXPECT_EQ(a->add(1000, real.data(), real.size()), 10u);
  EXPECT_TRUE(std::equal(real.begin(), real.end(), a->data()));
}

TEST(StreamPrefix, SegmentStraddlingIsnKeepsItsTail) {
  auto a = makeAssembler(5);
  Bytes b(10);
  for (size_t i = 0; i < b.size(); ++i) b[i] = uint8_t(i);
  EXPECT_EQ(a->add(0, b.data(), b.size()), 5u);  // bytes 5..9 are stream bytes 0..4
  EXPECT_EQ(a->data()[0], 5);
  EXPECT_EQ(a->data()[4], 9);
}

TEST(StreamPrefix, CapacityBound) {
  constexpr size_t kCap = StreamPrefixAssembler::kMaxCapacity;
  auto a = makeAssembler(77);
  Bytes big(kCap + 5000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = uint8_t(i * 7);
  EXPECT_FALSE(a->full());
  EXPECT_EQ(a->add(77 + 100, big.data() + 100, big.size() - 100), 0u);  // a hole at 0..99
  EXPECT_EQ(a->add(77, big.data(), 100), kCap);
  EXPECT_TRUE(a->full());
  EXPECT_EQ(a->contiguous(), kCap);
  EXPECT_TRUE(std::equal(big.begin(), big.begin() + long(kCap), a->data()));
  EXPECT_EQ(a->add(uint32_t(77 + kCap - 1), big.data(), 50), kCap);  // clipped, old byte kept
  EXPECT_EQ(a->data()[kCap - 1], big[kCap - 1]);
  EXPECT_EQ(a->add(uint32_t(77 + kCap), big.data(), 50), kCap);
}

TEST(StreamPrefix, ByteExactPartialBlocks) {
  // Odd-sized pieces that never line up with 8-byte blocks, out of order.
  Bytes stream(61);
  for (size_t i = 0; i < stream.size(); ++i) stream[i] = uint8_t(i + 1);
  const std::vector<std::pair<size_t, size_t>> pieces = {
      {3, 5}, {13, 9}, {11, 1}, {22, 17}, {0, 2}, {8, 3}, {2, 1}, {39, 22}, {12, 1}};
  auto a = makeAssembler(0);
  for (const auto& [off, len] : pieces) a->add(uint32_t(off), stream.data() + off, len);
  EXPECT_EQ(a->contiguous(), stream.size());
  EXPECT_TRUE(std::equal(stream.begin(), stream.end(), a->data()));
  // One missing byte must hold everything up.
  auto b = makeAssembler(0);
  b->add(0, stream.data(), 7);
  b->add(8, stream.data() + 8, 53);
  EXPECT_EQ(b->contiguous(), 7u);
  b->add(7, stream.data() + 7, 1);
  EXPECT_EQ(b->contiguous(), 61u);
}

TEST(StreamPrefix, HoleLimitDropsThenRecovers) {
  constexpr size_t kHoles = StreamPrefixAssembler::kMaxHoles;
  Bytes stream(200);
  for (size_t i = 0; i < stream.size(); ++i) stream[i] = uint8_t(i);
  auto a = makeAssembler(1);
  // Ranges at 10, 20, ..., each 5 long: kMaxHoles of them are kept.
  for (size_t k = 1; k <= kHoles; ++k) a->add(uint32_t(1 + 10 * k), stream.data() + 10 * k, 5);
  EXPECT_EQ(a->droppedSegments(), 0u);
  const size_t extra = 10 * (kHoles + 1);
  a->add(uint32_t(1 + extra), stream.data() + extra, 5);  // one range too many
  EXPECT_EQ(a->droppedSegments(), 1u);
  // Joining two kept ranges needs no new one, so it is accepted.
  a->add(uint32_t(1 + 15), stream.data() + 15, 5);
  EXPECT_EQ(a->droppedSegments(), 1u);
  // Filling from the front makes room; the dropped segment is accepted when resent.
  EXPECT_EQ(a->add(1, stream.data(), 10), 25u);
  a->add(uint32_t(1 + extra), stream.data() + extra, 5);
  EXPECT_EQ(a->droppedSegments(), 1u);
  EXPECT_EQ(a->add(1, stream.data(), stream.size()), stream.size());
  EXPECT_TRUE(std::equal(stream.begin(), stream.end(), a->data()));
}

TEST(StreamPrefix, ResetForgetsEverything) {
  Bytes b(50, 1);
  auto a = makeAssembler(0);
  a->add(0, b.data(), 10);
  a->add(20, b.data(), 10);
  a->reset(500);
  EXPECT_EQ(a->contiguous(), 0u);
  EXPECT_EQ(a->droppedSegments(), 0u);
  EXPECT_EQ(a->add(510, b.data(), 5), 0u);
  EXPECT_EQ(a->add(500, b.data(), 10), 15u);
}

// Randomized: the assembler against a byte-by-byte model (first copy wins), including
// duplicates, overlaps, out-of-window data and the hole limit.
TEST(StreamPrefix, MatchesAModel) {
  constexpr size_t kCap = StreamPrefixAssembler::kMaxCapacity;
  std::mt19937 rng(12345);
  uint64_t drops = 0;
  for (int round = 0; round < 300; ++round) {
    const uint32_t isn = uint32_t(rng());
    const size_t span = 64 + rng() % (kCap + 2000);
    auto a = makeAssembler(isn);
    Bytes model(kCap, 0);
    std::vector<bool> have(kCap, false);
    for (int step = 0; step < 60; ++step) {
      const long off = long(rng() % (span + 200)) - 100;  // some before isn
      const size_t len = 1 + rng() % 700;
      Bytes seg(len);
      for (auto& x : seg) x = uint8_t(rng());
      const uint32_t dropsBefore = a->droppedSegments();
      a->add(uint32_t(isn + uint32_t(off)), seg.data(), seg.size());
      if (a->droppedSegments() == dropsBefore) {
        for (size_t i = 0; i < len; ++i) {
          const long p = off + long(i);
          if (p < 0 || p >= long(kCap) || have[size_t(p)]) continue;
          have[size_t(p)] = true;
          model[size_t(p)] = seg[i];
        }
      }
      size_t contiguous = 0;
      while (contiguous < kCap && have[contiguous]) ++contiguous;
      ASSERT_EQ(a->contiguous(), contiguous) << round << "/" << step;
      ASSERT_TRUE(std::equal(model.begin(), model.begin() + long(contiguous), a->data()));
      size_t holes = 0;
      for (size_t i = contiguous; i < kCap; ++i) {
        if (have[i] && !have[i - 1]) ++holes;
      }
      ASSERT_LE(holes, StreamPrefixAssembler::kMaxHoles);
    }
    drops += a->droppedSegments();
  }
  EXPECT_GT(drops, 0u) << "the hole limit was never exercised";
}

TEST_F(MultiSegment, HeldThenReplayedFromTheStart) {
  // The later segments arrive first and are held; the first then says where the stream
  // starts, and the held ones replay into an assembler from there.
  HeldSegments held;
  held.clear();
  for (size_t i = cap_.segments.size() - 1; i > 0; --i) {
    const Segment& s = cap_.segments[i];
    ASSERT_TRUE(held.add(s.seq, s.data.data(), s.data.size()));
    EXPECT_EQ(held.lowestSeq(), s.seq);
  }
  ASSERT_TRUE(held.add(cap_.segments[2].seq, cap_.segments[2].data.data(),
                       cap_.segments[2].data.size()));  // a retransmission is kept too
  EXPECT_EQ(held.segments(), cap_.segments.size());
  const Segment& first = cap_.segments[0];
  EXPECT_TRUE(held.precedes(first.seq));
  EXPECT_FALSE(held.precedes(cap_.segments[1].seq)) << "the lowest held does not precede itself";
  EXPECT_FALSE(held.precedes(cap_.segments[2].seq));
  auto copy = std::make_unique<HeldSegments>();
  copy->copyFrom(held);
  held.clear();  // the copy stands alone
  EXPECT_EQ(held.segments(), 0u);
  EXPECT_FALSE(held.precedes(first.seq));
  auto a = makeAssembler(first.seq);
  copy->replayInto(*a);
  EXPECT_EQ(a->contiguous(), 0u);
  add(*a, first);
  expectWholeRecord(*a);
}

TEST(HeldSegments, Bounds) {
  auto h = std::make_unique<HeldSegments>();
  h->clear();
  const Bytes big(HeldSegments::kMaxBytes, 0x42);
  EXPECT_FALSE(h->add(1, big.data(), 0));
  EXPECT_FALSE(h->add(1, nullptr, 5));
  EXPECT_FALSE(h->add(1, big.data(), big.size() + 1)) << "more than it can hold";
  EXPECT_EQ(h->segments(), 0u);
  ASSERT_TRUE(h->add(1, big.data(), big.size()));
  EXPECT_EQ(h->bytes(), HeldSegments::kMaxBytes);
  EXPECT_FALSE(h->add(2, big.data(), 1)) << "no byte left";
  h->clear();
  for (size_t i = 0; i < HeldSegments::kMaxSegments; ++i)
    ASSERT_TRUE(h->add(uint32_t(100 + 10 * i), big.data(), 10));
  EXPECT_FALSE(h->add(5000, big.data(), 1)) << "no segment left";
  EXPECT_EQ(h->segments(), HeldSegments::kMaxSegments);
  EXPECT_EQ(h->bytes(), 10 * HeldSegments::kMaxSegments);
  EXPECT_EQ(h->lowestSeq(), 100u);
}

TEST(HeldSegments, PrecedesInSequenceNumberOrder) {
  auto h = std::make_unique<HeldSegments>();
  h->clear();
  const uint8_t b[4] = {1, 2, 3, 4};
  ASSERT_TRUE(h->add(0x00000010u, b, 4));
  ASSERT_TRUE(h->add(0xfffffff0u, b, 4));  // before 0x10 across the wrap
  EXPECT_EQ(h->lowestSeq(), 0xfffffff0u);
  EXPECT_TRUE(h->precedes(0xffffffe0u));
  EXPECT_TRUE(h->precedes(uint32_t(0xfffffff0u - HeldSegments::kMaxBytes)));
  EXPECT_FALSE(h->precedes(uint32_t(0xfffffff0u - HeldSegments::kMaxBytes - 1))) << "too far back";
  EXPECT_FALSE(h->precedes(0xfffffff0u));
  EXPECT_FALSE(h->precedes(0x00000008u)) << "after the lowest";
  // Replayed in arrival order: where two copies overlap, the first one held wins.
  const uint8_t c[4] = {9, 9, 9, 9};
  ASSERT_TRUE(h->add(0x00000010u, c, 4));
  auto a = makeAssembler(0xfffffff0u);
  h->replayInto(*a);
  const uint8_t gap[0x20 - 4] = {};
  a->add(0xfffffff4u, gap, sizeof gap);
  ASSERT_EQ(a->contiguous(), 0x24u);
  EXPECT_EQ(a->data()[0x20], 1);
  EXPECT_EQ(a->data()[0x23], 4);
}

}  // namespace
}  // namespace egressmon
