// egressmon-gen-capture: writes a deterministic synthetic pcap (classic format, Ethernet) for
// the benchmarks. Same options, same bytes, on every run and every machine.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "synth.h"

namespace {

using egressmon::bench::TrafficConfig;
using egressmon::bench::TrafficModel;

constexpr const char* kUsage =
    "usage: egressmon-gen-capture --out FILE [options]\n"
    "Writes a deterministic synthetic capture (pcap, LINKTYPE_ETHERNET) of interleaved flows:\n"
    "local clients in 10.0.0.0/8 and fd00::/8 talking to public servers in many countries,\n"
    "plus remote-initiated and local-local flows; TCP ~75%, UDP ~22%, ICMP echo ~3% of flows.\n"
    "\n"
    "  --packets N       packets to write (default 5000000)\n"
    "  --concurrent N    flows alive at once (default 100000; capped at --flows)\n"
    "  --flows N         distinct flows in total (default packets/20, at most --packets);\n"
    "                    once all have started none closes, so --flows N --concurrent N\n"
    "                    keeps all N alive at the end\n"
    "  --ipv6-share F    share of flows that are IPv6, 0..1 (default 0.2)\n"
    "  --snaplen N       bytes captured per packet, as tcpdump -s N (default 128)\n"
    "  --start-epoch S   timestamp of the first packet, Unix seconds (default 1700000000)\n"
    "  --pps N           packet-time rate in packets per second (default 200000)\n"
    "  --seed N          PRNG seed (default fixed; other seeds give other, equally\n"
    "                    deterministic captures)\n"
    "  --names           put names in the traffic: DNS lookups (to the resolver 10.0.0.1 /\n"
    "                    fd65:676d:6f6e::1) before a share of the outbound flows, TLS\n"
    "                    ClientHellos with SNI opening TCP 443/8443/993/5228, QUIC v1 Initials\n"
    "                    opening UDP 443, HTTP requests on 4% of the TCP 443 flows moved to\n"
    "                    port 80; packets carrying them are captured whole (file snaplen 65535)\n"
    "  --dns-share F     with --names: share of outbound flows preceded by a lookup, 0..1\n"
    "                    (default 0.6)\n"
    "  --out FILE        output file\n";

// Writes little-endian fields into a large buffer and flushes it to a FILE.
class PcapWriter {
public:
  explicit PcapWriter(std::FILE* f) : f_(f) { buf_.reserve(kBuf); }
  void u16(uint16_t v) {
    for (int i = 0; i < 2; ++i) buf_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) buf_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void bytes(const uint8_t* p, size_t n) { buf_.insert(buf_.end(), p, p + n); }
  bool maybeFlush() { return buf_.size() < kBuf - 65536 || flush(); }
  bool flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) return false;
    written_ += buf_.size();
    buf_.clear();
    return true;
  }
  uint64_t written() const { return written_ + buf_.size(); }

private:
  static constexpr size_t kBuf = 4 << 20;
  std::FILE* f_;
  std::vector<uint8_t> buf_;
  uint64_t written_ = 0;
};

template <typename T>
bool parseInt(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string human(double v, const char* unit) {
  const char* prefixes[] = {"", "k", "M", "G", "T"};
  int i = 0;
  while (v >= 1000 && i < 4) {
    v /= 1000;
    ++i;
  }
  char b[64];
  std::snprintf(b, sizeof b, "%.1f %s%s", v, prefixes[i], unit);
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  TrafficConfig cfg;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--names") {
      cfg.names = true;
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "egressmon-gen-capture: %s needs a value (or is unknown)\n%s", argv[i], kUsage);
      return 2;
    }
    const std::string_view v = argv[++i];
    bool ok = true;
    if (a == "--packets") {
      ok = parseInt(v, cfg.packets) && cfg.packets > 0;
    } else if (a == "--concurrent") {
      ok = parseInt(v, cfg.concurrent) && cfg.concurrent > 0;
    } else if (a == "--flows") {
      ok = parseInt(v, cfg.flows) && cfg.flows > 0;
    } else if (a == "--ipv6-share") {
      double share = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), share);
      ok = ec == std::errc() && p == v.data() + v.size() && share >= 0 && share <= 1;
      cfg.ipv6PerMille = static_cast<uint32_t>(share * 1000 + 0.5);
    } else if (a == "--snaplen") {
      ok = parseInt(v, cfg.snaplen) && cfg.snaplen >= 1 && cfg.snaplen <= 262144;
    } else if (a == "--start-epoch") {
      ok = parseInt(v, cfg.startEpoch) && cfg.startEpoch >= 0 && cfg.startEpoch < (int64_t{1} << 32);
    } else if (a == "--pps") {
      ok = parseInt(v, cfg.pps) && cfg.pps > 0 && cfg.pps <= 1'000'000'000;
    } else if (a == "--seed") {
      ok = parseInt(v, cfg.seed);
    } else if (a == "--dns-share") {
      double share = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), share);
      ok = ec == std::errc() && p == v.data() + v.size() && share >= 0 && share <= 1;
      cfg.dnsPerMille = static_cast<uint32_t>(share * 1000 + 0.5);
    } else if (a == "--out") {
      out = v;
    } else {
      std::fprintf(stderr, "egressmon-gen-capture: unknown option %s\n%s", argv[i - 1], kUsage);
      return 2;
    }
    if (!ok) {
      std::fprintf(stderr, "egressmon-gen-capture: bad value for %s: '%s'\n", argv[i - 1], argv[i]);
      return 2;
    }
  }
  if (out.empty()) {
    std::fprintf(stderr, "egressmon-gen-capture: --out FILE is required\n%s", kUsage);
    return 2;
  }

  const auto t0 = std::chrono::steady_clock::now();
  std::FILE* f = std::fopen(out.c_str(), "wb");
  if (f == nullptr) {
    std::fprintf(stderr, "egressmon-gen-capture: cannot create %s: %s\n", out.c_str(), std::strerror(errno));
    return 1;
  }
  TrafficModel model(cfg);
  const TrafficConfig& c = model.config();
  PcapWriter w(f);
  w.u32(0xa1b2c3d4);  // microsecond timestamps, written little-endian
  w.u16(2);
  w.u16(4);
  w.u32(0);  // thiszone
  w.u32(0);  // sigfigs
  // With names some packets are captured whole: the file's snaplen must let them through.
  w.u32(c.names ? std::max<uint32_t>(c.snaplen, 65535) : c.snaplen);
  w.u32(1);  // LINKTYPE_ETHERNET
  std::vector<uint8_t> frame(std::max<uint32_t>(c.snaplen, egressmon::bench::kMaxFrame));
  bool ok = true;
  while (ok && !model.done()) {
    const auto fr = model.next(frame.data());
    w.u32(static_cast<uint32_t>(fr.tsUs / 1'000'000));
    w.u32(static_cast<uint32_t>(fr.tsUs % 1'000'000));
    w.u32(fr.len.cap);
    w.u32(fr.len.wire);
    w.bytes(frame.data(), fr.len.cap);
    ok = w.maybeFlush();
  }
  ok = ok && w.flush();
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    std::fprintf(stderr, "egressmon-gen-capture: write to %s failed: %s\n", out.c_str(), std::strerror(errno));
    return 1;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const auto s = model.stats();
  const auto pct = [&](uint64_t n) { return 100.0 * static_cast<double>(n) / static_cast<double>(s.packets); };
  std::fprintf(stderr,
               "egressmon-gen-capture: %s: %llu packets, %llu flows (%llu alive at end, %.1f%% IPv6, "
               "%llu inbound, %llu local), %s on the wire, file %s (snaplen %u%s), packets TCP %.1f%% "
               "UDP %.1f%% ICMP %.1f%% IPv6 %.1f%%, %.2f s of packet time, written in %.2f s\n",
               out.c_str(), static_cast<unsigned long long>(s.packets),
               static_cast<unsigned long long>(s.flowsStarted), static_cast<unsigned long long>(s.flowsAliveAtEnd),
               100.0 * static_cast<double>(s.ipv6Flows) / static_cast<double>(s.flowsStarted),
               static_cast<unsigned long long>(s.inboundFlows), static_cast<unsigned long long>(s.localFlows),
               human(static_cast<double>(s.wireBytes), "B").c_str(),
               human(static_cast<double>(w.written()), "B").c_str(), c.snaplen,
               c.names ? "; packets carrying names whole" : "", pct(s.tcpPackets),
               pct(s.udpPackets), pct(s.icmpPackets), pct(s.ipv6Packets),
               static_cast<double>(s.packets) / static_cast<double>(c.pps), secs);
  if (c.names) {
    std::fprintf(stderr,
                 "egressmon-gen-capture: names: %llu DNS lookups (%llu answered with a CNAME chain), "
                 "%llu TLS ClientHellos (%llu over two segments, %llu of those out of order), %llu QUIC "
                 "ClientHellos (%llu over two Initials), %llu HTTP requests\n",
                 static_cast<unsigned long long>(s.dnsLookups), static_cast<unsigned long long>(s.dnsCnameAnswers),
                 static_cast<unsigned long long>(s.tlsHellos), static_cast<unsigned long long>(s.tlsHellosSplit),
                 static_cast<unsigned long long>(s.tlsHellosReordered), static_cast<unsigned long long>(s.quicHellos),
                 static_cast<unsigned long long>(s.quicHellosSplit), static_cast<unsigned long long>(s.httpRequests));
  }
  return 0;
}
