// QUIC client Initial reading: RFC 9001 / RFC 9369 vectors, reassembly, coalescing, failure
// statuses, truncation, and client datagrams from tcpdump's QUIC captures.
#include "egressmon/names/quic.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <fstream>
#include <iterator>
#include <new>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

namespace egressmon {
namespace {

using Bytes = std::vector<uint8_t>;
using quic_detail::InitialSpec;
using quic_detail::kVersion1;
using quic_detail::kVersion2;

Bytes hex(std::string_view s) {
  Bytes out;
  auto nibble = [](char c) {
    return static_cast<uint8_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  };
  for (size_t i = 0; i + 1 < s.size();) {
    if (s[i] == ' ') {  // spaces only group the fields
      ++i;
      continue;
    }
    out.push_back(static_cast<uint8_t>(nibble(s[i]) << 4 | nibble(s[i + 1])));
    i += 2;
  }
  return out;
}

Bytes fixture(const std::string& name) {
  std::ifstream in(std::string(EGRESSMON_SOURCE_DIR) + "/tests/fixtures/quic/" + name,
                   std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// RFC 9001 A.1 / RFC 9369 A.1 inputs and client outputs.
const Bytes kRfcDcid = hex("8394c8f03e515708");

// RFC 9001 A.2 (and RFC 9369 A.2): the CRYPTO frame of the client Initial, then 917 bytes of
// PADDING make the 1162-byte payload. The frame header is 06 00 40f1 (offset 0, length 241).
const Bytes kRfcCryptoFrame =
    hex("060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
        "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
        "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
        "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
        "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
        "0d0010000e0403050306030203080408050806002d00020101001c0002400100"
        "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
        "75300901100f088394c8f03e51570806048000ffff");
const Bytes kRfcHello(kRfcCryptoFrame.begin() + 4, kRfcCryptoFrame.end());

Bytes rfcPayload() {
  Bytes p = kRfcCryptoFrame;
  p.resize(1162, 0x00);
  return p;
}

std::string toHex(const uint8_t* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += d[p[i] >> 4];
    s += d[p[i] & 15];
  }
  return s;
}

void putVarint(Bytes& out, uint64_t v) {
  if (v < 64) {
    out.push_back(static_cast<uint8_t>(v));
  } else if (v < 16384) {
    out.push_back(static_cast<uint8_t>(0x40 | (v >> 8)));
    out.push_back(static_cast<uint8_t>(v));
  } else {
    out.push_back(static_cast<uint8_t>(0x80 | (v >> 24)));
    out.push_back(static_cast<uint8_t>(v >> 16));
    out.push_back(static_cast<uint8_t>(v >> 8));
    out.push_back(static_cast<uint8_t>(v));
  }
}

Bytes cryptoFrame(uint64_t offset, const uint8_t* data, size_t len) {
  Bytes f{0x06};
  putVarint(f, offset);
  putVarint(f, len);
  f.insert(f.end(), data, data + len);
  return f;
}

void append(Bytes& a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
}

struct Packet {
  uint32_t version = kVersion1;
  Bytes dcid = kRfcDcid;
  Bytes keyDcid;  // empty: keys from dcid
  Bytes scid;
  Bytes token;
  uint64_t pn = 0;
  uint8_t pnLen = 4;
};

Bytes protect(const Packet& p, const Bytes& payload) {
  InitialSpec s;
  s.version = p.version;
  s.dcid = p.dcid.data();
  s.dcidLen = static_cast<uint8_t>(p.dcid.size());
  s.scid = p.scid.data();
  s.scidLen = static_cast<uint8_t>(p.scid.size());
  s.token = p.token.data();
  s.tokenLen = p.token.size();
  s.packetNumber = p.pn;
  s.pnLen = p.pnLen;
  if (!p.keyDcid.empty()) {
    s.keyDcid = p.keyDcid.data();
    s.keyDcidLen = static_cast<uint8_t>(p.keyDcid.size());
  }
  Bytes out(payload.size() + 128 + p.token.size());
  const size_t n =
      quic_detail::protectClientInitial(s, payload.data(), payload.size(), out.data(), out.size());
  EXPECT_NE(n, 0u);
  out.resize(n);
  return out;
}

// A long-header packet of another type with opaque contents (Handshake, 0-RTT).
Bytes otherLongPacket(uint32_t version, uint8_t typeBits, size_t bodyLen) {
  Bytes p{static_cast<uint8_t>(0xc0 | (typeBits << 4)), static_cast<uint8_t>(version >> 24),
          static_cast<uint8_t>(version >> 16), static_cast<uint8_t>(version >> 8),
          static_cast<uint8_t>(version)};
  p.push_back(4);
  append(p, {0xaa, 0xbb, 0xcc, 0xdd});
  p.push_back(0);
  putVarint(p, bodyLen);
  for (size_t i = 0; i < bodyLen; ++i) p.push_back(static_cast<uint8_t>(i * 7));
  return p;
}

QuicStatus feed(QuicInitialReader& r, const Bytes& d, ClientHelloInfo& out) {
  return r.feed(d.data(), d.size(), out);
}

Bytes crypto(const QuicInitialReader& r) {
  return Bytes(r.cryptoData(), r.cryptoData() + r.cryptoLength());
}

// The RFC ClientHello cut after 100 bytes into two CRYPTO frames, each padded to 1100 bytes.
struct SplitHello {
  Bytes first;
  Bytes second;
};
SplitHello splitHello() {
  const size_t cut = 100;
  SplitHello h{cryptoFrame(0, kRfcHello.data(), cut),
               cryptoFrame(cut, kRfcHello.data() + cut, kRfcHello.size() - cut)};
  h.first.resize(1100, 0);
  h.second.resize(1100, 0);
  return h;
}

// ---- RFC vectors ----

TEST(QuicKeys, Rfc9001ClientInitialKeys) {
  quic_detail::InitialKeys k;
  ASSERT_TRUE(quic_detail::deriveClientInitialKeys(kVersion1, kRfcDcid.data(), kRfcDcid.size(), k));
  EXPECT_EQ(toHex(k.secret, 32),
            "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea");
  EXPECT_EQ(toHex(k.key, 16), "1f369613dd76d5467730efcbe3b1a22d");
  EXPECT_EQ(toHex(k.iv, 12), "fa044b2f42a3fd3b46fb255c");
  EXPECT_EQ(toHex(k.hp, 16), "9f50449e04a0e810283a1e9933adedd2");
}

TEST(QuicKeys, Rfc9369ClientInitialKeys) {
  quic_detail::InitialKeys k;
  ASSERT_TRUE(quic_detail::deriveClientInitialKeys(kVersion2, kRfcDcid.data(), kRfcDcid.size(), k));
  EXPECT_EQ(toHex(k.secret, 32),
            "14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b");
  EXPECT_EQ(toHex(k.key, 16), "8b1a0bc121284290a29e0971b5cd045d");
  EXPECT_EQ(toHex(k.iv, 12), "91f73e2351d8fa91660e909f");
  EXPECT_EQ(toHex(k.hp, 16), "45b95e15235d6f45a6b19cbcb0294ba9");
}

TEST(QuicKeys, OtherVersionsAndLongCidsAreRefused) {
  quic_detail::InitialKeys k;
  EXPECT_FALSE(
      quic_detail::deriveClientInitialKeys(0xff00001d, kRfcDcid.data(), kRfcDcid.size(), k));
  const Bytes longCid(21, 1);
  EXPECT_FALSE(quic_detail::deriveClientInitialKeys(kVersion1, longCid.data(), longCid.size(), k));
  EXPECT_TRUE(quic_detail::deriveClientInitialKeys(kVersion1, nullptr, 0, k));  // zero-length CID
}

// The 1200 protected bytes of the A.2 fixtures decrypt under the RFC's own keys (checked by
// tests/fixtures/quic/crosscheck.py); building the same packet here must give them back exactly,
// which pins the header protection (sample d1b1c98d..., mask 437b9aec36) and the AEAD.
TEST(QuicRfc9001, ProtectReproducesTheRfcPacket) {
  const Bytes rfc = fixture("rfc9001_a2_client_initial.bin");
  ASSERT_EQ(rfc.size(), 1200u);
  EXPECT_EQ(toHex(rfc.data(), 22), "c000000001088394c8f03e5157080000449e7b9aec34");
  EXPECT_EQ(toHex(rfc.data() + 22, 16), "d1b1c98dd7689fb8ec11d242b123dc9b");  // the sample
  Packet p;
  p.pn = 2;
  EXPECT_EQ(protect(p, rfcPayload()), rfc);
}

TEST(QuicRfc9001, ReaderDecryptsTheRfcPacket) {
  const Bytes rfc = fixture("rfc9001_a2_client_initial.bin");
  QuicInitialReader r;
  ClientHelloInfo info;
  ASSERT_EQ(feed(r, rfc, info), QuicStatus::Ok);
  EXPECT_EQ(crypto(r), kRfcHello);  // the CRYPTO frame data, byte for byte
  EXPECT_EQ(r.version(), kVersion1);
  EXPECT_TRUE(info.hasSni);
  EXPECT_EQ(info.sniView(), "example.com");
  EXPECT_EQ(info.alpnView(), "alpn");
  EXPECT_EQ(info.maxVersion, 0x0304);
}

TEST(QuicRfc9369, ProtectReproducesTheRfcPacket) {
  const Bytes rfc = fixture("rfc9369_a2_client_initial.bin");
  ASSERT_EQ(rfc.size(), 1200u);
  EXPECT_EQ(toHex(rfc.data(), 22), "d76b3343cf088394c8f03e5157080000449ea0c95e82");
  Packet p;
  p.version = kVersion2;
  p.pn = 2;
  EXPECT_EQ(protect(p, rfcPayload()), rfc);
}

TEST(QuicRfc9369, ReaderDecryptsTheRfcPacket) {
  const Bytes rfc = fixture("rfc9369_a2_client_initial.bin");
  QuicInitialReader r;
  ClientHelloInfo info;
  ASSERT_EQ(feed(r, rfc, info), QuicStatus::Ok);
  EXPECT_EQ(crypto(r), kRfcHello);
  EXPECT_EQ(r.version(), kVersion2);
  EXPECT_EQ(info.sniView(), "example.com");
}

// ---- reassembly ----

TEST(QuicReader, HelloSplitOverTwoInitialsInReverseOrder) {
  Packet p1;
  p1.pn = 0;
  p1.pnLen = 1;
  Packet p2 = p1;
  p2.pn = 1;
  const auto [pay1, pay2] = splitHello();
  QuicInitialReader r;
  ClientHelloInfo info;
  EXPECT_EQ(feed(r, protect(p2, pay2), info), QuicStatus::NeedMore);
  EXPECT_EQ(r.cryptoLength(), 0u);
  EXPECT_FALSE(info.hasSni);
  EXPECT_EQ(feed(r, protect(p1, pay1), info), QuicStatus::Ok);
  EXPECT_EQ(crypto(r), kRfcHello);
  EXPECT_EQ(info.sniView(), "example.com");
}

TEST(QuicReader, ShuffledSmallCryptoFramesWithPingAndPadding) {
  // Clients (Chrome) cut the ClientHello into small CRYPTO frames in a shuffled order.
  std::vector<size_t> starts;
  for (size_t off = 0; off < kRfcHello.size(); off += 7) starts.push_back(off);
  std::reverse(starts.begin(), starts.end());
  std::rotate(starts.begin(), starts.begin() + 5, starts.end());
  Bytes payload;
  for (size_t off : starts) {
    const size_t n = std::min<size_t>(7 + 3, kRfcHello.size() - off);  // frames overlap by 3
    append(payload, cryptoFrame(off, kRfcHello.data() + off, n));
    payload.push_back(0x01);  // PING
    payload.push_back(0x00);  // PADDING
  }
  payload.resize(1150, 0);
  QuicInitialReader r;
  ClientHelloInfo info;
  EXPECT_EQ(feed(r, protect(Packet{}, payload), info), QuicStatus::Ok);
  EXPECT_EQ(crypto(r), kRfcHello);
}

TEST(QuicReader, AckFramesAreSkippedAndConnectionCloseStops) {
  Bytes payload = hex("02 05 4010 02 01 00 01 01 00");  // ACK, two ranges
  append(payload, hex("03 07 00 00 00 01 4001 02"));    // ACK_ECN
  append(payload, kRfcCryptoFrame);
  append(payload, hex("1c 0a 00 00"));  // CONNECTION_CLOSE
  append(payload, hex("08ffff"));       // ignored after the close
  payload.resize(1162, 0);
  QuicInitialReader r;
  ClientHelloInfo info;
  EXPECT_EQ(feed(r, protect(Packet{}, payload), info), QuicStatus::Ok);
  EXPECT_EQ(info.sniView(), "example.com");
}

TEST(QuicReader, ForbiddenFrameMakesThePacketMalformedAndRecordsNothing) {
  Bytes payload = kRfcCryptoFrame;
  append(payload, hex("08 00 00"));  // STREAM is not allowed in an Initial
  payload.resize(1162, 0);
  QuicInitialReader r;
  ClientHelloInfo info;
  EXPECT_EQ(feed(r, protect(Packet{}, payload), info), QuicStatus::Malformed);
  EXPECT_EQ(r.cryptoLength(), 0u);
  EXPECT_FALSE(info.hasSni);
  // Truncated frames are malformed too.
  for (const char* bad : {"06", "0600", "060040f101", "02", "0201020304", "1e"}) {
    QuicInitialReader r2;
    EXPECT_EQ(feed(r2, protect(Packet{}, hex(bad)), info), QuicStatus::Malformed) << bad;
  }
  QuicInitialReader r3;  // a packet without frames
  EXPECT_EQ(feed(r3, protect(Packet{}, Bytes{}), info), QuicStatus::Malformed);
}

TEST(QuicReader, NonClientHelloFirstMessageIsMalformed) {
  Bytes msg = kRfcHello;
  msg[0] = 0x02;  // ServerHello
  Bytes payload = cryptoFrame(0, msg.data(), msg.size());
  payload.resize(1100, 0);
  QuicInitialReader r;
  ClientHelloInfo info;
  EXPECT_EQ(feed(r, protect(Packet{}, payload), info), QuicStatus::Malformed);
}

TEST(QuicReader, PacketNumbersAreDecodedAgainstTheLargestSeen) {
  Packet a;
  a.pn = 300;
  a.pnLen = 2;
  Packet b;
  b.pn = 301;
  b.pnLen = 1;  // 0x2d on the wire: only right if decoded near 300
  Bytes pay1 = cryptoFrame(0, kRfcHello.data(), 50);
  Bytes pay2 = cryptoFrame(50, kRfcHello.data() + 50, kRfcHello.size() - 50);
  pay1.resize(1100, 0);
  pay2.resize(1100, 0);
  QuicInitialReader r;
  ClientHelloInfo info;
  EXPECT_EQ(feed(r, protect(a, pay1), info), QuicStatus::NeedMore);
  EXPECT_EQ(feed(r, protect(b, pay2), info), QuicStatus::Ok);
}

TEST(QuicReader, KeysOfTheFirstInitialSurviveADcidChange) {
  // After the server's Initial the client sends to the server's CID, still with the keys of
  // its first DCID.
  Packet first;
  Packet later;
  later.dcid = hex("0102030405");
  later.keyDcid = first.dcid;
  later.pn = 1;
  Bytes pay1 = cryptoFrame(0, kRfcHello.data(), 120);
  Bytes pay2 = cryptoFrame(120, kRfcHello.data() + 120, kRfcHello.size() - 120);
  pay1.resize(1100, 0);
  pay2.resize(1100, 0);
  QuicInitialReader r;
  ClientHelloInfo info;
  EXPECT_EQ(feed(r, protect(first, pay1), info), QuicStatus::NeedMore);
  EXPECT_EQ(feed(r, protect(later, pay2), info), QuicStatus::Ok);
  // A Retry moves the keys to the new DCID, and the client sends its ClientHello again from
  // offset 0 under them.
  Packet retried = later;
  retried.keyDcid.clear();
  retried.token = Bytes(40, 0x5a);
  Bytes whole = kRfcCryptoFrame;
  whole.resize(1100, 0);
  QuicInitialReader r2;
  EXPECT_EQ(feed(r2, protect(first, pay1), info), QuicStatus::NeedMore);
  EXPECT_EQ(feed(r2, protect(retried, whole), info), QuicStatus::Ok);
  EXPECT_EQ(crypto(r2), kRfcHello);
  // Keys of another DCID start a new CRYPTO stream: the rest of the hello from a new
  // connection is not joined to the start from the old one.
  QuicInitialReader r3;
  ClientHelloInfo none;
  EXPECT_EQ(feed(r3, protect(first, pay1), none), QuicStatus::NeedMore);
  EXPECT_EQ(feed(r3, protect(retried, pay2), none), QuicStatus::NeedMore);
  EXPECT_EQ(r3.cryptoLength(), 0u);
  EXPECT_FALSE(none.hasSni);
}

TEST(QuicReader, HelloLargerThanTheBufferIsReadAsFarAsItGoes) {
  // ClientHello: legacy_version, random, empty session id, one suite, null compression, then
  // server_name and a padding extension that makes the message ~10 KB.
  const std::string host = "big.example.org";
  const size_t listLen = 3 + host.size();
  Bytes sni = {0x00,
               0x00,
               static_cast<uint8_t>((listLen + 2) >> 8),
               static_cast<uint8_t>(listLen + 2),
               static_cast<uint8_t>(listLen >> 8),
               static_cast<uint8_t>(listLen),
               0x00,
               static_cast<uint8_t>(host.size() >> 8),
               static_cast<uint8_t>(host.size())};
  sni.insert(sni.end(), host.begin(), host.end());
  const size_t padLen = 10000;
  Bytes ext = sni;
  append(ext, {0x00, 0x15, static_cast<uint8_t>(padLen >> 8), static_cast<uint8_t>(padLen)});
  ext.resize(ext.size() + padLen, 0);
  Bytes body = {0x03, 0x03};
  body.resize(body.size() + 32, 0x11);
  append(body, {0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00});
  append(body, {static_cast<uint8_t>(ext.size() >> 8), static_cast<uint8_t>(ext.size())});
  append(body, ext);
  Bytes hello = {0x01, 0x00, static_cast<uint8_t>(body.size() >> 8),
                 static_cast<uint8_t>(body.size())};
  append(hello, body);
  ASSERT_GT(hello.size(), QuicInitialReader::kMaxCrypto);

  QuicInitialReader r;
  ClientHelloInfo info;
  QuicStatus last = QuicStatus::NeedMore;
  uint64_t pn = 0;
  for (size_t off = 0; off < hello.size(); off += 1000, ++pn) {
    const size_t n = std::min<size_t>(1000, hello.size() - off);
    Bytes pay = cryptoFrame(off, hello.data() + off, n);
    pay.resize(std::max<size_t>(pay.size(), 1100), 0);
    Packet p;
    p.pn = pn;
    last = feed(r, protect(p, pay), info);
    if (off + n < QuicInitialReader::kMaxCrypto) {
      EXPECT_EQ(last, QuicStatus::NeedMore) << off;
    }
  }
  EXPECT_EQ(last, QuicStatus::Ok);
  EXPECT_EQ(r.cryptoLength(), QuicInitialReader::kMaxCrypto);
  EXPECT_EQ(info.sniView(), host);
}

// ---- datagram shapes and failures ----

TEST(QuicReader, CoalescedInitialAndHandshake) {
  Bytes d = protect(Packet{}, rfcPayload());
  append(d, otherLongPacket(kVersion1, 0x2, 60));  // Handshake
  d.resize(d.size() + 30, 0);                      // trailing padding
  QuicInitialReader r;
  ClientHelloInfo info;
  EXPECT_EQ(feed(r, d, info), QuicStatus::Ok);
  EXPECT_EQ(info.sniView(), "example.com");

  // Handshake first, then the Initial; and a Handshake-only datagram.
  Bytes d2 = otherLongPacket(kVersion1, 0x2, 60);
  append(d2, protect(Packet{}, rfcPayload()));
  QuicInitialReader r2;
  EXPECT_EQ(feed(r2, d2, info), QuicStatus::Ok);
  QuicInitialReader r3;
  EXPECT_EQ(feed(r3, otherLongPacket(kVersion1, 0x2, 60), info), QuicStatus::NotInitial);
  EXPECT_EQ(feed(r3, otherLongPacket(kVersion1, 0x1, 60), info), QuicStatus::NotInitial);  // 0-RTT
  // In v2 the type bits move: 0b10 is 0-RTT, 0b11 Handshake, 0b00 Retry.
  EXPECT_EQ(feed(r3, otherLongPacket(kVersion2, 0x3, 60), info), QuicStatus::NotInitial);
}

TEST(QuicReader, TwoInitialsCoalescedInOneDatagram) {
  Packet p1;
  Packet p2;
  p2.pn = 1;
  Bytes d = protect(p1, cryptoFrame(130, kRfcHello.data() + 130, kRfcHello.size() - 130));
  append(d, protect(p2, cryptoFrame(0, kRfcHello.data(), 130)));
  QuicInitialReader r;
  ClientHelloInfo info;
  EXPECT_EQ(feed(r, d, info), QuicStatus::Ok);
  EXPECT_EQ(crypto(r), kRfcHello);
}

TEST(QuicReader, VersionNegotiationRetryShortHeaderAndOtherVersions) {
  QuicInitialReader r;
  ClientHelloInfo info;
  EXPECT_EQ(feed(r, hex("80000000000408a1b2c3d4 04aabbccdd 00000001 6b3343cf"), info),
            QuicStatus::NotInitial);  // Version Negotiation
  EXPECT_EQ(r.version(), 0u);
  // v1 Retry (type 11) and v2 Retry (type 00): token and integrity tag, no Length field.
  EXPECT_EQ(
      feed(r, hex("f0000000010401020304000102030405060708090a0b0c0d0e0f10111213141516"), info),
      QuicStatus::NotInitial);
  EXPECT_EQ(
      feed(r, hex("c06b3343cf0401020304000102030405060708090a0b0c0d0e0f10111213141516"), info),
      QuicStatus::NotInitial);
  EXPECT_EQ(feed(r, hex("4001020304050607080900"), info), QuicStatus::NotQuic);  // short header
  EXPECT_EQ(feed(r, Bytes{}, info), QuicStatus::NotQuic);
  EXPECT_EQ(r.feed(nullptr, 10, info), QuicStatus::NotQuic);
  EXPECT_EQ(feed(r, hex("c0ff00001d08 0102030405060708 00 00 4100"), info),
            QuicStatus::UnsupportedVersion);  // draft-29
  EXPECT_EQ(r.version(), 0xff00001du);
  EXPECT_EQ(feed(r, hex("c0"), info), QuicStatus::Malformed);
  EXPECT_EQ(feed(r, hex("c000000001 15"), info), QuicStatus::Malformed);  // DCID > 20
  EXPECT_FALSE(info.hasSni);
}

TEST(QuicReader, AuthenticationFailuresChangeNothing) {
  const Bytes good = protect(Packet{}, rfcPayload());
  // Last byte (tag), a ciphertext byte, a header byte (AAD), the protected PN.
  for (size_t at : {good.size() - 1, size_t{200}, size_t{7}, size_t{19}}) {
    Bytes bad = good;
    bad[at] ^= 0x01;
    QuicInitialReader r;
    ClientHelloInfo info;
    EXPECT_EQ(feed(r, bad, info), QuicStatus::DecryptFailed) << at;
    EXPECT_EQ(r.cryptoLength(), 0u);
    EXPECT_FALSE(info.hasSni);
    EXPECT_EQ(feed(r, good, info), QuicStatus::Ok) << at;  // nothing left behind
  }
  // Keys of another DCID.
  Packet wrong;
  wrong.keyDcid = hex("0000000000000000");
  QuicInitialReader r;
  ClientHelloInfo info;
  EXPECT_EQ(feed(r, protect(wrong, rfcPayload()), info), QuicStatus::DecryptFailed);
  // Too short to hold a header protection sample.
  EXPECT_EQ(feed(r, hex("c000000001 0401020304 00 00 05 0102030405"), info),
            QuicStatus::DecryptFailed);
}

TEST(QuicReader, TruncatedDatagramsNeverGiveAHello) {
  const Bytes initial = protect(Packet{}, rfcPayload());
  Bytes d = initial;
  append(d, otherLongPacket(kVersion1, 0x2, 40));
  for (size_t len = 0; len <= d.size(); ++len) {
    QuicInitialReader r;
    ClientHelloInfo info;
    const QuicStatus s = r.feed(d.data(), len, info);
    if (len >= initial.size()) {
      EXPECT_EQ(s, QuicStatus::Ok) << len;
      EXPECT_EQ(info.sniView(), "example.com");
    } else {
      EXPECT_NE(s, QuicStatus::Ok) << len;
      EXPECT_NE(s, QuicStatus::NeedMore) << len;
      EXPECT_EQ(r.cryptoLength(), 0u) << len;
      EXPECT_FALSE(info.hasSni) << len;
    }
  }
}

// The per-thread cipher contexts keep the key they were last given: Initials of three flows
// (v1 and v2, other DCIDs) fed interleaved, some protected just before (encryption under the
// same key), some back to back under one key, all decrypt.
TEST(QuicReader, InterleavedFlowsUnderDifferentKeys) {
  const auto [pay1, pay2] = splitHello();
  struct Flow {
    Packet first;
    Packet second;
    QuicInitialReader reader;
    ClientHelloInfo info;
  };
  std::vector<Flow> flows(3);
  flows[1].first.version = kVersion2;
  flows[1].first.dcid = hex("1112131415161718");
  flows[2].first.dcid = hex("0102030405");
  for (Flow& f : flows) {
    f.second = f.first;
    f.second.pn = 1;
  }
  const Bytes early = protect(flows[0].second, pay2);  // flow 0's keys, then the others'
  for (Flow& f : flows)
    EXPECT_EQ(feed(f.reader, protect(f.first, pay1), f.info), QuicStatus::NeedMore);
  EXPECT_EQ(feed(flows[0].reader, early, flows[0].info), QuicStatus::Ok);
  const Bytes late1 = protect(flows[1].second, pay2);
  const Bytes late2 = protect(flows[2].second, pay2);
  EXPECT_EQ(feed(flows[2].reader, late2, flows[2].info), QuicStatus::Ok);
  EXPECT_EQ(feed(flows[1].reader, late1, flows[1].info), QuicStatus::Ok);
  for (const Flow& f : flows) {
    EXPECT_EQ(crypto(f.reader), kRfcHello);
    EXPECT_EQ(f.info.sniView(), "example.com");
  }
  // Under one key, a packet that fails authentication leaves the context usable.
  QuicInitialReader r;
  ClientHelloInfo info;
  Bytes bad = protect(flows[0].second, pay2);
  bad[bad.size() - 1] ^= 0x80;
  EXPECT_EQ(feed(r, protect(flows[0].first, pay1), info), QuicStatus::NeedMore);
  EXPECT_EQ(feed(r, bad, info), QuicStatus::DecryptFailed);
  EXPECT_EQ(feed(r, early, info), QuicStatus::Ok);
}

// Key derivation and decryption from several threads at once (per-thread contexts, shared
// read-only salt states) give the RFC results on every thread.
TEST(QuicReader, SeveralThreadsAtOnce) {
  const Bytes rfc1 = fixture("rfc9001_a2_client_initial.bin");
  const Bytes rfc2 = fixture("rfc9369_a2_client_initial.bin");
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        quic_detail::InitialKeys k;
        const bool v2 = (i + t) % 2 != 0;
        const bool derived = quic_detail::deriveClientInitialKeys(
            v2 ? kVersion2 : kVersion1, kRfcDcid.data(), kRfcDcid.size(), k);
        QuicInitialReader r;
        ClientHelloInfo info;
        if (derived && toHex(k.hp, 2) == (v2 ? "45b9" : "9f50") &&
            r.feed((v2 ? rfc2 : rfc1).data(), 1200, info) == QuicStatus::Ok &&
            info.sniView() == "example.com")
          ++good;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(good.load(), 200);
}

TEST(QuicReader, StatusNames) {
  EXPECT_STREQ(quicStatusName(QuicStatus::Ok), "ok");
  EXPECT_STREQ(quicStatusName(QuicStatus::NeedMore), "need_more");
  EXPECT_STREQ(quicStatusName(QuicStatus::NotQuic), "not_quic");
  EXPECT_STREQ(quicStatusName(QuicStatus::NotInitial), "not_initial");
  EXPECT_STREQ(quicStatusName(QuicStatus::UnsupportedVersion), "unsupported_version");
  EXPECT_STREQ(quicStatusName(QuicStatus::DecryptFailed), "decrypt_failed");
  EXPECT_STREQ(quicStatusName(QuicStatus::Malformed), "malformed");
}

// A reader's CRYPTO buffer is not cleared on construction: one built over garbage reads the
// same as one built over zeros.
TEST(QuicReader, ConstructedOverGarbageReadsTheSame) {
  Packet p1;
  Packet p2 = p1;
  p2.pn = 1;
  const auto [pay1, pay2] = splitHello();
  for (const int fill : {0x00, 0x01, 0xa5, 0xff}) {
    alignas(QuicInitialReader) unsigned char storage[sizeof(QuicInitialReader)];
    std::memset(storage, fill, sizeof(storage));
    auto* r = new (storage) QuicInitialReader();
    ClientHelloInfo info;
    EXPECT_EQ(r->cryptoLength(), 0u);
    EXPECT_EQ(feed(*r, protect(p2, pay2), info), QuicStatus::NeedMore) << fill;
    EXPECT_EQ(r->cryptoLength(), 0u);
    EXPECT_EQ(feed(*r, protect(p1, pay1), info), QuicStatus::Ok) << fill;
    EXPECT_EQ(crypto(*r), kRfcHello);
    EXPECT_EQ(info.sniView(), "example.com");
  }
}

TEST(QuicReader, FixedSize) {
  static_assert(sizeof(QuicInitialReader) < QuicInitialReader::kMaxCrypto + 1536);
  static_assert(std::is_trivially_copyable_v<QuicInitialReader>);
}

// ---- tcpdump captures (tests/fixtures/quic/README.md). tcpdump prints no QUIC payload; the
// expected names were read with tests/fixtures/quic/crosscheck.py, a separate implementation.

struct Step {
  const char* file;
  QuicStatus want;
};

void replay(const std::vector<Step>& steps, uint32_t wantVersion) {
  QuicInitialReader r;
  for (const Step& s : steps) {
    ClientHelloInfo info;
    const Bytes d = fixture(s.file);
    ASSERT_FALSE(d.empty()) << s.file;
    EXPECT_EQ(feed(r, d, info), s.want) << s.file;
    if (s.want == QuicStatus::Ok) {
      EXPECT_EQ(info.sniView(), "localhost") << s.file;
      EXPECT_EQ(info.alpnView(), "h3") << s.file;
      EXPECT_EQ(info.maxVersion, 0x0304) << s.file;
    }
  }
  EXPECT_EQ(r.version(), wantVersion);
}

TEST(QuicCorpus, Handshake) {
  replay({{"quic_handshake_0_c2s.bin", QuicStatus::Ok},
          {"quic_handshake_4_c2s.bin", QuicStatus::Ok},  // ACK only, new DCID, first keys
          {"quic_handshake_5_c2s.bin", QuicStatus::NotInitial},
          {"quic_handshake_6_c2s.bin", QuicStatus::NotInitial},
          {"quic_handshake_10_c2s.bin", QuicStatus::NotQuic}},
         kVersion1);
}

TEST(QuicCorpus, Retry) {
  replay({{"quic_retry_0_c2s.bin", QuicStatus::Ok},
          {"quic_retry_2_c2s.bin", QuicStatus::Ok},  // after Retry: keys of the new DCID
          {"quic_retry_5_c2s.bin", QuicStatus::Ok},
          {"quic_retry_8_c2s.bin", QuicStatus::NotInitial}},
         kVersion1);
  // The second Initial alone (a reader that missed the first) still reads the hello.
  replay({{"quic_retry_2_c2s.bin", QuicStatus::Ok}}, kVersion1);
  replay({{"quic_retry_1_s2c.bin", QuicStatus::NotInitial}}, kVersion1);  // the Retry itself
}

TEST(QuicCorpus, VersionNegotiation) {
  replay({{"quic_vn_0_c2s.bin", QuicStatus::UnsupportedVersion}}, 0x1a2a3a4a);  // greased
  replay({{"quic_vn_1_s2c.bin", QuicStatus::NotInitial}}, 0);
  replay({{"quic_vn_0_c2s.bin", QuicStatus::UnsupportedVersion},
          {"quic_vn_2_c2s.bin", QuicStatus::Ok},
          {"quic_vn_6_c2s.bin", QuicStatus::Ok}},
         kVersion1);
}

TEST(QuicCorpus, SnaplenTruncatedAndGoogleQuic) {
  replay({{"quic_handshake_truncated_0_c2s.bin", QuicStatus::Malformed},
          {"quic_handshake_truncated_4_c2s.bin", QuicStatus::Malformed}},
         kVersion1);
  replay({{"gquic_0_c2s.bin", QuicStatus::UnsupportedVersion}}, 0x51303436);  // "Q046"
}

TEST(QuicCorpus, EveryPrefixOfACapturedInitialIsSafe) {
  const Bytes d = fixture("quic_handshake_0_c2s.bin");
  for (size_t len = 0; len < d.size(); ++len) {
    QuicInitialReader r;
    ClientHelloInfo info;
    EXPECT_NE(r.feed(d.data(), len, info), QuicStatus::Ok) << len;
  }
}

}  // namespace
}  // namespace egressmon
