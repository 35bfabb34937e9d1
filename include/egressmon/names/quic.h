#pragma once
// QUIC client Initial reading (RFC 9000/9001 v1, RFC 9369 v2): derive Initial secrets from the
// Destination Connection ID, remove header protection, decrypt with AES-128-GCM (OpenSSL
// libcrypto), collect CRYPTO frames (several Initials, any order) and read the ClientHello.
//
// Threads and cost: every function here may be called from any number of threads at once. The
// key derivation is HKDF-SHA256 done as HMACs on libcrypto's SHA-256 block function (14 blocks
// per DCID, no allocation): the salts' HMAC pad states are computed once per process (C++
// thread-safe static initialisation) and only read afterwards. The AES-GCM and AES-ECB cipher
// contexts and a 64 KiB plaintext buffer are thread_local, created on a thread's first packet
// and reused; each context keeps the key it was last given, so packets under the same keys (a
// flow's Initials) skip the AES key schedule. Nothing is shared between threads but read-only
// data, and a thread allocates nothing after its first packet.
#include <cstddef>
#include <cstdint>

#include "egressmon/names/tls.h"

namespace egressmon {

enum class QuicStatus : uint8_t {
  Ok,          // a ClientHello was read into the result
  NeedMore,    // Initial(s) decrypted but the ClientHello is not complete yet
  NotQuic,     // not a long-header packet
  NotInitial,  // long header, but no client Initial (Handshake, 0-RTT, Retry, VN)
  UnsupportedVersion,
  DecryptFailed,  // authentication tag mismatch or bad header protection sample
  Malformed,
  kCount
};
const char* quicStatusName(QuicStatus s);

namespace quic_detail {

inline constexpr uint32_t kVersion1 = 0x00000001;
inline constexpr uint32_t kVersion2 = 0x6b3343cf;

/// Client Initial packet protection keys for one (version, key DCID) pair.
struct InitialKeys {
  uint8_t secret[32] = {};  // client_initial_secret
  uint8_t key[16] = {};     // AEAD_AES_128_GCM key
  uint8_t iv[12] = {};
  uint8_t hp[16] = {};    // AES-128-ECB header protection key
  uint8_t dcid[20] = {};  // the Destination Connection ID the keys were derived from
  uint8_t dcidLen = 0;
  uint32_t version = 0;
  bool valid = false;
};

/// Derives the client Initial keys for v1 or v2 from `dcid` (at most 20 bytes). Any thread.
/// Returns false for another version or an over-long DCID.
bool deriveClientInitialKeys(uint32_t version, const uint8_t* dcid, size_t dcidLen,
                             InitialKeys& out);

/// What protectClientInitial() builds. Keys come from `keyDcid` when set, else from `dcid`.
struct InitialSpec {
  uint32_t version = kVersion1;
  const uint8_t* dcid = nullptr;
  uint8_t dcidLen = 0;
  const uint8_t* scid = nullptr;
  uint8_t scidLen = 0;
  const uint8_t* token = nullptr;
  size_t tokenLen = 0;
  uint64_t packetNumber = 0;
  uint8_t pnLen = 4;  // 1..4 bytes on the wire
  const uint8_t* keyDcid = nullptr;
  uint8_t keyDcidLen = 0;
};

/// Builds one protected client Initial around `payload` (frames, padding included) the way a
/// client would; for tests and fuzzing. Any thread. Returns the packet size written to `out`,
/// or 0 when `cap` is too small, the version is unsupported or the payload is too short to
/// leave a header protection sample.
size_t protectClientInitial(const InitialSpec& spec, const uint8_t* payload, size_t payloadLen,
                            uint8_t* out, size_t cap);

}  // namespace quic_detail

/// Per-flow state for reading the ClientHello out of client Initials. Fixed size, no heap.
/// Owned by one thread (the flow table owner); OpenSSL contexts are kept per thread. The keys
/// of the flow's current DCID are kept here, so its later Initials derive nothing.
class QuicInitialReader {
public:
  static constexpr size_t kMaxCrypto = 8192;
  /// Largest QUIC packet that is decrypted; larger Initials are reported Malformed.
  static constexpr size_t kMaxPacket = 65536;
  /// User-provided (not `= default`) so that `QuicInitialReader()` and make_unique do not
  /// zero the 8 KiB CRYPTO buffer, of which only the received bytes are ever read: a new
  /// reader costs about 1 KiB of clearing.
  QuicInitialReader() {}  // NOLINT(modernize-use-equals-default)
  /// Feeds one UDP datagram sent by the client (may hold coalesced packets). Ok fills `out`
  /// and is returned again for later datagrams once the ClientHello is complete. Packet bytes
  /// never throw; a packet that fails authentication or holds a bad frame changes nothing.
  QuicStatus feed(const uint8_t* datagram, size_t len, ClientHelloInfo& out);
  /// Version of the last long-header packet seen (0 before any, never 0 for VN packets).
  uint32_t version() const { return version_; }
  /// The CRYPTO stream received contiguously from offset 0 (the ClientHello as far as it has
  /// arrived, at most kMaxCrypto bytes), e.g. for fingerprinting. Owner thread.
  const uint8_t* cryptoData() const { return crypto_; }
  size_t cryptoLength() const { return contiguous_; }

private:
  struct Opened {  // an authenticated Initial's plaintext (in the per-thread scratch buffer)
    bool ok = false;
    const uint8_t* plain = nullptr;
    size_t len = 0;
    uint64_t packetNumber = 0;
  };
  QuicStatus readInitial(const uint8_t* pkt, size_t pnOffset, size_t end, uint32_t version,
                         const uint8_t* dcid, uint8_t dcidLen);
  static Opened open(const uint8_t* pkt, size_t pnOffset, size_t end,
                     const quic_detail::InitialKeys& keys, int64_t largestPn);
  bool walkFrames(const uint8_t* plain, size_t len, bool record);
  void addCrypto(uint64_t offset, const uint8_t* data, size_t len);
  QuicStatus helloStatus(ClientHelloInfo& out) const;

  uint32_t version_ = 0;
  int64_t largestPn_ = -1;                   // largest authenticated Initial packet number
  quic_detail::InitialKeys active_;          // keys that last authenticated an Initial
  quic_detail::InitialKeys derived_;         // last derivation from a packet's own DCID
  size_t contiguous_ = 0;                    // bytes of CRYPTO stream received from offset 0
  uint64_t haveMask_[kMaxCrypto / 64] = {};  // one bit per CRYPTO stream byte received
  uint8_t crypto_[kMaxCrypto];               // bytes [0, contiguous_) and those in haveMask_
};

}  // namespace egressmon
