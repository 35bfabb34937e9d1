#pragma once
// TLS ClientHello reading: server_name, ALPN and ECH from a ClientHello, at the record layer
// (one or several records) or as a bare handshake message (QUIC CRYPTO frames carry those).
// Parsers take untrusted bytes, never throw, never allocate; results go into fixed buffers.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace egressmon {

struct ClientHelloInfo {
  static constexpr size_t kMaxName = 255;
  static constexpr size_t kMaxAlpn = 64;
  char sni[kMaxName + 1] = {};   // server_name host_name (NUL-terminated), lower-cased
  uint8_t sniLen = 0;
  char alpn[kMaxAlpn + 1] = {};  // ALPN protocol names joined with ',' ("h2,http/1.1")
  uint8_t alpnLen = 0;
  uint16_t legacyVersion = 0;    // ClientHello.legacy_version (0x0301..0x0303)
  uint16_t maxVersion = 0;       // highest from supported_versions, else legacyVersion
  bool hasSni = false;
  bool ech = false;              // encrypted_client_hello (0xfe0d) present: sni is the outer name

  std::string_view sniView() const { return {sni, sniLen}; }
  std::string_view alpnView() const { return {alpn, alpnLen}; }
};

enum class TlsStatus : uint8_t {
  Ok,
  NeedMore,        // a valid prefix: more bytes are needed
  NotTls,          // not a TLS handshake record / not a ClientHello
  Malformed,       // lengths or fields inconsistent
  kCount
};
const char* tlsStatusName(TlsStatus s);

/// Parses a ClientHello handshake message (starting at the HandshakeType byte, 0x01).
/// Any thread. NeedMore when `len` is short of the declared length; NotTls when the type is
/// not ClientHello; Malformed on inconsistent lengths (fields read before the fault stay in
/// `out`). A bad server_name (bytes outside visible ASCII 0x21..0x7e, empty, an empty label,
/// longer than 255 after the trailing dot is dropped) only leaves hasSni false.
TlsStatus parseClientHelloHandshake(const uint8_t* msg, size_t len, ClientHelloInfo& out);

/// Like parseClientHelloHandshake, but `len` bytes are all the caller will ever have (a buffer
/// cap was hit): a longer message is read as far as it goes, extensions cut off end the parse
/// with Ok and what was found. NeedMore only when the fixed fields before the extensions are cut.
TlsStatus parseClientHelloHandshakePrefix(const uint8_t* msg, size_t len, ClientHelloInfo& out);

/// Parses a TCP stream prefix holding TLS records (content type 22). The ClientHello may be
/// split over several records; NeedMore means the prefix is valid but incomplete. NotTls when
/// the first record is not a handshake record carrying a ClientHello. A prefix of
/// StreamPrefixAssembler::kMaxCapacity bytes or more is taken as final (see ...Prefix above).
/// Any thread; uses about 16 KiB of stack when the ClientHello spans records.
TlsStatus parseClientHelloRecords(const uint8_t* stream, size_t len, ClientHelloInfo& out);

/// True when the bytes could begin a TLS handshake record (cheap first-packet test).
bool looksLikeTlsHandshake(const uint8_t* p, size_t len);

/// Reassembles the first `capacity` bytes of one TCP direction from segments that may arrive
/// out of order or be retransmitted. Owns a fixed buffer given at construction; byte-exact, no
/// heap. Used by the thread that owns the flow; not thread-safe.
class StreamPrefixAssembler {
public:
  static constexpr size_t kMaxCapacity = 16384;
  /// `isn` is the sequence number of the first payload byte (SYN seq + 1, or the first
  /// data segment's seq when the handshake was not seen).
  void reset(uint32_t isn);
  /// Adds a segment. Bytes beyond the capacity, before `isn` (offsets >= 2^31 count as old) or
  /// already received (the first copy wins) are ignored; a segment that would need more than
  /// kMaxHoles out-of-order ranges is dropped and counted. Returns the contiguous length.
  size_t add(uint32_t seq, const uint8_t* data, size_t len);
  const uint8_t* data() const { return buf_; }
  size_t contiguous() const { return contiguous_; }
  bool full() const { return contiguous_ >= kMaxCapacity; }
  /// Bytes beyond the contiguous prefix are held (out-of-order segments wait for a gap).
  bool pending() const { return rangeCount_ != 0; }
  /// Segments dropped because they would open more than kMaxHoles out-of-order ranges.
  uint32_t droppedSegments() const { return dropped_; }

  /// Out-of-order byte ranges kept beyond the contiguous prefix; a segment that would need
  /// more is dropped (the sender retransmits it).
  static constexpr size_t kMaxHoles = 8;

private:
  struct Range {
    uint32_t begin = 0;  // offsets from isn_, begin < end <= kMaxCapacity
    uint32_t end = 0;
  };
  uint32_t isn_ = 0;
  size_t contiguous_ = 0;
  Range ranges_[kMaxHoles] = {};  // sorted, disjoint, not touching, all beyond contiguous_
  uint32_t rangeCount_ = 0;
  uint32_t dropped_ = 0;
  uint8_t buf_[kMaxCapacity] = {};
};

}  // namespace egressmon
