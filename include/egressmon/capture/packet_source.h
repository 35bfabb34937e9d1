#pragma once
// One packet-source interface for capture files and (later) live interfaces. The engine pulls
// packets with next(); the bytes stay valid until the following next() call.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "egressmon/core/result.h"
#include "egressmon/core/time.h"
#include "egressmon/decode/packet.h"

namespace egressmon {

struct RawPacket {
  TimeUs ts = 0;
  uint32_t capLen = 0;
  uint32_t wireLen = 0;
  const uint8_t* data = nullptr;
};

/// Receives packets from PacketSource::dispatch(). The bytes are valid during the call only.
class PacketHandler {
public:
  virtual void onRawPacket(const RawPacket& p) = 0;

protected:
  ~PacketHandler() = default;
};

class PacketSource {
public:
  enum class Next : uint8_t {
    Packet,   // `out` holds a packet
    Timeout,  // live sources: nothing arrived within the read timeout
    End,      // end of file, or the source was stopped
    Error,    // read error; lastError() says what (the source is finished)
  };

  virtual ~PacketSource() = default;
  /// Reads the next packet. Called by the engine thread only.
  virtual Next next(RawPacket& out) = 0;
  /// Hands up to `max` packets to `h` in one call (the fast path: libpcap's dispatch loop,
  /// no per-packet return). Returns Packet if any were delivered, else Timeout, End or Error.
  virtual Next dispatch(PacketHandler& h, int max) = 0;
  /// The decoder's framing, or nullopt when the link type is not one we decode.
  virtual std::optional<LinkType> linkType() const = 0;
  /// The libpcap link-type name and number, e.g. "EN10MB (1)", for messages.
  virtual std::string linkTypeName() const = 0;
  /// File path or interface name.
  virtual const std::string& name() const = 0;
  virtual std::string lastError() const = 0;
};

/// Opens a pcap or pcapng file. Fails with a message naming the path.
Result<std::unique_ptr<PacketSource>> openPcapFile(const std::string& path);

/// Maps a libpcap DLT value to the decoder's LinkType (nullopt when unsupported).
std::optional<LinkType> linkTypeFromDlt(int dlt);

}  // namespace egressmon
