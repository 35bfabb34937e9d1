#pragma once
// Shared fixtures for the alerts tests.
#include <boost/json.hpp>

#include <string>

#include "egressmon/alerts/alert.h"

namespace egressmon::test {

/// 2024-01-02T03:04:05.678901Z
inline constexpr TimeUs kT0 = 1704164645678901;

/// An out-of-region TCP alert with every field set.
inline Alert sampleAlert() {
  Alert a;
  a.time = kT0;
  a.severity = Severity::Warning;
  a.app = "firefox";
  a.hostname = "www.example.com";
  a.hostSource = HostSource::Sni;
  a.domain = "example.com";
  a.remoteAddr = *IpAddress::parse("198.51.100.20");
  a.remotePort = 443;
  a.country = CountryCode::fromString("US");
  a.asn = 64500;
  a.asOrg = "Example Networks";
  a.localAddr = *IpAddress::parse("192.0.2.10");
  a.localPort = 40000;
  a.protocol = 6;
  a.initiator = Initiator::Local;
  a.bytesOut = 1234;
  a.packetsOut = 3;
  a.bytesIn = 5678;
  a.packetsIn = 4;
  a.verdict = AlertVerdict::OutOfRegion;
  a.rule = "region EU";
  a.flowId = 42;
  return a;
}

/// Parses one JSON line strictly (Boost.JSON rejects invalid UTF-8 and trailing garbage).
inline boost::json::value parseJson(const std::string& line) {
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(line, ec);
  if (ec) throw std::runtime_error("invalid JSON (" + ec.message() + "): " + line);
  return v;
}

}  // namespace egressmon::test
