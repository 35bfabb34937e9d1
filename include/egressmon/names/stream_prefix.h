#pragma once
// HeldSegments: TCP segments of one direction kept, as they arrived, until the segment that
// starts the stream shows up (a ClientHello whose second segment came first, on a flow whose
// handshake was not seen), then replayed into a StreamPrefixAssembler. The assembler itself
// (declared in tls.h) needs to know where the stream starts; this does not.
#include <cstddef>
#include <cstdint>

#include "egressmon/names/tls.h"

namespace egressmon {

/// Fixed size, no heap, trivially destructible. Its byte buffer is left uninitialized on
/// construction (only the bytes of segments added are ever read), so a pool of them costs no
/// memory until used. Used by the thread that owns the flow; not thread-safe.
class HeldSegments {
public:
  static constexpr size_t kMaxBytes = StreamPrefixAssembler::kMaxCapacity;
  static constexpr size_t kMaxSegments = 32;

  HeldSegments() noexcept {}  // user-provided: value-initialization leaves buf_ alone
  void clear() {
    count_ = 0;
    used_ = 0;
  }
  /// Keeps a copy of the segment. False, keeping nothing, when it would exceed kMaxBytes or
  /// kMaxSegments, or holds no bytes.
  bool add(uint32_t seq, const uint8_t* data, size_t len);
  size_t segments() const { return count_; }
  size_t bytes() const { return used_; }
  /// The earliest sequence number held, in sequence-number (mod 2^32) order; only meaningful
  /// while segments() > 0.
  uint32_t lowestSeq() const { return lowest_; }
  /// True when `seq` comes before every segment held, by at most kMaxBytes: the segment at
  /// `seq` may be the stream's start that the held ones follow.
  bool precedes(uint32_t seq) const {
    const uint32_t gap = lowest_ - seq;  // mod 2^32
    return count_ > 0 && gap != 0 && gap <= kMaxBytes;
  }
  /// Adds every held segment to `a` in arrival order (so the first copy still wins).
  void replayInto(StreamPrefixAssembler& a) const;
  /// Becomes a copy of `other`, copying only the bytes it holds.
  void copyFrom(const HeldSegments& other);

private:
  struct Segment {
    uint32_t seq = 0;
    uint32_t offset = 0;  // into buf_
    uint32_t len = 0;
  };
  uint32_t count_ = 0;
  uint32_t used_ = 0;
  uint32_t lowest_ = 0;
  Segment segs_[kMaxSegments];
  uint8_t buf_[kMaxBytes];
};

}  // namespace egressmon
