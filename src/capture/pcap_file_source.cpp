#include <pcap/pcap.h>
#include <stdio_ext.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "egressmon/capture/packet_source.h"

namespace egressmon {

std::optional<LinkType> linkTypeFromDlt(int dlt) {
  switch (dlt) {
    case DLT_EN10MB: return LinkType::Ethernet;
    case DLT_LINUX_SLL: return LinkType::LinuxSll;
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2: return LinkType::LinuxSll2;
#endif
    case DLT_RAW:
#if defined(DLT_RAW) && DLT_RAW != 12
    case 12:
#endif
    case 14:   // DLT_RAW on OpenBSD
    case 101:  // LINKTYPE_RAW as stored in files
      return LinkType::Raw;
    case DLT_IPV4: return LinkType::Ipv4;
    case DLT_IPV6: return LinkType::Ipv6;
    case DLT_NULL: return LinkType::Null;
    case DLT_LOOP: return LinkType::Loop;
    default: return std::nullopt;
  }
}

namespace {

class PcapFileSource final : public PacketSource {
public:
  PcapFileSource(pcap_t* p, std::string path) : pcap_(p), path_(std::move(path)) {
    dlt_ = pcap_datalink(pcap_);
    link_ = linkTypeFromDlt(dlt_);
    // Nanosecond pcapng/pcap files report in microseconds unless asked; we keep microseconds.
  }
  ~PcapFileSource() override { pcap_close(pcap_); }
  PcapFileSource(const PcapFileSource&) = delete;
  PcapFileSource& operator=(const PcapFileSource&) = delete;

  Next next(RawPacket& out) override {
    struct pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(pcap_, &hdr, &data);
    if (rc == 1) {
      out.ts = TimeUs(hdr->ts.tv_sec) * kUsPerSec + TimeUs(hdr->ts.tv_usec);
      out.capLen = hdr->caplen;
      out.wireLen = hdr->len < hdr->caplen ? hdr->caplen : hdr->len;
      out.data = data;
      return Next::Packet;
    }
    if (rc == PCAP_ERROR_BREAK) return Next::End;
    if (rc == 0) return Next::Timeout;
    error_ = pcap_geterr(pcap_);
    return Next::Error;
  }

  Next dispatch(PacketHandler& h, int max) override {
    const int rc = pcap_dispatch(pcap_, max, &PcapFileSource::trampoline, reinterpret_cast<u_char*>(&h));
    if (rc > 0) return Next::Packet;
    if (rc == 0 || rc == PCAP_ERROR_BREAK) return Next::End;  // a savefile returns 0 at its end
    error_ = pcap_geterr(pcap_);
    return Next::Error;
  }

  std::optional<LinkType> linkType() const override { return link_; }
  std::string linkTypeName() const override {
    const char* n = pcap_datalink_val_to_name(dlt_);
    return std::string(n ? n : "unknown") + " (" + std::to_string(dlt_) + ")";
  }
  const std::string& name() const override { return path_; }
  std::string lastError() const override { return error_; }

private:
  static void trampoline(u_char* user, const struct pcap_pkthdr* hdr, const u_char* data) {
    RawPacket p;
    p.ts = TimeUs(hdr->ts.tv_sec) * kUsPerSec + TimeUs(hdr->ts.tv_usec);
    p.capLen = hdr->caplen;
    p.wireLen = hdr->len < hdr->caplen ? hdr->caplen : hdr->len;
    p.data = data;
    reinterpret_cast<PacketHandler*>(user)->onRawPacket(p);
  }

  pcap_t* pcap_;
  std::string path_;
  int dlt_ = 0;
  std::optional<LinkType> link_;
  std::string error_;
};

}  // namespace

Result<std::unique_ptr<PacketSource>> openPcapFile(const std::string& path) {
  // We open the FILE for libpcap so that stdio does no locking: libpcap makes two fread
  // calls per packet and only this thread ever touches the stream.
  FILE* fp = std::fopen(path.c_str(), "rb");
  if (fp == nullptr) return Error{"cannot read capture " + path + ": " + std::strerror(errno)};
  __fsetlocking(fp, FSETLOCKING_BYCALLER);
  char err[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, err);
  if (p == nullptr) {
    std::fclose(fp);
    return Error{"cannot read capture " + path + ": " + err};
  }
  return std::unique_ptr<PacketSource>(std::make_unique<PcapFileSource>(p, path));
}

}  // namespace egressmon
