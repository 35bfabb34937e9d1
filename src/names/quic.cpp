// QUIC client Initial reading: Initial key schedule (RFC 9001 §5.2, RFC 9369 §3.3), header
// protection removal (RFC 9001 §5.4), AES-128-GCM payload decryption and CRYPTO frame
// reassembly into a fixed buffer, then the ClientHello is handed to the TLS parser.
#include "egressmon/names/quic.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <string_view>

namespace egressmon {

const char* quicStatusName(QuicStatus s) {
  switch (s) {
    case QuicStatus::Ok: return "ok";
    case QuicStatus::NeedMore: return "need_more";
    case QuicStatus::NotQuic: return "not_quic";
    case QuicStatus::NotInitial: return "not_initial";
    case QuicStatus::UnsupportedVersion: return "unsupported_version";
    case QuicStatus::DecryptFailed: return "decrypt_failed";
    case QuicStatus::Malformed: return "malformed";
    case QuicStatus::kCount: break;
  }
  return "unknown";
}

namespace {

using quic_detail::InitialKeys;
using quic_detail::kVersion1;
using quic_detail::kVersion2;

constexpr size_t kMaxCid = 20;
constexpr size_t kTagLen = 16;
constexpr size_t kSampleOffset = 4;  // the sample starts 4 bytes after the packet number offset
constexpr size_t kSampleLen = 16;
constexpr uint64_t kMaxVarint = (uint64_t{1} << 62) - 1;

constexpr uint8_t kSaltV1[20] = {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
constexpr uint8_t kSaltV2[20] = {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                                 0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};

bool supportedVersion(uint32_t v) {
  return v == kVersion1 || v == kVersion2;
}

// Long header packet types, named by meaning; the wire bits differ between v1 and v2.
enum class LongType : uint8_t { Initial, ZeroRtt, Handshake, Retry };

LongType longType(uint32_t version, uint8_t firstByte) {
  const auto bits = static_cast<uint8_t>((firstByte >> 4) & 0x03);
  if (version == kVersion2) {  // RFC 9369 §3.2: Initial 01, 0-RTT 10, Handshake 11, Retry 00
    static constexpr LongType kV2[4] = {LongType::Retry, LongType::Initial, LongType::ZeroRtt,
                                        LongType::Handshake};
    return kV2[bits];
  }
  static constexpr LongType kV1[4] = {LongType::Initial, LongType::ZeroRtt, LongType::Handshake,
                                      LongType::Retry};
  return kV1[bits];
}

uint8_t initialTypeBits(uint32_t version) {
  return version == kVersion2 ? 0x10 : 0x00;
}

// Bounded reader over untrusted bytes; every accessor checks the remaining length.
struct Cursor {
  const uint8_t* p;
  size_t n;
  size_t i = 0;

  size_t left() const { return n - i; }
  bool u8(uint8_t& v) {
    if (i >= n) return false;
    v = p[i++];
    return true;
  }
  bool varint(uint64_t& v) {
    if (i >= n) return false;
    const size_t len = size_t{1} << (p[i] >> 6);
    if (len > left()) return false;
    v = p[i] & 0x3fu;
    for (size_t k = 1; k < len; ++k) v = (v << 8) | p[i + k];
    i += len;
    return true;
  }
  bool skip(uint64_t len) {
    if (len > left()) return false;
    i += static_cast<size_t>(len);
    return true;
  }
};

size_t varintSize(uint64_t v) {
  if (v < 64) return 1;
  if (v < 16384) return 2;
  if (v < (uint64_t{1} << 30)) return 4;
  return 8;
}

// Writes `v` in exactly `size` bytes (1, 2, 4 or 8); the caller checked that it fits.
void putVarint(uint8_t* out, uint64_t v, size_t size) {
  static constexpr uint8_t kPrefix[9] = {0, 0x00, 0x40, 0, 0x80, 0, 0, 0, 0xc0};
  for (size_t k = 0; k < size; ++k) out[size - 1 - k] = static_cast<uint8_t>(v >> (8 * k));
  out[0] = static_cast<uint8_t>(out[0] | kPrefix[size]);
}

// RFC 9000 Appendix A.3: the packet number closest to the next expected one.
uint64_t decodePacketNumber(int64_t largest, uint64_t truncated, size_t pnLen) {
  const uint64_t expected = static_cast<uint64_t>(largest + 1);
  const uint64_t win = uint64_t{1} << (pnLen * 8);
  const uint64_t hwin = win / 2;
  const uint64_t candidate = (expected & ~(win - 1)) | truncated;
  if (candidate + hwin <= expected && candidate < (uint64_t{1} << 62) - win) return candidate + win;
  if (candidate > expected + hwin && candidate >= win) return candidate - win;
  return candidate;
}

// libcrypto cipher contexts and the plaintext buffer, created once per thread and reused so the
// packet path allocates nothing after the first packet. Each context remembers the key it was
// last given, so packets under the same keys (a flow's Initials, back to back) skip the AES key
// schedule and GHASH set-up. Fetch failures leave ok == false.
struct CryptoScratch {
  EVP_CIPHER* gcm = nullptr;
  EVP_CIPHER* ecb = nullptr;
  EVP_CIPHER_CTX* aead = nullptr;
  EVP_CIPHER_CTX* block = nullptr;
  bool ok = false;
  int aeadMode = -1;        // 1 encrypt, 0 decrypt with aeadKey; -1: no key loaded
  bool blockKeyed = false;  // `block` holds blockKey
  uint8_t aeadKey[16] = {};
  uint8_t blockKey[16] = {};
  uint8_t plain[QuicInitialReader::kMaxPacket];

  CryptoScratch() {
    gcm = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
    ecb = EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr);
    aead = EVP_CIPHER_CTX_new();
    block = EVP_CIPHER_CTX_new();
    if (!gcm || !ecb || !aead || !block) return;
    ok = EVP_CipherInit_ex(aead, gcm, nullptr, nullptr, nullptr, 0) == 1 &&
         EVP_CipherInit_ex(block, ecb, nullptr, nullptr, nullptr, 1) == 1 &&
         EVP_CIPHER_CTX_set_padding(block, 0) == 1;
  }
  ~CryptoScratch() {
    EVP_CIPHER_CTX_free(block);
    EVP_CIPHER_CTX_free(aead);
    EVP_CIPHER_free(ecb);
    EVP_CIPHER_free(gcm);
  }
  CryptoScratch(const CryptoScratch&) = delete;
  CryptoScratch& operator=(const CryptoScratch&) = delete;

  // Starts an AES-128-GCM operation (encrypt 1, decrypt 0) with `key` and a 12-byte nonce.
  bool startAead(const uint8_t* key, const uint8_t* nonce, int enc) {
    const bool rekey = aeadMode != enc || std::memcmp(aeadKey, key, sizeof(aeadKey)) != 0;
    aeadMode = -1;
    if (EVP_CipherInit_ex(aead, nullptr, nullptr, rekey ? key : nullptr, nonce, enc) != 1)
      return false;
    std::memcpy(aeadKey, key, sizeof(aeadKey));
    aeadMode = enc;
    return true;
  }
};

CryptoScratch& scratch() {
  thread_local CryptoScratch s;
  return s;
}

// HMAC-SHA256 (RFC 2104) with the key schedule done once: the SHA-256 states after the inner
// and outer pad blocks, copied for every MAC. Keys of at most 64 bytes (salts, secrets).
// libcrypto's low-level SHA-256 is used (deprecated since OpenSSL 3.0, still in 3.x and 4.0):
// its context is a plain struct that can be copied, where EVP_MD_CTX_copy_ex allocates on
// every copy and the EVP_MAC route redoes the key schedule and parameter look-ups per call.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
class HmacSha256 {
public:
  HmacSha256(const uint8_t* key, size_t keyLen) {
    uint8_t pad[64];
    absorbPad(inner_, key, keyLen, 0x36, pad);
    absorbPad(outer_, key, keyLen, 0x5c, pad);
  }
  // HMAC of `msg` into `out` (32 bytes).
  void mac(const uint8_t* msg, size_t len, uint8_t* out) const {
    SHA256_CTX c = inner_;
    if (len > 0) SHA256_Update(&c, msg, len);
    SHA256_Final(out, &c);
    c = outer_;
    SHA256_Update(&c, out, SHA256_DIGEST_LENGTH);
    SHA256_Final(out, &c);
  }

private:
  static void absorbPad(SHA256_CTX& c, const uint8_t* key, size_t keyLen, uint8_t x,
                        uint8_t* pad) {
    for (size_t i = 0; i < SHA256_CBLOCK; ++i)
      pad[i] = static_cast<uint8_t>((i < keyLen ? key[i] : 0) ^ x);
    SHA256_Init(&c);
    SHA256_Update(&c, pad, SHA256_CBLOCK);
  }
  SHA256_CTX inner_;
  SHA256_CTX outer_;
};
#pragma GCC diagnostic pop

// HKDF-Expand-Label (RFC 8446 §7.1) with an empty context and at most 32 output bytes, which
// HKDF-Expand produces in its first block: T(1) = HMAC(secret, info || 0x01). The labels are
// this file's constants, all short.
void expandLabel(const HmacSha256& secret, std::string_view label, uint8_t* out, size_t outLen) {
  static constexpr std::string_view kPrefix = "tls13 ";
  uint8_t info[2 + 1 + 255 + 1 + 1];
  const size_t fullLen = kPrefix.size() + label.size();
  size_t i = 0;
  info[i++] = static_cast<uint8_t>(outLen >> 8);
  info[i++] = static_cast<uint8_t>(outLen);
  info[i++] = static_cast<uint8_t>(fullLen);
  std::memcpy(info + i, kPrefix.data(), kPrefix.size());
  i += kPrefix.size();
  std::memcpy(info + i, label.data(), label.size());
  i += label.size();
  info[i++] = 0;  // empty context
  info[i++] = 1;  // HKDF-Expand block counter
  uint8_t block[SHA256_DIGEST_LENGTH];
  secret.mac(info, i, block);
  std::memcpy(out, block, outLen);
}

bool headerMask(CryptoScratch& s, const uint8_t* hp, const uint8_t* sample, uint8_t* mask) {
  if (!s.blockKeyed || std::memcmp(s.blockKey, hp, sizeof(s.blockKey)) != 0) {
    s.blockKeyed = EVP_CipherInit_ex(s.block, nullptr, nullptr, hp, nullptr, 1) == 1;
    if (!s.blockKeyed) return false;
    std::memcpy(s.blockKey, hp, sizeof(s.blockKey));
  }
  int outLen = 0;
  return EVP_CipherUpdate(s.block, mask, &outLen, sample, static_cast<int>(kSampleLen)) == 1 &&
         outLen == static_cast<int>(kSampleLen);
}

void makeNonce(const InitialKeys& k, uint64_t pn, uint8_t* nonce) {
  std::memcpy(nonce, k.iv, sizeof(k.iv));
  for (size_t j = 0; j < 8; ++j)
    nonce[11 - j] = static_cast<uint8_t>(nonce[11 - j] ^ (pn >> (8 * j)));
}

bool sameCid(const InitialKeys& k, uint32_t version, const uint8_t* dcid, size_t dcidLen) {
  return k.valid && k.version == version && k.dcidLen == dcidLen &&
         (dcidLen == 0 || std::memcmp(k.dcid, dcid, dcidLen) == 0);
}

// Where one long-header packet's fields sit inside the datagram.
struct LongHeader {
  uint32_t version = 0;
  LongType type = LongType::Initial;
  const uint8_t* dcid = nullptr;
  uint8_t dcidLen = 0;
  size_t pnOffset = 0;  // first packet number byte, relative to the packet start
  size_t end = 0;       // one past the packet, relative to the packet start
};

enum class HeaderResult : uint8_t { Ok, VersionNegotiation, Unsupported, Retry, Malformed };

HeaderResult parseLongHeader(const uint8_t* p, size_t n, LongHeader& h) {
  Cursor c{p, n};
  uint8_t first = 0;
  if (!c.u8(first) || c.left() < 4) return HeaderResult::Malformed;
  h.version = (uint32_t{p[1]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 8) | p[4];
  c.i = 5;
  if (h.version == 0) return HeaderResult::VersionNegotiation;
  if (!supportedVersion(h.version)) return HeaderResult::Unsupported;
  h.type = longType(h.version, first);
  uint8_t scidLen = 0;
  if (!c.u8(h.dcidLen) || h.dcidLen > kMaxCid) return HeaderResult::Malformed;
  h.dcid = p + c.i;
  if (!c.skip(h.dcidLen) || !c.u8(scidLen) || scidLen > kMaxCid || !c.skip(scidLen))
    return HeaderResult::Malformed;
  if (h.type == LongType::Retry) return HeaderResult::Retry;  // no Length: fills the datagram
  uint64_t v = 0;
  if (h.type == LongType::Initial && (!c.varint(v) || !c.skip(v))) return HeaderResult::Malformed;
  if (!c.varint(v) || v > c.left()) return HeaderResult::Malformed;
  h.pnOffset = c.i;
  h.end = c.i + static_cast<size_t>(v);
  return HeaderResult::Ok;
}

// The first non-zero byte at or after `i` (or `n`), eight bytes at a time.
size_t skipZeros(const uint8_t* p, size_t i, size_t n) {
  for (; n - i >= 8; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w != 0) {
      const int zeroBits = std::endian::native == std::endian::little ? std::countr_zero(w)
                                                                       : std::countl_zero(w);
      return i + static_cast<size_t>(zeroBits) / 8;
    }
  }
  while (i < n && p[i] == 0) ++i;
  return i;
}

// Ranks failures so a datagram reports its most telling one when nothing was decrypted.
int failureRank(QuicStatus s) {
  switch (s) {
    case QuicStatus::NotInitial: return 0;
    case QuicStatus::UnsupportedVersion: return 1;
    case QuicStatus::DecryptFailed: return 2;
    case QuicStatus::Malformed: return 3;
    default: return -1;
  }
}

}  // namespace

namespace quic_detail {

bool deriveClientInitialKeys(uint32_t version, const uint8_t* dcid, size_t dcidLen,
                             InitialKeys& out) {
  out.valid = false;
  if (!supportedVersion(version) || dcidLen > kMaxCid || (dcidLen > 0 && dcid == nullptr))
    return false;
  // HKDF-Extract is an HMAC keyed with the version's fixed salt: its pad states are computed
  // once per process (thread-safe static initialisation) and only read afterwards.
  static const HmacSha256 kExtractV1(kSaltV1, sizeof(kSaltV1));
  static const HmacSha256 kExtractV2(kSaltV2, sizeof(kSaltV2));
  const bool v2 = version == kVersion2;
  uint8_t initial[SHA256_DIGEST_LENGTH];
  (v2 ? kExtractV2 : kExtractV1).mac(dcid, dcidLen, initial);
  expandLabel(HmacSha256(initial, sizeof(initial)), "client in", out.secret, sizeof(out.secret));
  const HmacSha256 secret(out.secret, sizeof(out.secret));
  expandLabel(secret, v2 ? "quicv2 key" : "quic key", out.key, sizeof(out.key));
  expandLabel(secret, v2 ? "quicv2 iv" : "quic iv", out.iv, sizeof(out.iv));
  expandLabel(secret, v2 ? "quicv2 hp" : "quic hp", out.hp, sizeof(out.hp));
  if (dcidLen > 0) std::memcpy(out.dcid, dcid, dcidLen);
  out.dcidLen = static_cast<uint8_t>(dcidLen);
  out.version = version;
  out.valid = true;
  return true;
}

size_t protectClientInitial(const InitialSpec& spec, const uint8_t* payload, size_t payloadLen,
                            uint8_t* out, size_t cap) {
  if (spec.dcidLen > kMaxCid || spec.scidLen > kMaxCid || spec.pnLen < 1 || spec.pnLen > 4 ||
      payloadLen + spec.pnLen < kSampleOffset || payloadLen > QuicInitialReader::kMaxPacket ||
      spec.tokenLen > QuicInitialReader::kMaxPacket)
    return 0;
  InitialKeys k;
  const uint8_t* keyDcid = spec.keyDcid ? spec.keyDcid : spec.dcid;
  const uint8_t keyDcidLen = spec.keyDcid ? spec.keyDcidLen : spec.dcidLen;
  if (!deriveClientInitialKeys(spec.version, keyDcid, keyDcidLen, k)) return 0;
  const uint64_t length = spec.pnLen + payloadLen + kTagLen;
  const size_t lengthSize = std::max<size_t>(2, varintSize(length));
  const size_t pnOffset = 1 + 4 + 1 + spec.dcidLen + 1 + spec.scidLen + varintSize(spec.tokenLen) +
                          spec.tokenLen + lengthSize;
  const size_t total = pnOffset + static_cast<size_t>(length);
  if (out == nullptr || total > cap) return 0;

  size_t i = 0;
  out[i++] = static_cast<uint8_t>(0xc0 | initialTypeBits(spec.version) | (spec.pnLen - 1));
  for (int shift = 24; shift >= 0; shift -= 8)
    out[i++] = static_cast<uint8_t>(spec.version >> shift);
  out[i++] = spec.dcidLen;
  if (spec.dcidLen) std::memcpy(out + i, spec.dcid, spec.dcidLen);
  i += spec.dcidLen;
  out[i++] = spec.scidLen;
  if (spec.scidLen) std::memcpy(out + i, spec.scid, spec.scidLen);
  i += spec.scidLen;
  putVarint(out + i, spec.tokenLen, varintSize(spec.tokenLen));
  i += varintSize(spec.tokenLen);
  if (spec.tokenLen) std::memcpy(out + i, spec.token, spec.tokenLen);
  i += spec.tokenLen;
  putVarint(out + i, length, lengthSize);
  i += lengthSize;
  for (size_t j = 0; j < spec.pnLen; ++j)
    out[i + j] = static_cast<uint8_t>(spec.packetNumber >> (8 * (spec.pnLen - 1 - j)));

  CryptoScratch& s = scratch();
  if (!s.ok) return 0;
  uint8_t nonce[12];
  makeNonce(k, spec.packetNumber, nonce);
  int outLen = 0;
  int finalLen = 0;
  uint8_t* ct = out + pnOffset + spec.pnLen;
  if (!s.startAead(k.key, nonce, 1) ||
      EVP_CipherUpdate(s.aead, nullptr, &outLen, out, static_cast<int>(pnOffset + spec.pnLen)) !=
          1 ||
      (payloadLen > 0 &&
       EVP_CipherUpdate(s.aead, ct, &outLen, payload, static_cast<int>(payloadLen)) != 1) ||
      EVP_CipherFinal_ex(s.aead, ct + payloadLen, &finalLen) != 1 ||
      EVP_CIPHER_CTX_ctrl(s.aead, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagLen),
                          ct + payloadLen) != 1)
    return 0;
  uint8_t mask[kSampleLen];
  if (!headerMask(s, k.hp, out + pnOffset + kSampleOffset, mask)) return 0;
  out[0] = static_cast<uint8_t>(out[0] ^ (mask[0] & 0x0f));
  for (size_t j = 0; j < spec.pnLen; ++j)
    out[pnOffset + j] = static_cast<uint8_t>(out[pnOffset + j] ^ mask[1 + j]);
  return total;
}

}  // namespace quic_detail

// Removes header protection with `keys`, then authenticates and decrypts into the per-thread
// scratch buffer. The packet number is decoded against `largestPn` (-1: none seen).
QuicInitialReader::Opened QuicInitialReader::open(const uint8_t* pkt, size_t pnOffset, size_t end,
                                                  const InitialKeys& keys, int64_t largestPn) {
  Opened o;
  CryptoScratch& s = scratch();
  uint8_t mask[kSampleLen];
  if (!s.ok || !headerMask(s, keys.hp, pkt + pnOffset + kSampleOffset, mask)) return o;
  // The AAD is the header with protection removed; it is rebuilt at the start of the scratch
  // buffer (end <= kMaxPacket was checked) and the plaintext is written right after it.
  const size_t pnLen = ((pkt[0] ^ mask[0]) & 0x03u) + 1;
  uint8_t* header = s.plain;
  std::memcpy(header, pkt, pnOffset + pnLen);
  header[0] = static_cast<uint8_t>(pkt[0] ^ (mask[0] & 0x0f));
  uint64_t truncated = 0;
  for (size_t j = 0; j < pnLen; ++j) {
    header[pnOffset + j] = static_cast<uint8_t>(pkt[pnOffset + j] ^ mask[1 + j]);
    truncated = (truncated << 8) | header[pnOffset + j];
  }
  const uint64_t pn = decodePacketNumber(largestPn, truncated, pnLen);
  uint8_t nonce[12];
  makeNonce(keys, pn, nonce);
  const uint8_t* ct = pkt + pnOffset + pnLen;
  const size_t ctLen = end - pnOffset - pnLen - kTagLen;  // end - pnOffset >= 20 was checked
  uint8_t* plain = header + pnOffset + pnLen;
  uint8_t tag[kTagLen];
  std::memcpy(tag, ct + ctLen, kTagLen);
  int outLen = 0;
  int finalLen = 0;
  const bool authentic =
      s.startAead(keys.key, nonce, 0) &&
      EVP_CipherUpdate(s.aead, nullptr, &outLen, header, static_cast<int>(pnOffset + pnLen)) == 1 &&
      (ctLen == 0 || EVP_CipherUpdate(s.aead, plain, &outLen, ct, static_cast<int>(ctLen)) == 1) &&
      EVP_CIPHER_CTX_ctrl(s.aead, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagLen), tag) == 1 &&
      EVP_CipherFinal_ex(s.aead, plain + ctLen, &finalLen) == 1;
  if (!authentic) return o;
  o.ok = true;
  o.plain = plain;
  o.len = ctLen;
  o.packetNumber = pn;
  return o;
}

// Walks the frames of a decrypted Initial. With record == false it only validates, so a packet
// holding a frame not allowed in an Initial records nothing.
bool QuicInitialReader::walkFrames(const uint8_t* plain, size_t len, bool record) {
  Cursor c{plain, len};
  bool any = false;
  uint8_t type = 0;
  while (c.u8(type)) {
    any = true;
    uint64_t a = 0;
    uint64_t b = 0;
    switch (type) {
      case 0x00:  // PADDING: usually hundreds of bytes, skipped in one go
        c.i = skipZeros(plain, c.i, len);
        break;
      case 0x01:  // PING
        break;
      case 0x02:    // ACK
      case 0x03: {  // ACK with ECN counts
        uint64_t ranges = 0;
        if (!c.varint(a) || !c.varint(b) || !c.varint(ranges) || !c.varint(a)) return false;
        if (ranges > c.left() / 2) return false;  // each range takes at least two bytes
        for (uint64_t r = 0; r < ranges; ++r)
          if (!c.varint(a) || !c.varint(b)) return false;
        if (type == 0x03 && (!c.varint(a) || !c.varint(a) || !c.varint(a))) return false;
        break;
      }
      case 0x06: {  // CRYPTO
        if (!c.varint(a) || !c.varint(b) || b > c.left() || a + b > kMaxVarint) return false;
        if (record) addCrypto(a, plain + c.i, static_cast<size_t>(b));
        c.i += static_cast<size_t>(b);
        break;
      }
      case 0x1c:  // CONNECTION_CLOSE: the rest of the packet does not matter
      case 0x1d: return true;
      default: return false;
    }
  }
  return any;  // a packet without frames is a protocol violation (RFC 9000 §12.4)
}

void QuicInitialReader::addCrypto(uint64_t offset, const uint8_t* data, size_t len) {
  if (offset >= kMaxCrypto || len == 0) return;
  const auto off = static_cast<size_t>(offset);
  const size_t n = std::min(len, kMaxCrypto - off);
  std::memcpy(crypto_ + off, data, n);
  for (size_t pos = off; pos < off + n;) {  // set bits [off, off + n), a word at a time
    const size_t bit = pos % 64;
    const size_t count = std::min<size_t>(64 - bit, off + n - pos);
    const uint64_t bits = count == 64 ? ~uint64_t{0} : ((uint64_t{1} << count) - 1) << bit;
    haveMask_[pos / 64] |= bits;
    pos += count;
  }
  while (contiguous_ < kMaxCrypto) {
    const size_t bit = contiguous_ % 64;
    const auto run = static_cast<size_t>(std::countr_zero(~(haveMask_[contiguous_ / 64] >> bit)));
    contiguous_ += std::min(run, 64 - bit);
    if (run < 64 - bit) break;
  }
}

QuicStatus QuicInitialReader::helloStatus(ClientHelloInfo& out) const {
  if (contiguous_ < 4) return QuicStatus::NeedMore;
  if (crypto_[0] != 0x01) return QuicStatus::Malformed;  // a client's first message is ClientHello
  const size_t msgLen =
      4 + ((size_t{crypto_[1]} << 16) | (size_t{crypto_[2]} << 8) | size_t{crypto_[3]});
  ClientHelloInfo info;
  if (msgLen > kMaxCrypto) {
    // Larger than the buffer: once the buffer is full, read what it holds (the server_name
    // usually comes early); the rest of the message is never kept.
    if (contiguous_ < kMaxCrypto) return QuicStatus::NeedMore;
    if (parseClientHelloHandshakePrefix(crypto_, kMaxCrypto, info) != TlsStatus::Ok)
      return QuicStatus::Malformed;
    out = info;
    return QuicStatus::Ok;
  }
  if (contiguous_ < msgLen) return QuicStatus::NeedMore;
  if (parseClientHelloHandshake(crypto_, msgLen, info) != TlsStatus::Ok)
    return QuicStatus::Malformed;
  out = info;
  return QuicStatus::Ok;
}

QuicStatus QuicInitialReader::readInitial(const uint8_t* pkt, size_t pnOffset, size_t end,
                                          uint32_t version, const uint8_t* dcid, uint8_t dcidLen) {
  if (end - pnOffset < kSampleOffset + kSampleLen) return QuicStatus::DecryptFailed;
  if (end > kMaxPacket) return QuicStatus::Malformed;
  // The client keeps the keys of its first Initial (or of the Retry's DCID) after it switches
  // to the server's connection ID, so the keys that worked last are tried first; keys derived
  // from the packet's own DCID (first Initial, after a Retry, a new connection) come next.
  Opened o;
  if (active_.valid && active_.version == version)
    o = open(pkt, pnOffset, end, active_, largestPn_);
  bool switched = false;
  if (!o.ok && !sameCid(active_, version, dcid, dcidLen)) {
    if (!sameCid(derived_, version, dcid, dcidLen) &&
        !quic_detail::deriveClientInitialKeys(version, dcid, dcidLen, derived_))
      return QuicStatus::DecryptFailed;
    o = open(pkt, pnOffset, end, derived_, -1);
    switched = o.ok;
  }
  if (!o.ok) return QuicStatus::DecryptFailed;
  if (!walkFrames(o.plain, o.len, false)) return QuicStatus::Malformed;
  if (switched) {
    // New keys mean a new CRYPTO stream: after a Retry the client sends its ClientHello again
    // from offset 0, and a new connection has its own; never join bytes across the two.
    if (active_.valid) {
      contiguous_ = 0;
      std::memset(haveMask_, 0, sizeof(haveMask_));
      largestPn_ = -1;
    }
    active_ = derived_;
  }
  walkFrames(o.plain, o.len, true);
  largestPn_ = std::max(largestPn_, static_cast<int64_t>(o.packetNumber));
  return QuicStatus::NeedMore;
}

QuicStatus QuicInitialReader::feed(const uint8_t* datagram, size_t len, ClientHelloInfo& out) {
  if (datagram == nullptr || len == 0 || (datagram[0] & 0x80) == 0) return QuicStatus::NotQuic;
  bool read = false;
  QuicStatus failure = QuicStatus::NotInitial;
  auto fail = [&failure](QuicStatus s) {
    if (failureRank(s) > failureRank(failure)) failure = s;
  };
  size_t pos = 0;
  // Coalesced packets follow one another; a short header or padding ends the long headers.
  while (pos < len && (datagram[pos] & 0x80) != 0) {
    const uint8_t* pkt = datagram + pos;
    LongHeader h;
    const HeaderResult hr = parseLongHeader(pkt, len - pos, h);
    if (h.version != 0) version_ = h.version;  // also for a packet cut short after it
    if (hr == HeaderResult::VersionNegotiation || hr == HeaderResult::Retry) break;
    if (hr == HeaderResult::Unsupported) {
      fail(QuicStatus::UnsupportedVersion);
      break;
    }
    if (hr == HeaderResult::Malformed) {
      fail(QuicStatus::Malformed);
      break;
    }
    if (h.type == LongType::Initial) {
      const QuicStatus s = readInitial(pkt, h.pnOffset, h.end, h.version, h.dcid, h.dcidLen);
      if (s == QuicStatus::NeedMore)
        read = true;
      else
        fail(s);
    }
    pos += h.end;
  }
  if (!read) return failure;
  return helloStatus(out);
}

}  // namespace egressmon
