#pragma once
// Reading tests/fixtures/tls/ (see its README.md): `<name>.bin`, a ClientHello's TLS records,
// and `<name>.segments`, the client's TCP segments carrying them ("isn <n>", the first payload
// byte's number, then "seg <seq> <hex>" lines in capture order). Shared by the stream-prefix
// and namer tests; needs EGRESSMON_SOURCE_DIR and GoogleTest.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace egressmon::tls_fixtures {

using Bytes = std::vector<uint8_t>;

inline const std::string kDir = std::string(EGRESSMON_SOURCE_DIR) + "/tests/fixtures/tls/";

inline Bytes readBin(const std::string& name) {
  std::ifstream in(kDir + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << name;
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct Segment {
  uint32_t seq = 0;
  Bytes data;
};

struct Capture {
  uint32_t isn = 0;
  std::vector<Segment> segments;
};

inline Capture readSegments(const std::string& name) {
  std::ifstream in(kDir + name);
  EXPECT_TRUE(in.good()) << "cannot open " << name;
  Capture c;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string kind;
    ls >> kind;
    if (kind == "isn") {
      ls >> c.isn;
    } else if (kind == "seg") {
      Segment s;
      std::string hex;
      ls >> s.seq >> hex;
      for (size_t i = 0; i + 1 < hex.size(); i += 2)
        s.data.push_back(uint8_t(std::stoul(hex.substr(i, 2), nullptr, 16)));
      c.segments.push_back(std::move(s));
    }
  }
  return c;
}

}  // namespace egressmon::tls_fixtures
