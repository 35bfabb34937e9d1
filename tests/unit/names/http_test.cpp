// HTTP/1.x request Host parser over stream prefixes.
#include "egressmon/names/http.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace egressmon {
namespace {

struct Parsed {
  HttpStatus status = HttpStatus::kCount;
  std::string host;
  std::string method;
};

Parsed parse(std::string_view s) {
  HttpRequestInfo info;
  Parsed p;
  p.status = parseHttpRequest(reinterpret_cast<const uint8_t*>(s.data()), s.size(), info);
  p.host = std::string(info.hostView());
  p.method = info.method;
  EXPECT_EQ(info.host[info.hostLen], '\0');
  return p;
}

bool looksLike(std::string_view s) {
  return looksLikeHttpRequest(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

const std::string kCurl =
    "GET /index.html HTTP/1.1\r\n"
    "Host: www.Example.com\r\n"
    "User-Agent: curl/8.5.0\r\n"
    "Accept: */*\r\n"
    "\r\n";

TEST(Http, WholeRequest) {
  const Parsed p = parse(kCurl);
  EXPECT_EQ(p.status, HttpStatus::Ok);
  EXPECT_EQ(p.host, "www.example.com");
  EXPECT_EQ(p.method, "GET");
}

TEST(Http, BodyAndPipelinedBytesAfterTheHeadersAreIgnored) {
  const Parsed p = parse(
      "POST /api HTTP/1.1\r\nHost: api.example\r\nContent-Length: 4\r\n\r\n\x01\x02\x03\x04GET ");
  EXPECT_EQ(p.status, HttpStatus::Ok);
  EXPECT_EQ(p.host, "api.example");
  EXPECT_EQ(p.method, "POST");
}

void expectEverySplitNeedsMoreThenOk(const std::string& req, const std::string& host) {
  for (size_t n = 0; n < req.size(); ++n) {
    const Parsed p = parse(std::string_view(req).substr(0, n));
    EXPECT_EQ(p.status, HttpStatus::NeedMore) << "prefix of " << n << " bytes";
    EXPECT_EQ(p.host, "") << n;
  }
  const Parsed p = parse(req);
  EXPECT_EQ(p.status, HttpStatus::Ok);
  EXPECT_EQ(p.host, host);
}

TEST(Http, SplitAtEveryByte) {
  expectEverySplitNeedsMoreThenOk(kCurl, "www.example.com");
}

TEST(Http, SplitAtEveryByteWithLfOnly) {
  expectEverySplitNeedsMoreThenOk("HEAD / HTTP/1.0\nhost:\tcdn.example:8443 \nX: y\n\n",
                                  "cdn.example");
}

TEST(Http, SplitAtEveryByteAbsoluteForm) {
  expectEverySplitNeedsMoreThenOk("GET http://proxy.example:3128/x HTTP/1.1\r\n\r\n",
                                  "proxy.example");
}

TEST(Http, MethodIsKnownBeforeTheHeadersEnd) {
  const Parsed p = parse("DELETE /x HTTP/1.1\r\nHost: a");
  EXPECT_EQ(p.status, HttpStatus::NeedMore);
  EXPECT_EQ(p.method, "DELETE");
  EXPECT_EQ(p.host, "");
}

TEST(Http, AllMethods) {
  for (const char* m : {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
                        "PATCH"}) {
    const std::string target = std::string(m) == "CONNECT" ? "h.example:443" : "/";
    const Parsed p = parse(std::string(m) + " " + target + " HTTP/1.1\r\nHost: h.example\r\n\r\n");
    EXPECT_EQ(p.status, HttpStatus::Ok) << m;
    EXPECT_EQ(p.method, m);
    EXPECT_EQ(p.host, "h.example") << m;
    EXPECT_TRUE(looksLike(std::string(m) + " ")) << m;
  }
}

TEST(Http, LooksLikeRequest) {
  EXPECT_TRUE(looksLike("GET / HTTP/1.1\r\n"));
  EXPECT_TRUE(looksLike("OPTIONS "));
  EXPECT_FALSE(looksLike("GET"));       // not enough bytes yet
  EXPECT_FALSE(looksLike("get / HTTP/1.1\r\n"));  // methods are case-sensitive
  EXPECT_FALSE(looksLike("GETS / HTTP/1.1\r\n"));
  EXPECT_FALSE(looksLike("PRI * HTTP/2.0\r\n"));
  EXPECT_FALSE(looksLike("\x16\x03\x01\x02\x00"));
  EXPECT_FALSE(looksLike(""));
  EXPECT_FALSE(looksLikeHttpRequest(nullptr, 0));
}

TEST(Http, HostWithPort) {
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n").host, "example.com");
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: example.com:\r\n\r\n").host, "example.com");
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: 192.0.2.7:80\r\n\r\n").host, "192.0.2.7");
}

TEST(Http, Ipv6Literal) {
  Parsed p = parse("GET / HTTP/1.1\r\nHost: [2001:DB8::1]:8080\r\n\r\n");
  EXPECT_EQ(p.status, HttpStatus::Ok);
  EXPECT_EQ(p.host, "2001:db8::1");
  p = parse("GET / HTTP/1.1\r\nHost: [::ffff:192.0.2.1]\r\n\r\n");
  EXPECT_EQ(p.status, HttpStatus::Ok);
  EXPECT_EQ(p.host, "::ffff:192.0.2.1");
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: [2001:db8::1\r\n\r\n").status, HttpStatus::Malformed);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: [2001:db8::1]x\r\n\r\n").status, HttpStatus::Malformed);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: [example.com]\r\n\r\n").status, HttpStatus::Malformed);
  // An unbracketed IPv6 address cannot be told from host:port.
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: 2001:db8::1\r\n\r\n").status, HttpStatus::Malformed);
}

TEST(Http, UppercaseHostAndHeaderName) {
  const Parsed p = parse("GET / HTTP/1.1\r\nHOST:   WWW.EXAMPLE.ORG.  \r\n\r\n");
  EXPECT_EQ(p.status, HttpStatus::Ok);
  EXPECT_EQ(p.host, "www.example.org");
}

TEST(Http, TrailingDotRemovedBeforeOrAfterPort) {
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: example.com.:81\r\n\r\n").host, "example.com");
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: example.com.\r\n\r\n").host, "example.com");
}

TEST(Http, MissingHost) {
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n").status, HttpStatus::NoHost);
  EXPECT_EQ(parse("GET / HTTP/1.0\r\n\r\n").status, HttpStatus::NoHost);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost:\r\n\r\n").status, HttpStatus::NoHost);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost:  \r\n\r\n").status, HttpStatus::NoHost);
  EXPECT_EQ(parse("OPTIONS * HTTP/1.1\r\nX-Host: a.example\r\n\r\n").status, HttpStatus::NoHost);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: :80\r\n\r\n").status, HttpStatus::NoHost);
}

TEST(Http, AbsoluteForm) {
  Parsed p = parse("GET http://Proxy.Example:8080/path?q=1 HTTP/1.1\r\n\r\n");
  EXPECT_EQ(p.status, HttpStatus::Ok);
  EXPECT_EQ(p.host, "proxy.example");
  p = parse("GET https://user:pw@[2001:db8::5]:443 HTTP/1.1\r\nAccept: */*\r\n\r\n");
  EXPECT_EQ(p.status, HttpStatus::Ok);
  EXPECT_EQ(p.host, "2001:db8::5");
  p = parse("GET http://a.example?x=1 HTTP/1.1\r\n\r\n");
  EXPECT_EQ(p.host, "a.example");
  // RFC 9112 3.2.2: the target's authority overrides the Host header.
  p = parse("GET http://target.example/ HTTP/1.1\r\nHost: decoy.example\r\n\r\n");
  EXPECT_EQ(p.status, HttpStatus::Ok);
  EXPECT_EQ(p.host, "target.example");
  // Not absolute-form: the Host header decides.
  p = parse("GET /redirect?to=http://elsewhere.example/ HTTP/1.1\r\nHost: site.example\r\n\r\n");
  EXPECT_EQ(p.host, "site.example");
  EXPECT_EQ(parse("GET http:///nohost HTTP/1.1\r\n\r\n").status, HttpStatus::NoHost);
  // Not a scheme: the target is not absolute-form, so Host decides (or there is none).
  EXPECT_EQ(parse("GET 1ttp://a.example/ HTTP/1.1\r\nHost: h.example\r\n\r\n").host, "h.example");
  EXPECT_EQ(parse("GET h_t://a.example/ HTTP/1.1\r\n\r\n").status, HttpStatus::NoHost);
  EXPECT_EQ(parse("GET ://a.example/ HTTP/1.1\r\n\r\n").status, HttpStatus::NoHost);
  EXPECT_EQ(parse("GET svn+ssh://A.example/ HTTP/1.1\r\n\r\n").host, "a.example");
}

TEST(Http, ConnectAuthorityForm) {
  const Parsed p = parse("CONNECT Tunnel.Example:443 HTTP/1.1\r\n\r\n");
  EXPECT_EQ(p.status, HttpStatus::Ok);
  EXPECT_EQ(p.host, "tunnel.example");
  EXPECT_EQ(p.method, "CONNECT");
}

TEST(Http, NonHttpBytes) {
  EXPECT_EQ(parse("SSH-2.0-OpenSSH_9.6\r\n").status, HttpStatus::NotHttp);
  EXPECT_EQ(parse("get / HTTP/1.1\r\nHost: a\r\n\r\n").status, HttpStatus::NotHttp);
  EXPECT_EQ(parse("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").status, HttpStatus::NotHttp);
  EXPECT_EQ(parse("GET / HTTP/2.0\r\nHost: a\r\n\r\n").status, HttpStatus::NotHttp);
  EXPECT_EQ(parse("GET / HTTP/1.2\r\nHost: a\r\n\r\n").status, HttpStatus::NotHttp);
  EXPECT_EQ(parse("GET /\r\n").status, HttpStatus::NotHttp);  // HTTP/0.9
  EXPECT_EQ(parse("GETX / HTTP/1.1\r\n").status, HttpStatus::NotHttp);
  EXPECT_EQ(parse(" GET / HTTP/1.1\r\n").status, HttpStatus::NotHttp);
}

TEST(Http, PrefixOfAMethodNeedsMore) {
  EXPECT_EQ(parse("").status, HttpStatus::NeedMore);
  EXPECT_EQ(parse("P").status, HttpStatus::NeedMore);
  EXPECT_EQ(parse("OPTION").status, HttpStatus::NeedMore);
  EXPECT_EQ(parse("CONNECT").status, HttpStatus::NeedMore);
  EXPECT_EQ(parse("X").status, HttpStatus::NotHttp);
  HttpRequestInfo info;
  EXPECT_EQ(parseHttpRequest(nullptr, 0, info), HttpStatus::NeedMore);
}

TEST(Http, BinaryGarbage) {
  const std::string tls("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
  EXPECT_EQ(parse(tls).status, HttpStatus::NotHttp);
  const std::string zeros(64, '\0');
  EXPECT_EQ(parse(zeros).status, HttpStatus::NotHttp);
  // A method followed by binary bytes is rejected at once, not after 8 KiB.
  EXPECT_EQ(parse(std::string("GET /\x00\x01\x02", 8)).status, HttpStatus::Malformed);
  EXPECT_EQ(parse("GET /\x01").status, HttpStatus::Malformed);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\x7f").status, HttpStatus::Malformed);
  // High bytes are not allowed in the request target.
  EXPECT_EQ(parse("GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n").status, HttpStatus::Malformed);
}

TEST(Http, BareCrIsMalformed) {
  EXPECT_EQ(parse("GET / HTTP/1.1\rHost: a\r\n\r\n").status, HttpStatus::Malformed);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\rX\r\n\r\n").status, HttpStatus::Malformed);
  // A CR at the very end may still be followed by its LF.
  EXPECT_EQ(parse("GET / HTTP/1.1\r").status, HttpStatus::NeedMore);
}

TEST(Http, OverLongHeaders) {
  std::string req = "GET / HTTP/1.1\r\nHost: big.example\r\nCookie: ";
  const std::string filler(kHttpMaxHeaderBytes, 'a');
  EXPECT_EQ(parse(req + filler.substr(0, 100)).status, HttpStatus::NeedMore);
  EXPECT_EQ(parse(req + filler).status, HttpStatus::Malformed);  // no end in sight at 8 KiB
  EXPECT_EQ(parse(req + filler + "\r\n\r\n").status, HttpStatus::Malformed);
  // Headers ending exactly at the limit are fine; one byte more is not.
  const size_t fit = kHttpMaxHeaderBytes - req.size() - 4;
  const std::string exact = req + filler.substr(0, fit) + "\r\n\r\n";
  ASSERT_EQ(exact.size(), kHttpMaxHeaderBytes);
  EXPECT_EQ(parse(exact).status, HttpStatus::Ok);
  EXPECT_EQ(parse(exact + "trailing body bytes").status, HttpStatus::Ok);
  const std::string over = req + filler.substr(0, fit + 1) + "\r\n\r\n";
  EXPECT_EQ(parse(over).status, HttpStatus::Malformed);
  // A request line alone that never ends.
  EXPECT_EQ(parse("GET /" + filler).status, HttpStatus::Malformed);
}

TEST(Http, LfOnlyLineEndings) {
  const Parsed p = parse("GET / HTTP/1.1\nHost: lf.example\nAccept: */*\n\n");
  EXPECT_EQ(p.status, HttpStatus::Ok);
  EXPECT_EQ(p.host, "lf.example");
  // Mixed endings are fine too.
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: mix.example\n\r\n").host, "mix.example");
}

TEST(Http, ObsFoldIsMalformed) {
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a.example\r\n  .evil\r\n\r\n").status,
            HttpStatus::Malformed);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nX-A: 1\r\n\tHost: b.example\r\n\r\n").status,
            HttpStatus::Malformed);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\n Host: c.example\r\n\r\n").status, HttpStatus::Malformed);
}

TEST(Http, BadHeaderLines) {
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost : a.example\r\n\r\n").status, HttpStatus::Malformed);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nno colon here\r\n\r\n").status, HttpStatus::Malformed);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\n: empty name\r\n\r\n").status, HttpStatus::Malformed);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a.example\r\nhost: b.example\r\n\r\n").status,
            HttpStatus::Malformed);  // two Host headers
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a b.example\r\n\r\n").status, HttpStatus::Malformed);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: user@a.example\r\n\r\n").status,
            HttpStatus::Malformed);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a.example:8o\r\n\r\n").status, HttpStatus::Malformed);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: \xc3\xa9.example\r\n\r\n").status,
            HttpStatus::Malformed);
  EXPECT_EQ(parse("GET  / HTTP/1.1\r\nHost: a\r\n\r\n").status, HttpStatus::Malformed);
  EXPECT_EQ(parse("GET / x HTTP/1.1\r\nHost: a\r\n\r\n").status, HttpStatus::Malformed);
  EXPECT_EQ(parse("GET  HTTP/1.1\r\nHost: a\r\n\r\n").status, HttpStatus::Malformed);
  // Other headers' values are not checked beyond control bytes.
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nX-Name: caf\xc3\xa9\t!\r\nHost: ok.example\r\n\r\n").status,
            HttpStatus::Ok);
}

TEST(Http, HostLengthLimit) {
  const std::string label(63, 'a');
  const std::string longest = label + "." + label + "." + label + "." + label;  // 255
  ASSERT_EQ(longest.size(), HttpRequestInfo::kMaxHost);
  Parsed p = parse("GET / HTTP/1.1\r\nHost: " + longest + "\r\n\r\n");
  EXPECT_EQ(p.status, HttpStatus::Ok);
  EXPECT_EQ(p.host, longest);
  p = parse("GET / HTTP/1.1\r\nHost: " + longest + "a\r\n\r\n");
  EXPECT_EQ(p.status, HttpStatus::Malformed);
}

TEST(Http, OutputIsResetBetweenCalls) {
  HttpRequestInfo info;
  const std::string a = "PATCH /x HTTP/1.1\r\nHost: first.example\r\n\r\n";
  ASSERT_EQ(parseHttpRequest(reinterpret_cast<const uint8_t*>(a.data()), a.size(), info),
            HttpStatus::Ok);
  EXPECT_EQ(info.hostView(), "first.example");
  const std::string b = "SSH-2.0-x\r\n";
  EXPECT_EQ(parseHttpRequest(reinterpret_cast<const uint8_t*>(b.data()), b.size(), info),
            HttpStatus::NotHttp);
  EXPECT_EQ(info.hostLen, 0);
  EXPECT_STREQ(info.host, "");
  EXPECT_STREQ(info.method, "");
}

TEST(HttpStatusName, AllNamed) {
  EXPECT_STREQ(httpStatusName(HttpStatus::Ok), "ok");
  EXPECT_STREQ(httpStatusName(HttpStatus::NeedMore), "need_more");
  EXPECT_STREQ(httpStatusName(HttpStatus::NotHttp), "not_http");
  EXPECT_STREQ(httpStatusName(HttpStatus::NoHost), "no_host");
  EXPECT_STREQ(httpStatusName(HttpStatus::Malformed), "malformed");
}

}  // namespace
}  // namespace egressmon
