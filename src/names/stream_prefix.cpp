// StreamPrefixAssembler: the first kMaxCapacity bytes of one TCP direction, byte-exact, in a
// fixed buffer. Out-of-order data is tracked as at most kMaxHoles ranges beyond the prefix.
// HeldSegments: segments kept as they came until the stream's start is known.
#include "egressmon/names/stream_prefix.h"

#include <algorithm>
#include <cstring>

namespace egressmon {

void StreamPrefixAssembler::reset(uint32_t isn) {
  isn_ = isn;
  contiguous_ = 0;
  rangeCount_ = 0;
  dropped_ = 0;
  // buf_ is not cleared: nothing beyond contiguous_ or a tracked range is ever read.
}

size_t StreamPrefixAssembler::add(uint32_t seq, const uint8_t* data, size_t len) {
  if (data == nullptr || len == 0) return contiguous_;
  uint32_t off = seq - isn_;  // modulo 2^32
  if (off >= 0x80000000u) {
    // Starts before isn_: an old retransmission. Keep only what reaches past isn_, if any.
    const size_t before = 0x100000000ull - off;
    if (len <= before) return contiguous_;
    data += before;
    len -= before;
    off = 0;
  }
  if (off >= kMaxCapacity) return contiguous_;
  uint32_t begin = off;
  const uint32_t end = begin + static_cast<uint32_t>(std::min<size_t>(len, kMaxCapacity - begin));
  if (begin < contiguous_) {
    if (end <= contiguous_) return contiguous_;  // all duplicate
    data += contiguous_ - begin;
    begin = static_cast<uint32_t>(contiguous_);
  }

  // The range list after this segment, computed before touching anything so that a segment
  // that would need too many ranges leaves no trace.
  Range merged[kMaxHoles + 1];
  size_t count = 0;
  Range cur{begin, end};
  bool placed = false;
  for (size_t i = 0; i < rangeCount_; ++i) {
    const Range& r = ranges_[i];
    if (r.end < cur.begin) {
      merged[count++] = r;
    } else if (r.begin > cur.end) {
      if (!placed) {
        merged[count++] = cur;
        placed = true;
      }
      merged[count++] = r;
    } else {  // overlapping or touching: one range
      cur.begin = std::min(cur.begin, r.begin);
      cur.end = std::max(cur.end, r.end);
    }
  }
  if (!placed) merged[count++] = cur;
  size_t first = 0;
  size_t newContiguous = contiguous_;
  if (merged[0].begin <= contiguous_) {
    newContiguous = merged[0].end;
    first = 1;
  }
  if (count - first > kMaxHoles) {
    ++dropped_;
    return contiguous_;
  }

  // Copy only into the gaps: where bytes already arrived, the first copy wins.
  auto copy = [&](uint32_t from, uint32_t to) {
    std::memcpy(buf_ + from, data + (from - begin), to - from);
  };
  uint32_t pos = begin;
  for (size_t i = 0; i < rangeCount_ && pos < end; ++i) {
    const Range& r = ranges_[i];
    if (r.end <= pos) continue;
    if (r.begin >= end) break;
    if (r.begin > pos) copy(pos, r.begin);
    pos = std::max(pos, r.end);
  }
  if (pos < end) copy(pos, end);

  rangeCount_ = static_cast<uint32_t>(count - first);
  std::copy(merged + first, merged + count, ranges_);
  contiguous_ = newContiguous;
  return contiguous_;
}

bool HeldSegments::add(uint32_t seq, const uint8_t* data, size_t len) {
  if (data == nullptr || len == 0 || count_ == kMaxSegments || len > kMaxBytes - used_) {
    return false;
  }
  if (count_ == 0 || static_cast<int32_t>(seq - lowest_) < 0) lowest_ = seq;
  segs_[count_++] = Segment{seq, used_, static_cast<uint32_t>(len)};
  std::memcpy(buf_ + used_, data, len);
  used_ += static_cast<uint32_t>(len);
  return true;
}

void HeldSegments::replayInto(StreamPrefixAssembler& a) const {
  for (uint32_t i = 0; i < count_; ++i) a.add(segs_[i].seq, buf_ + segs_[i].offset, segs_[i].len);
}

void HeldSegments::copyFrom(const HeldSegments& other) {
  count_ = other.count_;
  used_ = other.used_;
  lowest_ = other.lowest_;
  std::copy(other.segs_, other.segs_ + other.count_, segs_);
  std::memcpy(buf_, other.buf_, other.used_);
}

}  // namespace egressmon
