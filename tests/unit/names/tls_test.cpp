// ClientHello reader: real captured handshakes (tests/fixtures/tls, made by
// scripts/make-tls-fixtures.sh) and hand-built ones for what real clients here do not send.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "egressmon/names/tls.h"

namespace egressmon {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes readFixture(const std::string& name) {
  const std::string path = std::string(EGRESSMON_SOURCE_DIR) + "/tests/fixtures/tls/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void put16(Bytes& b, size_t v) {
  b.push_back(uint8_t(v >> 8));
  b.push_back(uint8_t(v));
}
void put24(Bytes& b, size_t v) {
  b.push_back(uint8_t(v >> 16));
  put16(b, v & 0xffff);
}
void append(Bytes& b, const Bytes& more) { b.insert(b.end(), more.begin(), more.end()); }
void append(Bytes& b, const std::string& s) { b.insert(b.end(), s.begin(), s.end()); }

Bytes sniExt(const std::string& name, uint8_t type = 0) {
  Bytes entry{type};
  put16(entry, name.size());
  append(entry, name);
  Bytes e;
  put16(e, entry.size());
  append(e, entry);
  return e;
}

Bytes alpnExt(const std::vector<std::string>& names) {
  Bytes list;
  for (const auto& n : names) {
    list.push_back(uint8_t(n.size()));
    append(list, n);
  }
  Bytes e;
  put16(e, list.size());
  append(e, list);
  return e;
}

Bytes versionsExt(const std::vector<uint16_t>& versions) {
  Bytes e{uint8_t(versions.size() * 2)};
  for (uint16_t v : versions) put16(e, v);
  return e;
}

// A ClientHello built field by field.
struct Hello {
  uint16_t legacy = 0x0303;
  Bytes sessionId = Bytes(32, 0x5a);
  std::vector<uint16_t> ciphers = {0x1301, 0x1302, 0x1303, 0xc02f};
  Bytes compression = {0};
  bool extensionsBlock = true;
  std::vector<std::pair<uint16_t, Bytes>> exts;

  Bytes body() const {
    Bytes b;
    put16(b, legacy);
    for (int i = 0; i < 32; ++i) b.push_back(uint8_t(i));
    b.push_back(uint8_t(sessionId.size()));
    append(b, sessionId);
    put16(b, ciphers.size() * 2);
    for (uint16_t c : ciphers) put16(b, c);
    b.push_back(uint8_t(compression.size()));
    append(b, compression);
    if (extensionsBlock) {
      Bytes e;
      for (const auto& [type, data] : exts) {
        put16(e, type);
        put16(e, data.size());
        append(e, data);
      }
      put16(b, e.size());
      append(b, e);
    }
    return b;
  }
  Bytes handshake() const {
    const Bytes b = body();
    Bytes m{1};
    put24(m, b.size());
    append(m, b);
    return m;
  }
  // Offset within handshake() where the extensions block length starts.
  size_t extensionsOffset() const {
    return 4 + 2 + 32 + 1 + sessionId.size() + 2 + ciphers.size() * 2 + 1 + compression.size();
  }
};

// Wraps a handshake message in TLS records, cutting the fragment at the given offsets.
Bytes records(const Bytes& msg, std::vector<size_t> cuts = {}, uint16_t version = 0x0301) {
  cuts.push_back(msg.size());
  Bytes out;
  size_t from = 0;
  for (size_t to : cuts) {
    out.push_back(22);
    put16(out, version);
    put16(out, to - from);
    out.insert(out.end(), msg.begin() + long(from), msg.begin() + long(to));
    from = to;
  }
  return out;
}

Hello typicalHello() {
  Hello h;
  h.exts = {{0, sniExt("Example.COM.")},
            {16, alpnExt({"h2", "http/1.1"})},
            {43, versionsExt({0x0304, 0x0303})}};
  return h;
}

TlsStatus parseRecords(const Bytes& b, ClientHelloInfo& out) {
  return parseClientHelloRecords(b.data(), b.size(), out);
}
TlsStatus parseHandshake(const Bytes& b, ClientHelloInfo& out) {
  return parseClientHelloHandshake(b.data(), b.size(), out);
}

// ---------------------------------------------------------------------------------------------
// Real handshakes.

struct RealCase {
  const char* file;
  bool hasSni;
  const char* sni;
  const char* alpn;
  uint16_t legacyVersion;
  uint16_t maxVersion;
};

const RealCase kRealCases[] = {
    {"openssl_tls13_sni_alpn.bin", true, "example.test", "h2,http/1.1", 0x0303, 0x0304},
    {"curl_tls13.bin", true, "www.example.test", "h2,http/1.1", 0x0303, 0x0304},
    {"openssl_tls12.bin", true, "tls12.example.test", "", 0x0303, 0x0303},
    {"openssl_no_sni.bin", false, "", "", 0x0303, 0x0304},
    // Sent as "...Example.TEST." with 42 ALPN names; kMaxAlpn keeps the first three.
    {"openssl_multiseg.bin", true,
     "segmented-clienthello-test-host-name-label-one.second-label-making-the-name-longer"
     ".third-label-for-good-measure.example.test",
     "h2,http/1.1,x-egressmon-padding-protocol-01", 0x0303, 0x0304},
};

void expectMatches(const ClientHelloInfo& info, const RealCase& c) {
  EXPECT_EQ(info.hasSni, c.hasSni);
  EXPECT_EQ(info.sniView(), c.sni);
  EXPECT_EQ(info.alpnView(), c.alpn);
  EXPECT_EQ(info.legacyVersion, c.legacyVersion);
  EXPECT_EQ(info.maxVersion, c.maxVersion);
  EXPECT_FALSE(info.ech);
  EXPECT_EQ(info.sni[info.sniLen], '\0');
  EXPECT_EQ(info.alpn[info.alpnLen], '\0');
}

TEST(TlsRealFixtures, RecordsParseToTheCapturedFields) {
  for (const auto& c : kRealCases) {
    SCOPED_TRACE(c.file);
    const Bytes rec = readFixture(c.file);
    ASSERT_GT(rec.size(), 5u);
    EXPECT_TRUE(looksLikeTlsHandshake(rec.data(), rec.size()));
    ClientHelloInfo info;
    ASSERT_EQ(parseRecords(rec, info), TlsStatus::Ok);
    expectMatches(info, c);
  }
}

TEST(TlsRealFixtures, HandshakeMessageParsesTheSame) {
  for (const auto& c : kRealCases) {
    SCOPED_TRACE(c.file);
    const Bytes rec = readFixture(c.file);
    ASSERT_GT(rec.size(), 5u);
    const Bytes msg(rec.begin() + 5, rec.end());  // each capture is one record
    ClientHelloInfo info;
    ASSERT_EQ(parseHandshake(msg, info), TlsStatus::Ok);
    expectMatches(info, c);
    ASSERT_EQ(parseClientHelloHandshakePrefix(msg.data(), msg.size(), info), TlsStatus::Ok);
    expectMatches(info, c);
  }
}

TEST(TlsRealFixtures, EveryPrefixNeedsMore) {
  for (const auto& c : kRealCases) {
    SCOPED_TRACE(c.file);
    const Bytes rec = readFixture(c.file);
    for (size_t n = 0; n < rec.size(); ++n) {
      ClientHelloInfo info;
      ASSERT_EQ(parseClientHelloRecords(rec.data(), n, info), TlsStatus::NeedMore) << n;
      if (n >= 5) {
        ASSERT_EQ(parseClientHelloHandshake(rec.data() + 5, n - 5, info), TlsStatus::NeedMore)
            << n;
      }
    }
  }
}

TEST(TlsRealFixtures, ResplitIntoRecordsParsesTheSame) {
  for (const auto& c : kRealCases) {
    SCOPED_TRACE(c.file);
    const Bytes rec = readFixture(c.file);
    const Bytes msg(rec.begin() + 5, rec.end());
    for (size_t a = 1; a < msg.size(); a += 7) {
      for (size_t b = a + 1; b < msg.size(); b += 61) {
        const Bytes three = records(msg, {a, b});
        ClientHelloInfo info;
        ASSERT_EQ(parseRecords(three, info), TlsStatus::Ok) << a << "," << b;
        expectMatches(info, c);
      }
    }
  }
}

TEST(TlsRealFixtures, FollowingRecordsAreIgnored) {
  Bytes rec = readFixture("openssl_tls13_sni_alpn.bin");
  append(rec, Bytes{0x14, 0x03, 0x03, 0x00, 0x01, 0x01, 0x17, 0x03, 0x03, 0x00, 0x02, 0xaa, 0xbb});
  ClientHelloInfo info;
  ASSERT_EQ(parseRecords(rec, info), TlsStatus::Ok);
  EXPECT_EQ(info.sniView(), "example.test");
}

// ---------------------------------------------------------------------------------------------
// Hand-built ClientHellos.

TEST(TlsClientHello, TypicalFields) {
  ClientHelloInfo info;
  ASSERT_EQ(parseRecords(records(typicalHello().handshake()), info), TlsStatus::Ok);
  EXPECT_TRUE(info.hasSni);
  EXPECT_EQ(info.sniView(), "example.com");  // lower-cased, trailing dot gone
  EXPECT_EQ(info.alpnView(), "h2,http/1.1");
  EXPECT_EQ(info.legacyVersion, 0x0303);
  EXPECT_EQ(info.maxVersion, 0x0304);
  EXPECT_FALSE(info.ech);
}

TEST(TlsClientHello, SplitOverThreeRecords) {
  const Bytes msg = typicalHello().handshake();
  // Cuts inside the handshake header and inside the server_name extension.
  for (const auto& cuts : std::vector<std::vector<size_t>>{{2, 40}, {1, 2}, {4, msg.size() - 1},
                                                           {60, 90}}) {
    ClientHelloInfo info;
    ASSERT_EQ(parseRecords(records(msg, cuts), info), TlsStatus::Ok);
    EXPECT_EQ(info.sniView(), "example.com");
    EXPECT_EQ(info.alpnView(), "h2,http/1.1");
  }
}

TEST(TlsClientHello, SplitRecordsCutAnywhereNeedMore) {
  const Bytes three = records(typicalHello().handshake(), {30, 70}, 0x0303);
  for (size_t n = 0; n < three.size(); ++n) {
    ClientHelloInfo info;
    ASSERT_EQ(parseClientHelloRecords(three.data(), n, info), TlsStatus::NeedMore) << n;
  }
}

TEST(TlsClientHello, EchPresent) {
  Hello h = typicalHello();
  h.exts.insert(h.exts.begin(), {0xfe0d, Bytes{0, 0, 1, 0, 1, 0x42, 0, 0, 0, 0}});
  ClientHelloInfo info;
  ASSERT_EQ(parseRecords(records(h.handshake()), info), TlsStatus::Ok);
  EXPECT_TRUE(info.ech);
  EXPECT_EQ(info.sniView(), "example.com");  // the outer (public) name
}

TEST(TlsClientHello, GreaseIgnored) {
  Hello h;
  h.ciphers = {0x2a2a, 0x1301, 0xc02b};
  h.exts = {{0x0a0a, Bytes{}},
            {0, sniExt("grease.example")},
            {16, alpnExt({std::string("\x3a\x3a", 2), "h2", std::string("\x0a\x0a", 2)})},
            {43, versionsExt({0x7a7a, 0x0304, 0x0303, 0xfafa})},
            {0xdada, Bytes{0}}};
  ClientHelloInfo info;
  ASSERT_EQ(parseRecords(records(h.handshake()), info), TlsStatus::Ok);
  EXPECT_EQ(info.sniView(), "grease.example");
  EXPECT_EQ(info.alpnView(), "h2");
  EXPECT_EQ(info.maxVersion, 0x0304);
}

TEST(TlsClientHello, OnlyGreaseVersionsKeepLegacy) {
  Hello h;
  h.legacy = 0x0301;
  h.exts = {{43, versionsExt({0x1a1a})}};
  ClientHelloInfo info;
  ASSERT_EQ(parseHandshake(h.handshake(), info), TlsStatus::Ok);
  EXPECT_EQ(info.legacyVersion, 0x0301);
  EXPECT_EQ(info.maxVersion, 0x0301);
}

TEST(TlsClientHello, NoSni) {
  Hello h;
  h.exts = {{16, alpnExt({"http/1.1"})}};
  ClientHelloInfo info;
  ASSERT_EQ(parseHandshake(h.handshake(), info), TlsStatus::Ok);
  EXPECT_FALSE(info.hasSni);
  EXPECT_EQ(info.sniLen, 0);
  EXPECT_EQ(info.alpnView(), "http/1.1");
}

TEST(TlsClientHello, NoExtensionsAtAll) {
  Hello h;
  h.extensionsBlock = false;
  h.legacy = 0x0300;
  ClientHelloInfo info;
  ASSERT_EQ(parseHandshake(h.handshake(), info), TlsStatus::Ok);
  EXPECT_FALSE(info.hasSni);
  EXPECT_EQ(info.maxVersion, 0x0300);
}

TEST(TlsClientHello, SniOf255CharsIsKept) {
  std::string name;
  while (name.size() < 255) name += name.size() % 64 == 63 ? '.' : 'A';
  for (const std::string& sent : {name, name + "."}) {
    Hello h;
    h.exts = {{0, sniExt(sent)}};
    ClientHelloInfo info;
    ASSERT_EQ(parseHandshake(h.handshake(), info), TlsStatus::Ok);
    ASSERT_TRUE(info.hasSni);
    EXPECT_EQ(info.sniLen, 255);
    std::string lower = name;
    for (char& c : lower) c = c == 'A' ? 'a' : c;
    EXPECT_EQ(info.sniView(), lower);
    EXPECT_EQ(info.sni[255], '\0');
  }
}

TEST(TlsClientHello, BadNamesLeaveSniUnsetButParse) {
  const std::vector<std::string> bad = {std::string(256, 'a'), "", ".", "exa mple.com",
                                        std::string("a\0b", 3), "caf\xc3\xa9.example",
                                        "tab\t.example", "double-dot.example..",
                                        ".leading.example", "empty..label.example"};
  for (const auto& name : bad) {
    SCOPED_TRACE(name);
    Hello h = typicalHello();
    h.exts[0] = {0, sniExt(name)};
    ClientHelloInfo info;
    ASSERT_EQ(parseHandshake(h.handshake(), info), TlsStatus::Ok);
    EXPECT_FALSE(info.hasSni);
    EXPECT_EQ(info.sniLen, 0);
    EXPECT_EQ(info.alpnView(), "h2,http/1.1");  // the rest is still read
  }
}

TEST(TlsClientHello, FirstHostNameWins) {
  Bytes list;
  for (const auto& [type, name] : std::vector<std::pair<uint8_t, std::string>>{
           {7, "other-type"}, {0, "First.example"}, {0, "second.example"}}) {
    list.push_back(type);
    put16(list, name.size());
    append(list, name);
  }
  Bytes ext;
  put16(ext, list.size());
  append(ext, list);
  Hello h;
  h.exts = {{0, ext}, {0, sniExt("duplicate-extension.example")}};
  ClientHelloInfo info;
  ASSERT_EQ(parseHandshake(h.handshake(), info), TlsStatus::Ok);
  EXPECT_EQ(info.sniView(), "first.example");
}

TEST(TlsClientHello, AlpnTruncatesAtANameBoundary) {
  const std::string n20(20, 'p');
  Hello h;
  // 20 + 1 + 20 + 1 + 20 = 62; "," + "ab" would make 65.
  h.exts = {{16, alpnExt({n20, n20, n20, "ab", "c"})}};
  ClientHelloInfo info;
  ASSERT_EQ(parseHandshake(h.handshake(), info), TlsStatus::Ok);
  EXPECT_EQ(info.alpnView(), n20 + "," + n20 + "," + n20);  // a prefix: "c" not added after
  // Exactly 64 fits.
  h.exts = {{16, alpnExt({n20, n20, n20, "a"})}};
  ASSERT_EQ(parseHandshake(h.handshake(), info), TlsStatus::Ok);
  EXPECT_EQ(info.alpnLen, 64);
  EXPECT_EQ(info.alpn[64], '\0');
  // One 255-byte name never fits.
  h.exts = {{16, alpnExt({std::string(255, 'x'), "h2"})}};
  ASSERT_EQ(parseHandshake(h.handshake(), info), TlsStatus::Ok);
  EXPECT_EQ(info.alpnLen, 0);
}

TEST(TlsClientHello, AlpnSkipsEmptyAndBinaryNames) {
  Hello h;
  h.exts = {{16, alpnExt({"", std::string("\x01\x02", 2), "a,b", "h3"})}};
  ClientHelloInfo info;
  ASSERT_EQ(parseHandshake(h.handshake(), info), TlsStatus::Ok);
  EXPECT_EQ(info.alpnView(), "h3");
}

TEST(TlsClientHello, MalformedFields) {
  std::vector<std::pair<const char*, Hello>> cases;
  Hello h = typicalHello();
  h.sessionId = Bytes(33, 1);
  cases.push_back({"session id 33", h});
  h = typicalHello();
  h.ciphers.clear();
  cases.push_back({"no cipher suites", h});
  h = typicalHello();
  h.compression.clear();
  cases.push_back({"no compression methods", h});
  h = typicalHello();
  h.legacy = 0x0200;
  cases.push_back({"legacy version 2.0", h});
  h = typicalHello();
  h.exts[1].second.pop_back();  // ALPN list length now overruns the extension
  cases.push_back({"alpn list overruns", h});
  h = typicalHello();
  h.exts[0].second.push_back(0);  // server_name extension longer than its list
  cases.push_back({"sni extension trailing byte", h});
  h = typicalHello();
  h.exts[2].second = Bytes{3, 3, 4, 3};
  cases.push_back({"odd supported_versions list", h});
  for (const auto& [what, hello] : cases) {
    SCOPED_TRACE(what);
    ClientHelloInfo info;
    EXPECT_EQ(parseHandshake(hello.handshake(), info), TlsStatus::Malformed);
    EXPECT_EQ(parseRecords(records(hello.handshake()), info), TlsStatus::Malformed);
  }
}

TEST(TlsClientHello, OddCipherSuiteLengthIsMalformed) {
  Bytes msg = typicalHello().handshake();
  const size_t at = 4 + 2 + 32 + 1 + 32;  // cipher_suites length
  msg[at + 1] = uint8_t(msg[at + 1] - 1);
  ClientHelloInfo info;
  EXPECT_EQ(parseHandshake(msg, info), TlsStatus::Malformed);
}

TEST(TlsClientHello, ExtensionsLongerThanTheMessageAreMalformed) {
  Hello h = typicalHello();
  Bytes msg = h.handshake();
  const size_t at = h.extensionsOffset();
  msg[at + 1] = uint8_t(msg[at + 1] + 1);
  ClientHelloInfo info;
  EXPECT_EQ(parseHandshake(msg, info), TlsStatus::Malformed);
  // Trailing bytes after the extension block (inside the handshake length).
  msg = h.handshake();
  msg.push_back(0);
  msg[3] = uint8_t(msg[3] + 1);
  EXPECT_EQ(parseHandshake(msg, info), TlsStatus::Malformed);
}

// A message cut at n bytes and relabelled (handshake length = n - 4) is internally
// inconsistent except at the end of compression_methods: never Ok with anything read past it.
TEST(TlsClientHello, TruncatedAndRelabelledNeverOkWithGarbage) {
  const Hello h = typicalHello();
  const Bytes full = h.handshake();
  for (size_t n = 4; n < full.size(); ++n) {
    Bytes cut(full.begin(), full.begin() + long(n));
    cut[1] = uint8_t((n - 4) >> 16);
    cut[2] = uint8_t((n - 4) >> 8);
    cut[3] = uint8_t(n - 4);
    ClientHelloInfo info;
    const TlsStatus s = parseHandshake(cut, info);
    if (n == h.extensionsOffset()) {
      EXPECT_EQ(s, TlsStatus::Ok);
      EXPECT_FALSE(info.hasSni);
    } else {
      EXPECT_EQ(s, TlsStatus::Malformed) << n;
    }
    EXPECT_EQ(parseRecords(records(cut), info), s) << n;
  }
}

TEST(TlsClientHello, TruncatedHandshakeNeedsMore) {
  const Bytes full = typicalHello().handshake();
  for (size_t n = 0; n < full.size(); ++n) {
    ClientHelloInfo info;
    ASSERT_EQ(parseClientHelloHandshake(full.data(), n, info), TlsStatus::NeedMore) << n;
  }
  // Bytes after the message (e.g. the rest of a QUIC CRYPTO stream) are not looked at.
  Bytes longer = full;
  append(longer, Bytes{0xff, 0xff, 0xff});
  ClientHelloInfo info;
  EXPECT_EQ(parseHandshake(longer, info), TlsStatus::Ok);
}

TEST(TlsClientHello, PrefixParseStopsCleanlyInExtensions) {
  Hello h = typicalHello();
  h.exts.push_back({21, Bytes(3000, 0)});  // padding after what we want
  const Bytes full = h.handshake();
  ClientHelloInfo info;
  for (size_t n = 0; n < full.size(); ++n) {
    const TlsStatus s = parseClientHelloHandshakePrefix(full.data(), n, info);
    if (n < h.extensionsOffset()) {
      ASSERT_EQ(s, TlsStatus::NeedMore) << n;
    } else {
      ASSERT_EQ(s, TlsStatus::Ok) << n;
      // The name is reported only once its extension is whole.
      if (info.hasSni) {
        EXPECT_EQ(info.sniView(), "example.com");
      }
    }
  }
  ASSERT_EQ(parseClientHelloHandshakePrefix(full.data(), 200, info), TlsStatus::Ok);
  EXPECT_EQ(info.sniView(), "example.com");
  EXPECT_EQ(info.alpnView(), "h2,http/1.1");
}

TEST(TlsRecords, ClientHelloLargerThanTheAssemblerIsReadAsFarAsItGoes) {
  Hello h = typicalHello();
  h.exts.push_back({21, Bytes(20000, 0)});
  const Bytes msg = h.handshake();
  const Bytes recs = records(msg, {16384});
  ASSERT_GT(recs.size(), StreamPrefixAssembler::kMaxCapacity);
  ClientHelloInfo info;
  // Short of the cap: still waiting.
  EXPECT_EQ(parseClientHelloRecords(recs.data(), 8000, info), TlsStatus::NeedMore);
  // At the cap: that is all there will be.
  ASSERT_EQ(parseClientHelloRecords(recs.data(), StreamPrefixAssembler::kMaxCapacity, info),
            TlsStatus::Ok);
  EXPECT_EQ(info.sniView(), "example.com");
  EXPECT_EQ(info.maxVersion, 0x0304);
  // A malformed fixed part is still malformed at the cap.
  Bytes bad = recs;
  bad[5 + 4] = 2;  // legacy_version 0x0203
  EXPECT_EQ(parseClientHelloRecords(bad.data(), StreamPrefixAssembler::kMaxCapacity, info),
            TlsStatus::Malformed);
}

TEST(TlsRecords, NotTls) {
  const Bytes hello = records(typicalHello().handshake());
  ClientHelloInfo info;
  const std::vector<std::pair<const char*, Bytes>> cases = {
      {"http", Bytes{'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P'}},
      {"ssh", Bytes{'S', 'S', 'H', '-', '2', '.', '0'}},
      {"application data", Bytes{23, 3, 3, 0, 2, 1, 2}},
      {"alert first", Bytes{21, 3, 3, 0, 2, 2, 40}},
      {"version 2.x", Bytes{22, 2, 0, 0, 4, 1, 0, 0, 0}},
      {"version 3.5", Bytes{22, 3, 5, 0, 4, 1, 0, 0, 0}},
      {"server hello", Bytes{22, 3, 3, 0, 4, 2, 0, 0, 0}},
      {"one wrong byte", Bytes{0x17}},
  };
  for (const auto& [what, b] : cases) {
    SCOPED_TRACE(what);
    EXPECT_EQ(parseRecords(b, info), TlsStatus::NotTls);
    EXPECT_FALSE(looksLikeTlsHandshake(b.data(), b.size()));
  }
  Bytes ccsFirst{20, 3, 3, 0, 1, 1};
  append(ccsFirst, hello);
  EXPECT_EQ(parseRecords(ccsFirst, info), TlsStatus::NotTls);
  const Bytes serverHello = Bytes{2, 0, 0, 0};
  EXPECT_EQ(parseHandshake(serverHello, info), TlsStatus::NotTls);
}

TEST(TlsRecords, BadRecordsMidMessageAreMalformed) {
  const Bytes msg = typicalHello().handshake();
  Bytes b = records(msg, {20});
  b[5 + 20] = 21;  // the second record claims to be an alert
  ClientHelloInfo info;
  EXPECT_EQ(parseRecords(b, info), TlsStatus::Malformed);
  b = records(msg, {20});
  b[5 + 20 + 2] = 9;  // bad version in the second record
  EXPECT_EQ(parseRecords(b, info), TlsStatus::Malformed);
  // Zero-length and oversized records.
  EXPECT_EQ(parseRecords(Bytes{22, 3, 1, 0, 0}, info), TlsStatus::Malformed);
  EXPECT_EQ(parseRecords(Bytes{22, 3, 1, 0x48, 0x01, 1}, info), TlsStatus::Malformed);
  EXPECT_EQ(parseRecords(Bytes{22, 3, 1, 0x48, 0x00, 1}, info), TlsStatus::NeedMore);
}

TEST(TlsRecords, RecordVersionsAccepted) {
  for (uint16_t v : std::vector<uint16_t>{0x0300, 0x0301, 0x0302, 0x0303, 0x0304}) {
    const Bytes b = records(typicalHello().handshake(), {50}, v);
    ClientHelloInfo info;
    EXPECT_EQ(parseRecords(b, info), TlsStatus::Ok) << v;
    EXPECT_TRUE(looksLikeTlsHandshake(b.data(), b.size()));
  }
}

TEST(TlsRecords, LooksLikeTlsHandshakeOnShortInput) {
  const Bytes b = records(typicalHello().handshake());
  for (size_t n = 1; n <= 6; ++n) EXPECT_TRUE(looksLikeTlsHandshake(b.data(), n)) << n;
  EXPECT_FALSE(looksLikeTlsHandshake(b.data(), 0));
  EXPECT_FALSE(looksLikeTlsHandshake(nullptr, 0));
}

TEST(TlsStatusNames, AllNamed) {
  EXPECT_STREQ(tlsStatusName(TlsStatus::Ok), "ok");
  EXPECT_STREQ(tlsStatusName(TlsStatus::NeedMore), "need_more");
  EXPECT_STREQ(tlsStatusName(TlsStatus::NotTls), "not_tls");
  EXPECT_STREQ(tlsStatusName(TlsStatus::Malformed), "malformed");
}

}  // namespace
}  // namespace egressmon
