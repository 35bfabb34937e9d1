#pragma once
// QUIC client Initial reading (RFC 9000/9001 v1, RFC 9369 v2): derive Initial secrets from the
// Destination Connection ID, remove header protection, decrypt with AES-128-GCM (OpenSSL
// libcrypto), collect CRYPTO frames (several Initials, any order) and read the ClientHello.
#include <cstddef>
#include <cstdint>

#include "egressmon/names/tls.h"

namespace egressmon {

enum class QuicStatus : uint8_t {
  Ok,               // a ClientHello was read into the result
  NeedMore,         // Initial(s) decrypted but the ClientHello is not complete yet
  NotQuic,          // not a long-header packet
  NotInitial,       // long header, but no client Initial (Handshake, 0-RTT, Retry, VN)
  UnsupportedVersion,
  DecryptFailed,    // authentication tag mismatch or bad header protection sample
  Malformed,
  kCount
};
const char* quicStatusName(QuicStatus s);

/// Per-flow state for reading the ClientHello out of client Initials. Fixed size.
class QuicInitialReader {
public:
  static constexpr size_t kMaxCrypto = 8192;
  /// Feeds one UDP datagram sent by the client (may hold coalesced packets).
  QuicStatus feed(const uint8_t* datagram, size_t len, ClientHelloInfo& out);
  uint32_t version() const { return version_; }

private:
  uint32_t version_ = 0;
  uint8_t dcid_[20] = {};
  uint8_t dcidLen_ = 0;
  size_t contiguous_ = 0;
  uint64_t haveMask_[kMaxCrypto / 64] = {};
  uint8_t crypto_[kMaxCrypto] = {};
};

}  // namespace egressmon
