// DNS over TCP in the namer: whole responses read in place (one or several to a segment),
// responses split over segments assembled (at every cut, pipelined, out of order, with
// retransmissions, also of segments already read), the slot held for the flow once a response
// was split and given back when it ends, responses too large for a slot or with no slot free
// counted and the rest of their stream left alone. A response counts when a later flow to an answered address gets the
// name.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

#include "egressmon/names/tls.h"
#include "namer_test_support.h"

namespace egressmon {
namespace {

using namespace namer_test;

FlowNamerConfig config(uint32_t slots = 4) {
  FlowNamerConfig c;
  c.inspectionSlots = slots;
  c.cache.entries = 1024;  // small: many namers are made
  return c;
}

constexpr uint32_t kServerIsn = 5000;

// The client 10.0.0.2 talking to the resolver 198.51.100.53:53 over TCP.
Flow resolverFlow(uint64_t id) {
  Flow f = tcpFlow(id);
  f.key.b = IpAddress::fromV4(0xc6336435u);
  f.key.portB = 53;
  return f;
}

void feedServer(FlowNamer& namer, Flow& f, uint32_t offset, const uint8_t* data, size_t len) {
  feed(namer, f, tcpPacket(f, false, kTcpAck | kTcpPsh, kServerIsn + offset, data, len), false);
}

// Feeds `stream` as segments cut at `cuts` (sorted offsets), in `order` (indices of pieces).
void feedPieces(FlowNamer& namer, Flow& f, const Bytes& stream, std::vector<size_t> cuts,
                const std::vector<size_t>& order) {
  cuts.insert(cuts.begin(), 0);
  cuts.push_back(stream.size());
  for (size_t i : order)
    feedServer(namer, f, uint32_t(cuts[i]), stream.data() + cuts[i], cuts[i + 1] - cuts[i]);
}

// The name a new flow from the client to 203.0.113.`last` gets from the answer cache.
std::string nameOf(FlowNamer& namer, uint8_t last, uint64_t id = 999) {
  Flow f = tcpFlow(id);
  f.key.b = IpAddress::fromV4(0xcb007100u + last);
  namer.onFlowStart(f);
  const std::string name(namer.describe(f).hostname);
  namer.release(f);
  return name;
}

TEST(DnsOverTcp, WholeResponsesAreReadInPlace) {
  FlowNamer namer(config(), nullptr);
  Flow r = resolverFlow(1);
  feedData(namer, r, 1, Bytes{0, 2, 0xab, 0xcd});  // the query: names nothing
  EXPECT_TRUE(r.nameFlags & Flow::kInspectDone);
  const Bytes one = dnsTcpResponse("one.example.test", 3, 1);
  Bytes two = dnsTcpResponse("two.example.test", 2, 10);
  const Bytes three = dnsTcpResponse("three.example.test", 1, 20);
  two.insert(two.end(), three.begin(), three.end());  // two responses in one segment
  feedServer(namer, r, 0, one.data(), one.size());
  EXPECT_EQ(namer.slotsInUse(), 0u);
  feedServer(namer, r, uint32_t(one.size()), two.data(), two.size());
  EXPECT_EQ(namer.slotsInUse(), 0u);
  EXPECT_EQ(namer.stats().dnsResponses, 3u);
  EXPECT_EQ(namer.stats().dnsMalformed, 0u);
  EXPECT_EQ(nameOf(namer, 2), "one.example.test");
  EXPECT_EQ(nameOf(namer, 11), "two.example.test");
  EXPECT_EQ(nameOf(namer, 20), "three.example.test");
  namer.release(r);
}

TEST(DnsOverTcp, TwoResponsesCutAnywhere) {
  // Two pipelined responses, the first larger than one segment of a 576-byte MTU; the stream
  // cut at every byte into two segments, and at pairs of places into three.
  const Bytes a = dnsTcpResponse("big.example.test", 40, 1);
  const Bytes b = dnsTcpResponse("next.example.test", 2, 100);
  Bytes stream = a;
  stream.insert(stream.end(), b.begin(), b.end());
  ASSERT_GT(a.size(), 600u);
  auto check = [&](const std::vector<size_t>& cuts, const std::vector<size_t>& order) {
    FlowNamer namer(config(), nullptr);
    Flow r = resolverFlow(1);
    feedPieces(namer, r, stream, cuts, order);
    std::string where;
    for (size_t c : cuts) where += std::to_string(c) + " ";
    EXPECT_EQ(namer.stats().dnsResponses, 2u) << where;
    EXPECT_EQ(namer.stats().dnsMalformed, 0u) << where;
    EXPECT_EQ(namer.stats().dnsTcpSkipped, 0u) << where;
    // A cut inside a response splits it: the stream is followed in a slot from then on.
    const bool split = std::any_of(cuts.begin(), cuts.end(), [&](size_t c) { return c != a.size(); });
    EXPECT_EQ(namer.slotsInUse(), split ? 1u : 0u) << where;
    EXPECT_EQ(bool(r.nameFlags & Flow::kDnsStream), split) << where;
    EXPECT_EQ(nameOf(namer, 32), "big.example.test") << where;  // the 32nd answer is kept
    EXPECT_EQ(nameOf(namer, 101), "next.example.test") << where;
    namer.release(r);
    EXPECT_EQ(namer.slotsInUse(), 0u) << where;
  };
  for (size_t c = 1; c < stream.size(); ++c) check({c}, {0, 1});
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    size_t c1 = 1 + rng() % (stream.size() - 2);
    size_t c2 = 1 + rng() % (stream.size() - 2);
    if (c1 == c2) continue;
    if (c1 > c2) std::swap(c1, c2);
    check({c1, c2}, {0, 1, 2});
    // The third piece before the second, once the first has taken a slot: held until the gap
    // is filled. (A piece arriving before the first one is not at a message boundary, so the
    // first piece always comes first here.)
    check({c1, c2}, {0, 2, 1});
    // Retransmissions of every piece, also after both responses were read, change nothing.
    check({c1, c2}, {0, 0, 1, 2, 1, 2, 0});
  }
}

TEST(DnsOverTcp, ResponsesAfterASplitOneAreReadToo) {
  // A split response, then whole ones in later segments, more than a slot's 16 KiB in all:
  // the slot starts again at each message boundary.
  FlowNamer namer(config(), nullptr);
  Flow r = resolverFlow(1);
  const Bytes a = dnsTcpResponse("split.example.test", 50, 1);
  feedPieces(namer, r, a, {100, 500}, {0, 1, 2});
  EXPECT_EQ(namer.slotsInUse(), 1u);
  uint32_t at = uint32_t(a.size());
  for (uint8_t i = 0; i < 60; ++i) {
    const Bytes b = dnsTcpResponse("n" + std::to_string(i) + ".example.test", 30, uint8_t(150 + i % 50));
    feedServer(namer, r, at, b.data(), b.size());
    at += uint32_t(b.size());
  }
  ASSERT_GT(at, 3 * StreamPrefixAssembler::kMaxCapacity / 2);
  EXPECT_EQ(namer.slotsInUse(), 1u);
  EXPECT_EQ(namer.stats().dnsResponses, 61u);
  EXPECT_EQ(namer.stats().dnsTcpSkipped, 0u);
  EXPECT_EQ(nameOf(namer, 30), "split.example.test");
  EXPECT_EQ(nameOf(namer, 153), "n53.example.test");  // the last response for .153
  namer.release(r);
  EXPECT_EQ(namer.slotsInUse(), 0u);
}

TEST(DnsOverTcp, TooLargeForASlotIsCountedAndTheStreamLeftAlone) {
  // A 20 KB response (1,200 records) cannot be assembled in 16 KiB: counted once, its other
  // segments are not misread as messages, and the stream stays left alone.
  FlowNamer namer(config(), nullptr);
  Flow r = resolverFlow(1);
  const Bytes big = dnsTcpResponse("huge.example.test", 1200, 1);
  ASSERT_GT(big.size(), StreamPrefixAssembler::kMaxCapacity);
  std::vector<size_t> cuts;
  for (size_t c = 1400; c < big.size(); c += 1400) cuts.push_back(c);
  std::vector<size_t> order(cuts.size() + 1);
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  feedPieces(namer, r, big, cuts, order);
  const Bytes after = dnsTcpResponse("after.example.test", 1, 250);
  feedServer(namer, r, uint32_t(big.size()), after.data(), after.size());
  EXPECT_EQ(namer.stats().dnsTcpSkipped, 1u);
  EXPECT_EQ(namer.stats().dnsResponses, 0u);
  EXPECT_EQ(namer.stats().dnsMalformed, 0u);
  EXPECT_EQ(namer.slotsInUse(), 0u);
  EXPECT_TRUE(r.nameFlags & Flow::kDnsStreamLost);
  EXPECT_EQ(nameOf(namer, 2), "");
  namer.release(r);
}

TEST(DnsOverTcp, NoFreeSlotIsCounted) {
  FlowNamer namer(config(0), nullptr);
  Flow r = resolverFlow(1);
  const Bytes a = dnsTcpResponse("split.example.test", 50, 1);
  feedPieces(namer, r, a, {300}, {0, 1});
  EXPECT_EQ(namer.stats().dnsTcpSkipped, 1u);
  EXPECT_EQ(namer.stats().dnsResponses, 0u);
  EXPECT_EQ(namer.stats().dnsMalformed, 0u);
}

TEST(DnsOverTcp, ReleaseGivesTheSlotBack) {
  // A flow ending halfway through a split response frees its slot for others.
  FlowNamer namer(config(1), nullptr);
  const Bytes a = dnsTcpResponse("split.example.test", 50, 1);
  Flow r = resolverFlow(1);
  feedPieces(namer, r, a, {300}, {0});
  EXPECT_EQ(namer.slotsInUse(), 1u);
  EXPECT_TRUE(r.nameFlags & Flow::kDnsStream);
  namer.release(r);
  EXPECT_EQ(namer.slotsInUse(), 0u);
  Flow s = resolverFlow(2);
  feedPieces(namer, s, a, {300}, {0, 1});
  EXPECT_EQ(namer.stats().dnsResponses, 1u);
  EXPECT_EQ(namer.stats().dnsTcpSkipped, 0u);
  EXPECT_EQ(namer.slotsInUse(), 1u);
  namer.release(s);
  EXPECT_EQ(namer.slotsInUse(), 0u);
}

}  // namespace
}  // namespace egressmon
