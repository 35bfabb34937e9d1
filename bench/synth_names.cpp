// Payloads that carry names, for egressmon-gen-capture --names; see synth_names.h.
#include "synth_names.h"

#include <cstring>
#include <iterator>

#include "egressmon/names/quic.h"

namespace egressmon::bench::names {

namespace {

// ---------------------------------------------------------------------------------------------
// Host-name pools. Names under the vendors' own domains are matched by config/apps.d (TikTok,
// Google, YouTube, Facebook, Instagram, WhatsApp, Telegram, Zoom, Microsoft, Amazon, Apple,
// ChatGPT, VK, Yandex, Baidu); example-*.* names are generic sites no catalog entry names.
// CNAME chains are of the shape the operators' resolvers answer with (Akamai, Google,
// Facebook, Cloudflare, CloudFront, Fastly front ends); their exact targets are illustrative.

constexpr Host kWeb[] = {
    {"www.google.com", 120, {}, nullptr, true},
    {"www.youtube.com", 50, {"youtube-ui.l.google.com"}, nullptr, true},
    {"rr4---sn-4g5e6nzz.googlevideo.com", 50, {}, nullptr, true},
    {"i.ytimg.com", 25, {}, nullptr, true},
    {"fonts.gstatic.com", 35, {}, nullptr, true},
    {"play.googleapis.com", 25, {}, nullptr, true},
    {"mail.google.com", 20, {"googlemail.l.google.com"}, nullptr, true},
    {"api16-normal-c-useast2a.tiktokv.com", 60,
     {"api16-normal-c-useast2a.tiktokv.com.edgekey.net", "e9594.dscb.akamaiedge.net"}, nullptr, false},
    {"v16-webapp-prime.tiktok.com", 20, {"v16-webapp-prime.tiktok.com.edgesuite.net", "a2047.dscr.akamai.net"},
     nullptr, false},
    {"p16-sign-va.tiktokcdn.com", 20, {"p16-sign-va.tiktokcdn.com.akamaized.net"}, nullptr, false},
    {"graph.facebook.com", 45, {"star.c10r.facebook.com"}, nullptr, true},
    {"scontent-fra5-1.xx.fbcdn.net", 35, {}, nullptr, true},
    {"www.instagram.com", 25, {"z-p42-instagram.c10r.instagram.com"}, nullptr, true},
    {"web.whatsapp.com", 12, {"mmx-ds.cdn.whatsapp.net"}, nullptr, true},
    {"web.telegram.org", 25, {}, nullptr, false},
    {"zoom.us", 20, {}, nullptr, false},
    {"us05web.zoom.us", 12, {}, nullptr, false},
    {"teams.microsoft.com", 15, {"teams.office.com", "s-0005.s-msedge.net"}, nullptr, false},
    {"www.microsoft.com", 15,
     {"www.microsoft.com-c-3.edgekey.net", "www.microsoft.com-c-3.edgekey.net.globalredir.akadns.net",
      "e13678.dscb.akamaiedge.net"},
     nullptr, false},
    {"login.microsoftonline.com", 20,
     {"login.mso.msidentity.com", "ak.privatelink.msidentity.com", "www.tm.ak.prd.aadg.akadns.net"}, nullptr, false},
    {"outlook.office365.com", 15, {"outlook.ha.office365.com"}, nullptr, false},
    {"www.amazon.de", 15, {"tp.5fd53c725-frontier.amazon.de"}, nullptr, false},
    {"s3.eu-central-1.amazonaws.com", 12, {}, nullptr, false},
    {"www.apple.com", 12, {"www.apple.com.edgekey.net", "e6858.dscx.akamaiedge.net"}, nullptr, false},
    {"gateway.icloud.com", 15, {"gateway.fe2.apple-dns.net"}, nullptr, false},
    {"chatgpt.com", 15, {}, nullptr, true},
    {"github.com", 12, {}, nullptr, false},
    {"www.wikipedia.org", 8, {"dyna.wikimedia.org"}, nullptr, false},
    {"vk.com", 6, {}, nullptr, false},
    {"yandex.ru", 6, {}, nullptr, false},
    {"www.baidu.com", 6, {"www.a.shifen.com"}, nullptr, false},
    {"cdn.example-shop.de", 30, {"example-shop.de.cdn.cloudflare.net"}, nullptr, true},
    {"www.example-shop.de", 20, {"example-shop.de.cdn.cloudflare.net"}, nullptr, true},
    {"static.example-news.co.uk", 20, {"d3k2n8fj3hs2ab.cloudfront.net"}, nullptr, false},
    {"api.example-bank.fr", 12, {}, nullptr, false},
    {"tracker.example-ads.net", 15, {}, nullptr, false},
    {"www.example-travel.es", 8, {"example-travel.map.fastly.net"}, nullptr, false},
};
constexpr Host kImap[] = {
    {"imap.gmail.com", 40, {}, nullptr, false},
    {"outlook.office365.com", 30, {"outlook.ha.office365.com"}, nullptr, false},
    {"imap.mail.me.com", 10, {"p71-imap.mail.me.com"}, nullptr, false},
    {"imap.gmx.net", 10, {}, nullptr, false},
    {"mail.example-corp.de", 15, {}, nullptr, false},
};
constexpr Host kPush[] = {
    {"mtalk.google.com", 100, {"mobile-gtalk.l.google.com"}, nullptr, false},
};
constexpr Host kSsh[] = {
    {"github.com", 40, {}, nullptr, false},
    {"gitlab.com", 20, {}, nullptr, false},
    {"bastion.example-corp.de", 20, {}, nullptr, false},
    {"ssh.example-host.nl", 10, {}, nullptr, false},
};
constexpr Host kSmtp[] = {
    {"smtp.gmail.com", 40, {"gmail-smtp-msa.l.google.com"}, nullptr, false},
    {"smtp.office365.com", 30, {"smtp.office365.com.office365.com"}, nullptr, false},
    {"mail.gmx.net", 10, {}, nullptr, false},
    {"smtp.example-corp.de", 20, {}, nullptr, false},
};
constexpr Host kHttp[] = {
    {"connectivitycheck.gstatic.com", 40, {}, "/generate_204", false},
    {"www.msftconnecttest.com", 25, {"www.msftncsi.com.edgesuite.net", "a1961.g2.akamai.net"}, "/connecttest.txt",
     false},
    {"captive.apple.com", 15, {}, "/hotspot-detect.html", false},
    {"detectportal.firefox.com", 15, {"detectportal.prod.mozaws.net", "prod.detectportal.prod.cloudops.mozgcp.net"},
     "/canonical.html", false},
    {"deb.debian.org", 10, {"debian.map.fastlydns.net"}, "/debian/dists/bookworm/InRelease", false},
    {"ctldl.windowsupdate.com", 10, {"ctldl.windowsupdate.com.delivery.microsoft.com"},
     "/msdownload/update/v3/static/trustedr/en/authrootstl.cab", false},
    {"www.example-shop.de", 5, {}, "/", false},
};
constexpr Host kNtp[] = {
    {"2.debian.pool.ntp.org", 40, {}, nullptr, false},
    {"time.cloudflare.com", 20, {}, nullptr, false},
    {"time.apple.com", 15, {"time.g.aaplimg.com"}, nullptr, false},
    {"time.windows.com", 15, {"twc.trafficmanager.net"}, nullptr, false},
    {"ntp.ubuntu.com", 10, {}, nullptr, false},
};
constexpr Host kWireGuard[] = {
    {"vpn.example-corp.de", 60, {}, nullptr, false},
    {"de-fra-wg-001.relays.mullvad.net", 20, {}, nullptr, false},
    {"nl-ams-wg-002.relays.mullvad.net", 20, {}, nullptr, false},
};
constexpr Host kPing[] = {
    {"www.google.com", 40, {}, nullptr, false},
    {"example.com", 10, {}, nullptr, false},
    {"gw.example-isp.net", 10, {}, nullptr, false},
};
constexpr Host kInbound[] = {
    {"www.example-corp.de", 50, {}, nullptr, false},
    {"mail.example-corp.de", 30, {}, nullptr, false},
    {"vpn.example-corp.de", 20, {}, nullptr, false},
};

struct Pool {
  const Host* hosts;
  size_t n;
};
template <size_t N>
constexpr Pool pool(const Host (&h)[N]) {
  return {h, N};
}
constexpr Pool kPools[] = {pool(kWeb),  pool(kImap), pool(kPush),      pool(kSsh),  pool(kSmtp),
                           pool(kHttp), pool(kNtp),  pool(kWireGuard), pool(kPing), pool(kInbound)};
static_assert(std::size(kPools) == static_cast<size_t>(Service::kCount));

// ---------------------------------------------------------------------------------------------
// Byte writer with length placeholders.

class Writer {
public:
  explicit Writer(uint8_t* p) : p_(p) {}
  void u8(uint32_t v) { p_[n_++] = static_cast<uint8_t>(v); }
  void u16(uint32_t v) {
    u8(v >> 8);
    u8(v);
  }
  void u24(uint32_t v) {
    u8(v >> 16);
    u16(v & 0xffffU);
  }
  void u32(uint32_t v) {
    u16(v >> 16);
    u16(v & 0xffffU);
  }
  void bytes(const void* d, size_t n) {
    std::memcpy(p_ + n_, d, n);
    n_ += n;
  }
  void str(const char* s) { bytes(s, std::strlen(s)); }
  void fill(uint8_t v, size_t n) {
    std::memset(p_ + n_, v, n);
    n_ += n;
  }
  void random(Rng& r, size_t n) {
    for (size_t i = 0; i < n; ++i) u8(static_cast<uint32_t>(r.next() >> 56));
  }
  void varint(uint64_t v) {  // QUIC variable-length integer, shortest form
    if (v < 64) {
      u8(static_cast<uint32_t>(v));
    } else if (v < 16384) {
      u16(0x4000U | static_cast<uint32_t>(v));
    } else {
      u32(0x80000000U | static_cast<uint32_t>(v));
    }
  }
  // Length placeholders: open one, write the contents, close it to fill in their length.
  size_t open8() {
    u8(0);
    return n_;
  }
  size_t open16() {
    u16(0);
    return n_;
  }
  size_t open24() {
    u24(0);
    return n_;
  }
  void close8(size_t at) { p_[at - 1] = static_cast<uint8_t>(n_ - at); }
  void close16(size_t at) {
    p_[at - 2] = static_cast<uint8_t>((n_ - at) >> 8);
    p_[at - 1] = static_cast<uint8_t>(n_ - at);
  }
  void close24(size_t at) {
    p_[at - 3] = static_cast<uint8_t>((n_ - at) >> 16);
    p_[at - 2] = static_cast<uint8_t>((n_ - at) >> 8);
    p_[at - 1] = static_cast<uint8_t>(n_ - at);
  }
  size_t size() const { return n_; }
  uint8_t* data() { return p_; }

private:
  uint8_t* p_;
  size_t n_ = 0;
};

// ---------------------------------------------------------------------------------------------
// DNS.

// Names written so far, by the offset of each label-aligned suffix (RFC 1035 4.1.4).
class NameTable {
public:
  void write(Writer& w, const char* name) {
    const char* s = name;
    while (*s != '\0') {
      for (size_t i = 0; i < n_; ++i) {
        if (std::strcmp(text_[i], s) == 0) {
          w.u16(0xc000U | offset_[i]);
          return;
        }
      }
      if (n_ < kMax && w.size() < 0x3fff) {
        text_[n_] = s;
        offset_[n_++] = static_cast<uint16_t>(w.size());
      }
      const char* dot = std::strchr(s, '.');
      const size_t len = dot != nullptr ? static_cast<size_t>(dot - s) : std::strlen(s);
      w.u8(static_cast<uint32_t>(len));
      w.bytes(s, len);
      s += len + (dot != nullptr ? 1 : 0);
    }
    w.u8(0);
  }

private:
  static constexpr size_t kMax = 48;
  const char* text_[kMax] = {};
  uint16_t offset_[kMax] = {};
  size_t n_ = 0;
};

void dnsOpt(Writer& w, uint32_t udpSize) {  // EDNS0 OPT pseudo-record, no options
  w.u8(0);
  w.u16(41);
  w.u16(udpSize);
  w.u32(0);
  w.u16(0);
}

// ---------------------------------------------------------------------------------------------
// TLS ClientHello (the handshake message: type, 24-bit length, body).

struct HelloOptions {
  const char* sni = nullptr;
  const char* alpn = nullptr;  // "h2" (with http/1.1 after it), "h3", or none
  bool tcp = true;             // TLS over TCP (else QUIC: no session ID, TLS 1.3 suites only)
  bool pq = false;             // X25519MLKEM768 key share
  bool echGrease = false;
};

uint16_t grease(Rng& r) { return static_cast<uint16_t>(0x0a0a + 0x1010 * r.below(16)); }

void clientHello(Writer& w, const HelloOptions& o, uint64_t seed) {
  Rng r(seed);
  const uint16_t g1 = grease(r), g2 = grease(r), g3 = grease(r), g4 = grease(r);
  const size_t start = w.size();
  w.u8(1);  // client_hello
  const size_t body = w.open24();
  w.u16(0x0303);
  w.random(r, 32);
  if (o.tcp) {
    w.u8(32);
    w.random(r, 32);
  } else {
    w.u8(0);
  }
  const size_t suites = w.open16();
  if (o.tcp) {
    w.u16(g1);
    for (uint32_t s : {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
                       0x009c, 0x009d, 0x002f, 0x0035})
      w.u16(s);
  } else {
    for (uint32_t s : {0x1301, 0x1302, 0x1303}) w.u16(s);
  }
  w.close16(suites);
  w.u8(1);
  w.u8(0);  // compression: null
  const size_t exts = w.open16();
  const auto ext = [&](uint16_t type) {
    w.u16(type);
    return w.open16();
  };
  size_t e = 0;
  if (o.tcp) {
    e = ext(g2);
    w.close16(e);
  }
  e = ext(0x0000);  // server_name
  {
    const size_t list = w.open16();
    w.u8(0);  // host_name
    const size_t name = w.open16();
    w.str(o.sni);
    w.close16(name);
    w.close16(list);
  }
  w.close16(e);
  if (o.tcp) {
    w.close16(ext(0x0017));  // extended_master_secret
    e = ext(0xff01);         // renegotiation_info
    w.u8(0);
    w.close16(e);
  }
  e = ext(0x000a);  // supported_groups
  {
    const size_t list = w.open16();
    if (o.tcp) w.u16(g3);
    if (o.pq) w.u16(0x11ec);
    for (uint32_t grp : {0x001d, 0x0017, 0x0018}) w.u16(grp);
    w.close16(list);
  }
  w.close16(e);
  if (o.tcp) {
    e = ext(0x000b);  // ec_point_formats: uncompressed
    w.u8(1);
    w.u8(0);
    w.close16(e);
    w.close16(ext(0x0023));  // session_ticket
  }
  if (o.alpn != nullptr) {
    e = ext(0x0010);
    const size_t list = w.open16();
    const size_t p = w.open8();
    w.str(o.alpn);
    w.close8(p);
    if (o.tcp) {
      const size_t q = w.open8();
      w.str("http/1.1");
      w.close8(q);
    }
    w.close16(list);
    w.close16(e);
  }
  if (o.tcp) {
    e = ext(0x0005);  // status_request: OCSP, no responder IDs or extensions
    w.u8(1);
    w.u32(0);
    w.close16(e);
  }
  e = ext(0x000d);  // signature_algorithms
  {
    const size_t list = w.open16();
    for (uint32_t s : {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601}) w.u16(s);
    w.close16(list);
  }
  w.close16(e);
  if (o.tcp) w.close16(ext(0x0012));  // signed_certificate_timestamp
  e = ext(0x0033);                    // key_share
  {
    const size_t list = w.open16();
    if (o.tcp) {
      w.u16(g3);
      w.u16(1);
      w.u8(0);
    }
    if (o.pq) {  // ML-KEM-768 encapsulation key (1184) + X25519 share (32)
      w.u16(0x11ec);
      w.u16(1216);
      w.random(r, 1216);
    }
    w.u16(0x001d);
    w.u16(32);
    w.random(r, 32);
    w.close16(list);
  }
  w.close16(e);
  e = ext(0x002d);  // psk_key_exchange_modes: psk_dhe_ke
  w.u8(1);
  w.u8(1);
  w.close16(e);
  e = ext(0x002b);  // supported_versions
  {
    const size_t list = w.open8();
    if (o.tcp) w.u16(g4);
    w.u16(0x0304);
    if (o.tcp) w.u16(0x0303);
    w.close8(list);
  }
  w.close16(e);
  e = ext(0x001b);  // compress_certificate: brotli
  w.u8(2);
  w.u16(2);
  w.close16(e);
  if (o.alpn != nullptr) {
    e = ext(0x44cd);  // application_settings
    const size_t list = w.open16();
    const size_t p = w.open8();
    w.str(o.alpn);
    w.close8(p);
    w.close16(list);
    w.close16(e);
  }
  if (!o.tcp) {
    e = ext(0x0039);  // quic_transport_parameters (RFC 9000 18.2), Chrome-like values
    const auto param = [&](uint64_t id, uint64_t v) {
      w.varint(id);
      const size_t len = v < 64 ? 1 : v < 16384 ? 2 : 4;
      w.varint(len);
      w.varint(v);
    };
    param(0x01, 30000);     // max_idle_timeout
    param(0x03, 1472);      // max_udp_payload_size
    param(0x04, 15728640);  // initial_max_data
    param(0x05, 6291456);   // initial_max_stream_data_bidi_local
    param(0x06, 6291456);   // initial_max_stream_data_bidi_remote
    param(0x07, 6291456);   // initial_max_stream_data_uni
    param(0x08, 100);       // initial_max_streams_bidi
    param(0x09, 103);       // initial_max_streams_uni
    w.varint(0x0f);         // initial_source_connection_id: empty
    w.varint(0);
    param(0x20, 65536);  // max_datagram_frame_size
    w.varint(31 * uint64_t{r.below(1000)} + 27);  // a reserved (GREASE) parameter
    w.varint(2);
    w.random(r, 2);
    w.close16(e);
  }
  if (o.echGrease) {
    e = ext(0xfe0d);  // encrypted_client_hello, GREASE form (what Chrome sends without a config)
    w.u8(0);          // outer
    w.u16(0x0001);    // HKDF-SHA256
    w.u16(0x0001);    // AES-128-GCM
    w.u8(static_cast<uint32_t>(r.below(256)));  // config_id
    w.u16(32);
    w.random(r, 32);  // enc
    const uint32_t payload = 144 + 32 * r.below(4);
    w.u16(payload);
    w.random(r, payload);
    w.close16(e);
  }
  if (o.tcp) {
    e = ext(grease(r));
    w.u8(0);
    w.close16(e);
    // BoringSSL pads handshakes of 256..511 bytes to 512 (RFC 7685).
    const size_t len = w.size() - start;
    if (len > 0xff && len < 0x200) {
      const size_t pad = len + 4 < 0x200 ? 0x200 - len - 4 : 1;
      e = ext(0x0015);
      w.fill(0, pad);
      w.close16(e);
    }
  }
  w.close16(exts);
  w.close24(body);
}

}  // namespace

const Host& hostFor(Service s, uint64_t addrHash, bool quic) {
  const Pool& p = kPools[static_cast<size_t>(s)];
  uint64_t total = 0;
  for (size_t i = 0; i < p.n; ++i)
    if (!quic || p.hosts[i].h3) total += p.hosts[i].weight;
  uint64_t x = ((addrHash >> 32) * total) >> 32;
  for (size_t i = 0; i < p.n; ++i) {
    if (quic && !p.hosts[i].h3) continue;
    if (x < p.hosts[i].weight) return p.hosts[i];
    x -= p.hosts[i].weight;
  }
  return p.hosts[0];
}

size_t dnsQuery(uint8_t* out, uint16_t id, const char* name, bool aaaa) {
  Writer w(out);
  w.u16(id);
  w.u16(0x0100);  // RD
  w.u16(1);
  w.u16(0);
  w.u16(0);
  w.u16(1);
  NameTable t;
  t.write(w, name);
  w.u16(aaaa ? 28 : 1);
  w.u16(1);
  dnsOpt(w, 1232);
  return w.size();
}

size_t dnsResponse(uint8_t* out, uint16_t id, const Host& host, bool aaaa, const Addr* addrs, uint32_t n,
                   uint32_t ttl, uint32_t cnameTtl) {
  size_t chain = 0;
  while (chain < std::size(host.cname) && host.cname[chain] != nullptr) ++chain;
  Writer w(out);
  w.u16(id);
  w.u16(0x8180);  // QR, RD, RA, NOERROR
  w.u16(1);
  w.u16(static_cast<uint32_t>(chain + n));
  w.u16(0);
  w.u16(1);
  NameTable t;
  t.write(w, host.name);
  w.u16(aaaa ? 28 : 1);
  w.u16(1);
  const char* owner = host.name;
  for (size_t i = 0; i < chain; ++i) {
    t.write(w, owner);
    w.u16(5);  // CNAME
    w.u16(1);
    w.u32(cnameTtl);
    const size_t rd = w.open16();
    t.write(w, host.cname[i]);
    w.close16(rd);
    owner = host.cname[i];
  }
  for (uint32_t i = 0; i < n; ++i) {
    t.write(w, owner);
    w.u16(aaaa ? 28 : 1);
    w.u16(1);
    w.u32(ttl);
    w.u16(aaaa ? 16 : 4);
    w.bytes(addrs[i].b, aaaa ? 16 : 4);
  }
  dnsOpt(w, 1232);
  return w.size();
}

size_t tlsClientHello(uint8_t* out, const char* sni, bool alpn, bool pq, uint64_t seed) {
  Writer w(out);
  w.u8(22);        // handshake
  w.u16(0x0301);   // legacy record version, as every TLS 1.3 client sends it
  const size_t rec = w.open16();
  HelloOptions o;
  o.sni = sni;
  o.alpn = alpn ? "h2" : nullptr;
  o.pq = pq;
  o.echGrease = pq;  // Chrome, which sends the ML-KEM share, also sends GREASE ECH
  clientHello(w, o, seed);
  w.close16(rec);
  return w.size();
}

size_t quicInitial(uint8_t* out, const char* sni, bool pq, uint32_t index, uint32_t datagram, uint64_t seed) {
  uint8_t hello[kMaxPayload];
  Writer h(hello);
  HelloOptions o;
  o.sni = sni;
  o.alpn = "h3";
  o.tcp = false;
  o.pq = pq;
  clientHello(h, o, seed);

  Rng r(seed ^ 0x717569634463ULL);
  uint8_t dcid[8];
  for (uint8_t& b : dcid) b = static_cast<uint8_t>(r.next() >> 56);
  // Header: first byte, version, DCID (1 + 8), SCID (1 + 0), token length, 2-byte length,
  // 1-byte packet number; then the payload and the 16-byte AEAD tag.
  constexpr size_t kHeader = 1 + 4 + 1 + 8 + 1 + 1 + 2 + 1;
  const size_t room = datagram - kHeader - 16;
  uint8_t plain[kMaxPayload];
  Writer p(plain);
  // Without pq the ClientHello fits one Initial; with it, the first carries what fits after a
  // 4-byte CRYPTO header and the second the rest.
  const size_t first = pq ? room - 4 : h.size();
  const size_t offset = index == 0 ? 0 : first;
  const size_t len = index == 0 ? first : h.size() - first;
  p.u8(0x06);  // CRYPTO
  p.varint(offset);
  p.varint(len);
  p.bytes(hello + offset, len);
  if (p.size() < room) p.fill(0, room - p.size());  // PADDING
  quic_detail::InitialSpec spec;
  spec.version = quic_detail::kVersion1;
  spec.dcid = dcid;
  spec.dcidLen = sizeof dcid;
  spec.packetNumber = index;
  spec.pnLen = 1;
  return quic_detail::protectClientInitial(spec, plain, p.size(), out, kMaxPayload);
}

size_t httpRequest(uint8_t* out, const Host& host, uint64_t seed) {
  // Connectivity checks and package managers send their own agent; other requests a browser's.
  static constexpr struct {
    const char* path;
    const char* agent;
  } kOwnAgents[] = {
      {"/generate_204", "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 7 Build/AP2A.240805.005)"},
      {"/connecttest.txt", "Microsoft NCSI"},
      {"/hotspot-detect.html", "CaptiveNetworkSupport-481.0.1 wispr"},
      {"/debian/dists/bookworm/InRelease", "Debian APT-HTTP/1.3 (2.6.1)"},
      {"/msdownload/update/v3/static/trustedr/en/authrootstl.cab", "Microsoft-CryptoAPI/10.0"},
  };
  static constexpr const char* kBrowsers[] = {
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
      "Safari/537.36",
      "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
  };
  const char* path = host.path != nullptr ? host.path : "/";
  Rng r(seed);
  const char* agent = kBrowsers[r.below(std::size(kBrowsers))];
  for (const auto& a : kOwnAgents)
    if (std::strcmp(a.path, path) == 0) agent = a.agent;
  Writer w(out);
  w.str("GET ");
  w.str(path);
  w.str(" HTTP/1.1\r\nHost: ");
  w.str(host.name);
  w.str("\r\nUser-Agent: ");
  w.str(agent);
  w.str("\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n");
  return w.size();
}

}  // namespace egressmon::bench::names
