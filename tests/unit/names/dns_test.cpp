// DNS response parser: fixtures (synthetic and from the tcpdump corpus) and built messages.
#include "egressmon/names/dns.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace egressmon {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr uint16_t kA = 1;
constexpr uint16_t kCname = 5;
constexpr uint16_t kTxt = 16;
constexpr uint16_t kAaaa = 28;
constexpr uint16_t kResponse = 0x8180;  // QR, RD, RA, NOERROR

Bytes loadFixture(const std::string& name) {
  const std::string path = std::string(EGRESSMON_SOURCE_DIR) + "/tests/fixtures/dns/" + name + ".bin";
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

IpAddress ip(const char* text) {
  const auto a = IpAddress::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddress());
}

// Writes DNS wire format the way a server does: each name is compressed with a pointer to the
// first earlier copy of its longest known suffix. Counts are patched in by bytes().
class DnsBuilder {
public:
  explicit DnsBuilder(uint16_t id = 0x1111, uint16_t flags = kResponse) {
    put16(id);
    put16(flags);
    buf_.resize(12, 0);
  }

  DnsBuilder& question(std::string_view name, uint16_t type = kA) {
    this->name(name);
    put16(type);
    put16(1);
    ++counts_[0];
    return *this;
  }
  DnsBuilder& record(std::string_view owner, uint16_t type, uint32_t ttl, const Bytes& rdata,
                     uint16_t cls = 1, int section = 1) {
    name(owner);
    put16(type);
    put16(cls);
    put32(ttl);
    put16(uint16_t(rdata.size()));
    buf_.insert(buf_.end(), rdata.begin(), rdata.end());
    ++counts_[section];
    return *this;
  }
  DnsBuilder& a(std::string_view owner, const char* addr, uint32_t ttl = 300) {
    const IpAddress x = ip(addr);
    return record(owner, kA, ttl, Bytes(x.v4Bytes(), x.v4Bytes() + 4));
  }
  DnsBuilder& aaaa(std::string_view owner, const char* addr, uint32_t ttl = 300) {
    const IpAddress x = ip(addr);
    return record(owner, kAaaa, ttl, Bytes(x.data(), x.data() + 16));
  }
  DnsBuilder& cname(std::string_view owner, std::string_view target, uint32_t ttl = 300) {
    name(owner);
    put16(kCname);
    put16(1);
    put32(ttl);
    const size_t lenAt = buf_.size();
    put16(0);
    name(target);
    const size_t rdlen = buf_.size() - lenAt - 2;
    buf_[lenAt] = uint8_t(rdlen >> 8);
    buf_[lenAt + 1] = uint8_t(rdlen);
    ++counts_[1];
    return *this;
  }

  void name(std::string_view text) {
    while (!text.empty()) {
      const auto known = suffixes_.find(lower(text));
      if (known != suffixes_.end()) {
        put16(uint16_t(0xC000 | known->second));
        return;
      }
      if (buf_.size() < 0x4000) suffixes_.emplace(lower(text), uint16_t(buf_.size()));
      const size_t dot = text.find('.');
      const std::string_view label = text.substr(0, dot);
      buf_.push_back(uint8_t(label.size()));
      buf_.insert(buf_.end(), label.begin(), label.end());
      text = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
    }
    buf_.push_back(0);
  }
  void put16(uint16_t v) {
    buf_.push_back(uint8_t(v >> 8));
    buf_.push_back(uint8_t(v));
  }
  void put32(uint32_t v) {
    put16(uint16_t(v >> 16));
    put16(uint16_t(v));
  }
  void setCount(int section, uint16_t n) { counts_[section] = n; }
  size_t size() const { return buf_.size(); }
  Bytes& raw() { return buf_; }

  Bytes bytes() const {
    Bytes out = buf_;
    for (int i = 0; i < 4; ++i) {
      out[size_t(4 + 2 * i)] = uint8_t(counts_[i] >> 8);
      out[size_t(5 + 2 * i)] = uint8_t(counts_[i]);
    }
    return out;
  }

private:
  static std::string lower(std::string_view s) {
    std::string r(s);
    for (char& c : r) c = char(std::tolower(static_cast<unsigned char>(c)));
    return r;
  }
  Bytes buf_;
  uint16_t counts_[4] = {};
  std::map<std::string, uint16_t> suffixes_;
};

// The response is large (about 3 KiB); keep it off the test's stack frame.
struct Parsed {
  std::unique_ptr<DnsResponse> r = std::make_unique<DnsResponse>();
  DnsStatus status = DnsStatus::kCount;
};
Parsed parse(const Bytes& m) {
  Parsed p;
  p.status = parseDnsResponse(m.data(), m.size(), *p.r);
  return p;
}

std::vector<std::string> chainOf(const DnsResponse& r) {
  std::vector<std::string> out;
  for (uint8_t i = 0; i < r.chainLen; ++i) out.emplace_back(r.chain[i].view());
  return out;
}
std::vector<std::pair<std::string, uint32_t>> answersOf(const DnsResponse& r) {
  std::vector<std::pair<std::string, uint32_t>> out;
  for (uint8_t i = 0; i < r.answerCount; ++i) {
    out.emplace_back(r.answers[i].addr.toString(), r.answers[i].ttl);
  }
  return out;
}
using Answers = std::vector<std::pair<std::string, uint32_t>>;
using Chain = std::vector<std::string>;

// ---- Case folding and owners compressed to the question ----

TEST(DnsNames, OnlyAsciiLettersAreLowerCased) {
  // Only ASCII letters are folded; the bytes around 'A'..'Z' and 'a'..'z' stay as they are.
  DnsBuilder b;
  b.question("ABCDEFGHIJKLMNOPQRSTUVWXYZ-@[`{.Mixed_Case0123456789.Xn--Bcher-Kva.EXAMPLE");
  b.a("abcdefghijklmnopqrstuvwxyz-@[`{.mixed_case0123456789.xn--bcher-kva.example", "192.0.2.1");
  const Parsed p = parse(b.bytes());
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(p.r->qname.view(),
            "abcdefghijklmnopqrstuvwxyz-@[`{.mixed_case0123456789.xn--bcher-kva.example");
  EXPECT_EQ(answersOf(*p.r), (Answers{{"192.0.2.1", 300}}));
}

TEST(DnsNames, OwnerPointingAtTheQuestionIsTheQuestionName) {
  // Owners written as a pointer to offset 12 (the builder's compression), one spelled out in
  // other case, and one pointing into the middle of the question name.
  DnsBuilder b;
  b.question("WWW.Example.COM");
  b.a("www.example.com", "192.0.2.1");
  b.a("WWW.EXAMPLE.COM", "192.0.2.2");
  b.a("example.com", "192.0.2.3");  // a suffix: not the question name
  const Parsed p = parse(b.bytes());
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(p.r->qname.view(), "www.example.com");
  EXPECT_EQ(answersOf(*p.r), (Answers{{"192.0.2.1", 300}, {"192.0.2.2", 300}}));
}

// ---- Synthetic fixtures (tests/fixtures/dns/gen_fixtures.py) ----

TEST(DnsFixture, SimpleA) {
  const Parsed p = parse(loadFixture("simple_a"));
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(p.r->id, 0x1234);
  EXPECT_EQ(p.r->rcode, 0);
  EXPECT_FALSE(p.r->truncatedFlag);
  EXPECT_FALSE(p.r->truncatedMessage);
  EXPECT_EQ(p.r->qname.view(), "example.com");
  EXPECT_EQ(p.r->chainLen, 0);
  EXPECT_EQ(answersOf(*p.r), (Answers{{"93.184.216.34", 300}}));
  EXPECT_TRUE(p.r->answers[0].addr.isV4());
  EXPECT_EQ(p.r->answers[0].addr, IpAddress::fromV4(0x5DB8D822u));
}

TEST(DnsFixture, Aaaa) {
  const Parsed p = parse(loadFixture("aaaa"));
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(p.r->qname.view(), "example.com");
  EXPECT_EQ(answersOf(*p.r), (Answers{{"2001:db8::1", 600}}));
  EXPECT_FALSE(p.r->answers[0].addr.isV4());
}

TEST(DnsFixture, CnameChainOfThree) {
  const Parsed p = parse(loadFixture("cname_chain3"));
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(p.r->qname.view(), "www.shop.example");
  EXPECT_EQ(chainOf(*p.r), (Chain{"a.cdn.example", "b.edge.example", "c.edge.example"}));
  EXPECT_EQ(answersOf(*p.r), (Answers{{"192.0.2.10", 20}, {"192.0.2.11", 20}}));
}

TEST(DnsFixture, CnameRecordsOutOfOrder) {
  const Parsed p = parse(loadFixture("cname_out_of_order"));
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(chainOf(*p.r), (Chain{"a.cdn.example", "b.edge.example", "c.edge.example"}));
  // Message order: the A record that comes before any CNAME is still collected.
  EXPECT_EQ(answersOf(*p.r), (Answers{{"192.0.2.10", 20}, {"192.0.2.11", 20}}));
}

TEST(DnsFixture, AnswersForUnrelatedNamesAreIgnored) {
  const Parsed p = parse(loadFixture("unrelated_answers"));
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(p.r->chainLen, 0);  // other.example CNAME example.com does not start at qname
  EXPECT_EQ(answersOf(*p.r), (Answers{{"192.0.2.1", 120}}));
}

TEST(DnsFixture, PointerToItselfIsALoop) {
  EXPECT_EQ(parse(loadFixture("loop_self")).status, DnsStatus::PointerLoop);
}

TEST(DnsFixture, TwoPointersAtEachOtherAreALoop) {
  // The second answer's owner (B) points back to A, which points forward to B again.
  EXPECT_EQ(parse(loadFixture("loop_two_pointers")).status, DnsStatus::PointerLoop);
}

TEST(DnsFixture, LabelAndPointerBackToItAreALoop) {
  // "loop" then a pointer to that label: every pointer is backward; the jump bound ends it.
  EXPECT_EQ(parse(loadFixture("loop_label")).status, DnsStatus::PointerLoop);
}

TEST(DnsFixture, ForwardPointerIsBad) {
  EXPECT_EQ(parse(loadFixture("forward_pointer")).status, DnsStatus::BadPointer);
}

TEST(DnsFixture, PointerPastTheEndIsBad) {
  EXPECT_EQ(parse(loadFixture("pointer_past_end")).status, DnsStatus::BadPointer);
}

TEST(DnsFixture, LabelOf64IsBadName) {
  // 64 = 0x40: the extended label type, which RFC 6891 retired.
  EXPECT_EQ(parse(loadFixture("label_64")).status, DnsStatus::BadName);
}

TEST(DnsFixture, NameOf256IsBadName) {
  EXPECT_EQ(parse(loadFixture("name_256")).status, DnsStatus::BadName);
}

TEST(DnsFixture, TruncatedInsideAnAnswerKeepsTheEarlierOnes) {
  const Parsed p = parse(loadFixture("truncated_mid_answer"));
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_TRUE(p.r->truncatedMessage);
  EXPECT_FALSE(p.r->truncatedFlag);
  EXPECT_EQ(answersOf(*p.r), (Answers{{"192.0.2.1", 60}, {"2001:db8::2", 60}}));
}

TEST(DnsFixture, TcFlag) {
  const Parsed p = parse(loadFixture("tc_flag"));
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_TRUE(p.r->truncatedFlag);
  EXPECT_FALSE(p.r->truncatedMessage);
  EXPECT_EQ(p.r->qname.view(), "big.example");
  EXPECT_EQ(p.r->answerCount, 0);
}

TEST(DnsFixture, NxdomainIsOkWithNoAnswers) {
  const Parsed p = parse(loadFixture("nxdomain"));
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(p.r->rcode, 3);
  EXPECT_EQ(p.r->qname.view(), "nope.example");
  EXPECT_EQ(p.r->answerCount, 0);  // the SOA in the authority section is ignored
  EXPECT_EQ(p.r->chainLen, 0);
}

TEST(DnsFixture, QueryIsNotAResponse) {
  EXPECT_EQ(parse(loadFixture("query")).status, DnsStatus::NotResponse);
}

TEST(DnsFixture, MixedCaseNamesMatchAndAreLowerCased) {
  const Parsed p = parse(loadFixture("mixed_case"));
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(p.r->qname.view(), "www.example.com");
  EXPECT_EQ(chainOf(*p.r), (Chain{"edge.cdn.example.net"}));
  EXPECT_EQ(answersOf(*p.r), (Answers{{"203.0.113.7", 30}}));
}

// ---- Real responses from the tcpdump test corpus (see tests/fixtures/dns/README.md). ----
// Expected values are what `tcpdump -nn -vvv -r <file>` prints for the packet.

TEST(DnsRealFixture, DnsUdp) {
  // 22836*- q: A? www.tcpdump.org. 2/2/5 www.tcpdump.org. [1m] A 192.139.46.66,
  // www.tcpdump.org. [1m] A 198.199.88.104 ns: ... ar: nic.sandelman.ca. [5m] A 209.87.249.18 ...
  const Parsed p = parse(loadFixture("real_dns_udp"));
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(p.r->id, 22836);
  EXPECT_EQ(p.r->rcode, 0);
  EXPECT_FALSE(p.r->truncatedFlag);
  EXPECT_FALSE(p.r->truncatedMessage);
  EXPECT_EQ(p.r->qname.view(), "www.tcpdump.org");
  EXPECT_EQ(p.r->chainLen, 0);
  // The additional section's A/AAAA records for the name servers are not answers.
  EXPECT_EQ(answersOf(*p.r), (Answers{{"192.139.46.66", 60}, {"198.199.88.104", 60}}));
}

TEST(DnsRealFixture, DnsTcpWithLengthStripped) {
  // 17177*- q: A? www.tcpdump.org. 2/2/5 www.tcpdump.org. [1m] A 192.139.46.66,
  // www.tcpdump.org. [1m] A 198.199.88.104
  const Parsed p = parse(loadFixture("real_dns_tcp"));
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(p.r->id, 17177);
  EXPECT_EQ(p.r->qname.view(), "www.tcpdump.org");
  EXPECT_EQ(answersOf(*p.r), (Answers{{"192.139.46.66", 60}, {"198.199.88.104", 60}}));
}

TEST(DnsRealFixture, CutBySnaplenKeepsTheFirstAnswer) {
  // 22836*- q: A? www.tcpdump.org. 2/2/5 www.tcpdump.org. [1m] A 192.139.46.66,
  // www.tcpdump.org. [|domain]
  const Parsed p = parse(loadFixture("real_dns_udp_snaplen"));
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_TRUE(p.r->truncatedMessage);
  EXPECT_EQ(p.r->qname.view(), "www.tcpdump.org");
  EXPECT_EQ(answersOf(*p.r), (Answers{{"192.139.46.66", 60}}));
}

TEST(DnsRealFixture, Dnssec) {
  // 48576 q: A? monadic.cynic.net. 1/4/5 monadic.cynic.net. [4m37s] A 125.100.126.202
  const Parsed p = parse(loadFixture("real_dnssec_a"));
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(p.r->id, 48576);
  EXPECT_EQ(p.r->qname.view(), "monadic.cynic.net");
  EXPECT_EQ(answersOf(*p.r), (Answers{{"125.100.126.202", 277}}));
}

TEST(DnsRealFixture, SshfpAnswerHasNoAddresses) {
  // 49432 q: SSHFP? monadic.cynic.net. 1/4/5 monadic.cynic.net. [4m37s] SSHFP ns: ...
  // ar: ns1.cynic.net. A 125.100.126.205, ...
  const Parsed p = parse(loadFixture("real_dnssec_sshfp"));
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(p.r->id, 49432);
  EXPECT_EQ(p.r->qname.view(), "monadic.cynic.net");
  EXPECT_EQ(p.r->answerCount, 0);
}

TEST(DnsRealFixture, EdnsWithRrsig) {
  // 47424*- q: A? example.com. 2/0/1 example.com. [1d] A 93.184.216.34, example.com. [1d] RRSIG
  // ar: . OPT UDPsize=4096 DO
  const Parsed p = parse(loadFixture("real_edns_rrsig"));
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(p.r->id, 47424);
  EXPECT_EQ(p.r->qname.view(), "example.com");
  EXPECT_EQ(answersOf(*p.r), (Answers{{"93.184.216.34", 86400}}));
}

TEST(DnsRealFixture, NflogAaaa) {
  // 52954 q: AAAA? example.com. 1/0/0 example.com. [20h42m7s] AAAA
  // 2606:2800:220:6d:26bf:1447:1097:aa7
  const Parsed p = parse(loadFixture("real_nflog_aaaa"));
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(p.r->id, 52954);
  EXPECT_EQ(p.r->qname.view(), "example.com");
  EXPECT_EQ(answersOf(*p.r),
            (Answers{{"2606:2800:220:6d:26bf:1447:1097:aa7", 20 * 3600 + 42 * 60 + 7}}));
}

TEST(DnsRealFixture, NflogA) {
  // 8279 q: A? www.example.com. 1/0/0 www.example.com. [1d] A 93.184.216.119
  const Parsed p = parse(loadFixture("real_nflog_www_a"));
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(p.r->id, 8279);
  EXPECT_EQ(p.r->qname.view(), "www.example.com");
  EXPECT_EQ(answersOf(*p.r), (Answers{{"93.184.216.119", 86400}}));
}

TEST(DnsRealFixture, EveryPrefixIsSafeAndNeverGainsAnswers) {
  const Bytes full = loadFixture("real_dns_udp");
  const size_t questionEnd = 12 + 17 + 4;  // www.tcpdump.org, qtype, qclass
  uint8_t lastCount = 0;
  for (size_t n = 0; n <= full.size(); ++n) {
    const Bytes cut(full.begin(), full.begin() + ptrdiff_t(n));
    const Parsed p = parse(cut);
    if (n < questionEnd) {
      EXPECT_EQ(p.status, DnsStatus::Truncated) << n;
      continue;
    }
    ASSERT_EQ(p.status, DnsStatus::Ok) << n;
    EXPECT_GE(p.r->answerCount, lastCount) << n;
    lastCount = p.r->answerCount;
    // Everything after the answer section is ignored, so only the answers' end matters.
    EXPECT_EQ(p.r->truncatedMessage, n < 65) << n;
  }
  EXPECT_EQ(lastCount, 2);
}

// ---- Built messages ----

TEST(DnsBuilt, ShortHeaderIsTruncated) {
  const Bytes m = DnsBuilder().question("example.com").a("example.com", "192.0.2.1").bytes();
  for (size_t n = 0; n < 12; ++n) {
    EXPECT_EQ(parse(Bytes(m.begin(), m.begin() + ptrdiff_t(n))).status, DnsStatus::Truncated) << n;
  }
  DnsResponse r;
  EXPECT_EQ(parseDnsResponse(nullptr, 0, r), DnsStatus::Truncated);
}

TEST(DnsBuilt, CutQuestionIsTruncated) {
  const Bytes m = DnsBuilder().question("example.com").question("example.net").bytes();
  for (size_t n = 12; n < m.size(); ++n) {
    EXPECT_EQ(parse(Bytes(m.begin(), m.begin() + ptrdiff_t(n))).status, DnsStatus::Truncated) << n;
  }
  EXPECT_EQ(parse(m).status, DnsStatus::Ok);
}

TEST(DnsBuilt, OpcodeOtherThanQueryIsNotAResponse) {
  for (uint16_t opcode = 1; opcode < 16; ++opcode) {
    const Bytes m = DnsBuilder(1, uint16_t(kResponse | (opcode << 11))).question("a.example").bytes();
    EXPECT_EQ(parse(m).status, DnsStatus::NotResponse) << opcode;
  }
}

TEST(DnsBuilt, LaterQuestionsAreSkipped) {
  const Bytes m = DnsBuilder()
                      .question("first.example")
                      .question("second.example")
                      .a("second.example", "192.0.2.2")
                      .a("first.example", "192.0.2.1")
                      .bytes();
  const Parsed p = parse(m);
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(p.r->qname.view(), "first.example");
  EXPECT_EQ(answersOf(*p.r), (Answers{{"192.0.2.1", 300}}));
}

TEST(DnsBuilt, NoQuestionMeansNoAnswers) {
  DnsBuilder b;
  b.record("", kA, 300, {192, 0, 2, 1});  // owner is the root, like an empty qname
  const Parsed p = parse(b.bytes());
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(p.r->qname.view(), "");
  EXPECT_EQ(p.r->answerCount, 0);
}

TEST(DnsBuilt, RootQuestion) {
  const Parsed p = parse(DnsBuilder().question("", 2).bytes());
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(p.r->qname.view(), "");
  EXPECT_EQ(p.r->qname.text[0], '\0');
}

TEST(DnsBuilt, TtlStoredAsIs) {
  const Parsed p = parse(
      DnsBuilder().question("x.example").a("x.example", "192.0.2.1", 0xFFFFFFFFu).bytes());
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(answersOf(*p.r), (Answers{{"192.0.2.1", 0xFFFFFFFFu}}));
}

TEST(DnsBuilt, WrongSizedAddressAndOtherClassesAreIgnored) {
  DnsBuilder b;
  b.question("x.example");
  b.record("x.example", kA, 300, {192, 0, 2, 1, 9});        // A with 5 bytes
  b.record("x.example", kAaaa, 300, {192, 0, 2, 1});        // AAAA with 4 bytes
  b.record("x.example", kA, 300, {192, 0, 2, 2}, 3);        // class CH
  b.record("x.example", kA, 300, {192, 0, 2, 3}, 0x8001);   // mDNS cache-flush IN: accepted
  b.record("x.example", kTxt, 300, {3, 'a', 'b', 'c'});
  b.a("x.example", "192.0.2.4");
  const Parsed p = parse(b.bytes());
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(answersOf(*p.r), (Answers{{"192.0.2.3", 300}, {"192.0.2.4", 300}}));
}

TEST(DnsBuilt, AddressesOfEveryChainNameAreCollected) {
  const Bytes m = DnsBuilder()
                      .question("www.example")
                      .a("www.example", "192.0.2.1")
                      .cname("www.example", "mid.example")
                      .aaaa("mid.example", "2001:db8::2")
                      .cname("mid.example", "end.example")
                      .a("end.example", "192.0.2.3")
                      .a("elsewhere.example", "192.0.2.4")
                      .bytes();
  const Parsed p = parse(m);
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(chainOf(*p.r), (Chain{"mid.example", "end.example"}));
  EXPECT_EQ(answersOf(*p.r),
            (Answers{{"192.0.2.1", 300}, {"2001:db8::2", 300}, {"192.0.2.3", 300}}));
}

TEST(DnsBuilt, ReverseOrderedChainNeedsSeveralPasses) {
  DnsBuilder b;
  b.question("n0.example");
  for (int i = 7; i >= 0; --i) {
    b.cname("n" + std::to_string(i) + ".example", "n" + std::to_string(i + 1) + ".example");
  }
  b.a("n8.example", "192.0.2.8");
  const Parsed p = parse(b.bytes());
  ASSERT_EQ(p.status, DnsStatus::Ok);
  ASSERT_EQ(p.r->chainLen, DnsResponse::kMaxChain);
  for (uint8_t i = 0; i < p.r->chainLen; ++i) {
    EXPECT_EQ(p.r->chain[i].view(), "n" + std::to_string(i + 1) + ".example");
  }
  EXPECT_EQ(answersOf(*p.r), (Answers{{"192.0.2.8", 300}}));
}

TEST(DnsBuilt, ChainIsBoundedByMaxChain) {
  DnsBuilder b;
  b.question("n0.example");
  for (int i = 0; i < 12; ++i) {
    b.cname("n" + std::to_string(i) + ".example", "n" + std::to_string(i + 1) + ".example");
  }
  b.a("n8.example", "192.0.2.8");
  b.a("n12.example", "192.0.2.12");  // beyond the chain's reach
  const Parsed p = parse(b.bytes());
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(p.r->chainLen, DnsResponse::kMaxChain);
  EXPECT_EQ(p.r->chain[DnsResponse::kMaxChain - 1].view(), "n8.example");
  EXPECT_EQ(answersOf(*p.r), (Answers{{"192.0.2.8", 300}}));
}

TEST(DnsBuilt, OutOfOrderCnamesBeyondThePendingLimitAreDropped) {
  DnsBuilder b;
  b.question("www.example");
  for (int i = 0; i < 32; ++i) b.cname("junk" + std::to_string(i) + ".example", "x.example");
  b.cname("cdn.example", "edge.example");  // the 33rd met before its owner: not kept
  b.cname("www.example", "cdn.example");
  b.a("cdn.example", "192.0.2.1");
  b.a("edge.example", "192.0.2.2");
  const Parsed p = parse(b.bytes());
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(chainOf(*p.r), (Chain{"cdn.example"}));
  EXPECT_EQ(answersOf(*p.r), (Answers{{"192.0.2.1", 300}}));
}

TEST(DnsBuilt, CnameLoopEndsTheChain) {
  const Bytes m = DnsBuilder()
                      .question("a.example")
                      .cname("a.example", "b.example")
                      .cname("b.example", "a.example")
                      .a("a.example", "192.0.2.1")
                      .bytes();
  const Parsed p = parse(m);
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(chainOf(*p.r), (Chain{"b.example"}));
  EXPECT_EQ(answersOf(*p.r), (Answers{{"192.0.2.1", 300}}));
}

TEST(DnsBuilt, AnswersAreBoundedByMaxAnswers) {
  DnsBuilder b;
  b.question("many.example");
  for (uint32_t i = 0; i < 40; ++i) {
    b.a("many.example", ("10.0.0." + std::to_string(i)).c_str(), i);
  }
  const Parsed p = parse(b.bytes());
  ASSERT_EQ(p.status, DnsStatus::Ok);
  ASSERT_EQ(p.r->answerCount, DnsResponse::kMaxAnswers);
  EXPECT_EQ(p.r->answers[31].addr, ip("10.0.0.31"));
  EXPECT_EQ(p.r->answers[31].ttl, 31u);
}

TEST(DnsBuilt, MoreRecordsAnnouncedThanPresentIsTruncatedMessage) {
  DnsBuilder b;
  b.question("x.example").a("x.example", "192.0.2.1");
  b.setCount(1, 5);
  const Parsed p = parse(b.bytes());
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_TRUE(p.r->truncatedMessage);
  EXPECT_EQ(p.r->answerCount, 1);
}

TEST(DnsBuilt, EveryCutInsideTheAnswersKeepsWholeRecords) {
  DnsBuilder b;
  b.question("www.example").cname("www.example", "cdn.example");
  const size_t afterCname = b.size();
  b.a("cdn.example", "192.0.2.1");
  const size_t afterFirst = b.size();
  b.aaaa("cdn.example", "2001:db8::1");
  const Bytes m = b.bytes();
  for (size_t n = 12 + 13 + 4; n < m.size(); ++n) {
    const Parsed p = parse(Bytes(m.begin(), m.begin() + ptrdiff_t(n)));
    ASSERT_EQ(p.status, DnsStatus::Ok) << n;
    EXPECT_TRUE(p.r->truncatedMessage) << n;
    EXPECT_EQ(p.r->chainLen, n >= afterCname ? 1 : 0) << n;
    EXPECT_EQ(p.r->answerCount, n >= afterFirst ? 1 : 0) << n;
  }
}

TEST(DnsBuilt, LabelOf63AndNameOf255AreAccepted) {
  // Labels 63+63+63+61 with their length bytes and the root: exactly 255 bytes.
  const std::string name =
      std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
      std::string(61, 'd');
  const Parsed p = parse(DnsBuilder().question(name).a(name, "192.0.2.1").bytes());
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(p.r->qname.view(), name);
  EXPECT_EQ(p.r->qname.len, 253);
  EXPECT_EQ(p.r->qname.text[253], '\0');
  EXPECT_EQ(p.r->answerCount, 1);
}

TEST(DnsBuilt, NameOver255ThroughPointersIsBadName) {
  // Owner "d...d" + pointer to the 255-byte question name: each part is fine, the whole is not.
  const std::string name =
      std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
      std::string(61, 'd');
  DnsBuilder b;
  b.question(name);
  b.raw().push_back(1);
  b.raw().push_back('x');
  b.put16(0xC000 | 12);
  b.put16(kA);
  b.put16(1);
  b.put32(300);
  b.put16(4);
  b.put32(0xC0000201);
  b.setCount(1, 1);
  EXPECT_EQ(parse(b.bytes()).status, DnsStatus::BadName);
}

TEST(DnsBuilt, ReservedLabelTypeIsBadName) {
  DnsBuilder b;
  b.raw().push_back(0x80);
  b.raw().push_back(0x01);
  b.put16(kA);
  b.put16(1);
  b.setCount(0, 1);
  EXPECT_EQ(parse(b.bytes()).status, DnsStatus::BadName);
}

// Pieces "x" <- "x" <- ... each a label and a pointer to the previous one, hidden in a TXT
// record; the A record's owner points at the last piece, so reading it takes `jumps` jumps.
Bytes pointerLadder(int jumps) {
  const std::string name = [&] {
    std::string s = "x";
    for (int i = 1; i < jumps; ++i) s += ".x";
    return s;
  }();
  DnsBuilder b;
  b.question(name);  // uncompressed: nothing before it to point to
  Bytes rdata;
  const size_t rdataStart = b.size() + 2 + 10 + 0;  // owner pointer, fixed fields
  size_t prev = 0;
  for (int i = 0; i < jumps; ++i) {
    const size_t here = rdataStart + rdata.size();
    rdata.push_back(1);
    rdata.push_back('x');
    if (i == 0) {
      rdata.push_back(0);
    } else {
      rdata.push_back(uint8_t(0xC0 | (prev >> 8)));
      rdata.push_back(uint8_t(prev));
    }
    prev = here;
  }
  b.put16(0xC000 | 12);
  b.put16(kTxt);
  b.put16(1);
  b.put32(300);
  b.put16(uint16_t(rdata.size()));
  b.raw().insert(b.raw().end(), rdata.begin(), rdata.end());
  b.put16(uint16_t(0xC000 | prev));
  b.put16(kA);
  b.put16(1);
  b.put32(300);
  b.put16(4);
  b.put32(0xC0000201);
  b.setCount(1, 2);
  return b.bytes();
}

TEST(DnsBuilt, SixteenJumpsAreFineSeventeenAreALoop) {
  const Parsed ok = parse(pointerLadder(16));
  ASSERT_EQ(ok.status, DnsStatus::Ok);
  EXPECT_EQ(answersOf(*ok.r), (Answers{{"192.0.2.1", 300}}));
  EXPECT_EQ(parse(pointerLadder(17)).status, DnsStatus::PointerLoop);
}

TEST(DnsBuilt, PointerCutAfterItsFirstByteIsTruncated) {
  DnsBuilder b;
  b.raw().push_back(0xC0);
  b.setCount(0, 1);
  EXPECT_EQ(parse(b.bytes()).status, DnsStatus::Truncated);
}

TEST(DnsBuilt, BadNameInACnameTargetFailsTheMessage) {
  DnsBuilder b;
  b.question("www.example");
  b.name("www.example");
  b.put16(kCname);
  b.put16(1);
  b.put32(300);
  b.put16(2);
  b.put16(0xC000 | 0x3FF0);  // past the end
  b.setCount(1, 1);
  EXPECT_EQ(parse(b.bytes()).status, DnsStatus::BadPointer);
}

TEST(DnsBuilt, CnameTargetOverrunningItsRecordIsIgnored) {
  DnsBuilder b;
  b.question("www.example");
  b.name("www.example");
  b.put16(kCname);
  b.put16(1);
  b.put32(300);
  b.put16(1);  // claims one byte, the name runs on into the next record
  b.name("cdn.example");
  b.setCount(1, 1);
  const Parsed p = parse(b.bytes());
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_EQ(p.r->chainLen, 0);
}

TEST(DnsBuilt, CnameTargetCutByTheMessageEndIsTruncatedMessage) {
  DnsBuilder b;
  b.question("www.example").a("www.example", "192.0.2.1");
  b.name("www.example");
  b.put16(kCname);
  b.put16(1);
  b.put32(300);
  b.put16(4);
  b.raw().insert(b.raw().end(), {3, 'c', 'd', 'n'});  // no root label: the name runs off the end
  b.setCount(1, 2);
  const Parsed p = parse(b.bytes());
  ASSERT_EQ(p.status, DnsStatus::Ok);
  EXPECT_TRUE(p.r->truncatedMessage);
  EXPECT_EQ(p.r->chainLen, 0);
  EXPECT_EQ(answersOf(*p.r), (Answers{{"192.0.2.1", 300}}));
}

TEST(DnsBuilt, OutputIsResetBetweenCalls) {
  auto r = std::make_unique<DnsResponse>();
  const Bytes big = loadFixture("cname_chain3");
  ASSERT_EQ(parseDnsResponse(big.data(), big.size(), *r), DnsStatus::Ok);
  ASSERT_EQ(r->chainLen, 3);
  const Bytes tc = loadFixture("tc_flag");
  ASSERT_EQ(parseDnsResponse(tc.data(), tc.size(), *r), DnsStatus::Ok);
  EXPECT_EQ(r->chainLen, 0);
  EXPECT_EQ(r->answerCount, 0);
  EXPECT_EQ(r->qname.view(), "big.example");
  const Bytes small = loadFixture("simple_a");
  ASSERT_EQ(parseDnsResponse(small.data(), small.size(), *r), DnsStatus::Ok);
  EXPECT_FALSE(r->truncatedFlag);
  EXPECT_EQ(r->answerCount, 1);
  const Bytes query = loadFixture("query");
  EXPECT_EQ(parseDnsResponse(query.data(), query.size(), *r), DnsStatus::NotResponse);
  EXPECT_EQ(r->answerCount, 0);
  EXPECT_EQ(r->qname.len, 0);
}

TEST(DnsStatusName, AllNamed) {
  EXPECT_STREQ(dnsStatusName(DnsStatus::Ok), "ok");
  EXPECT_STREQ(dnsStatusName(DnsStatus::NotResponse), "not_response");
  EXPECT_STREQ(dnsStatusName(DnsStatus::Truncated), "truncated");
  EXPECT_STREQ(dnsStatusName(DnsStatus::BadName), "bad_name");
  EXPECT_STREQ(dnsStatusName(DnsStatus::PointerLoop), "pointer_loop");
  EXPECT_STREQ(dnsStatusName(DnsStatus::BadPointer), "bad_pointer");
}

}  // namespace
}  // namespace egressmon
