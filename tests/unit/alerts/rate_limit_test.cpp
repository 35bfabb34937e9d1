// AlertRateLimiter: exact admitted and suppressed counts, and the summary of each interval.
#include <gtest/gtest.h>

#include "egressmon/alerts/rate_limit.h"
#include "test_alerts.h"

using namespace egressmon;
using egressmon::test::kT0;

TEST(AlertRateLimit, CountsBeyondTheLimitAndSummarisesWhenTheIntervalEnds) {
  AlertRateLimiter r(RateLimitConfig{20, seconds(10)});
  int admitted = 0;
  for (int i = 0; i < 25; ++i) {
    const TimeUs t = kT0 + i * 100'000;  // 25 alerts in 2.5 s
    EXPECT_FALSE(r.poll(t));
    admitted += r.admit(t) ? 1 : 0;
  }
  EXPECT_EQ(admitted, 20);
  EXPECT_FALSE(r.poll(kT0 + seconds(10) - 1));  // the interval has not ended yet
  auto s = r.poll(kT0 + seconds(10));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->suppressed, 5u);
  EXPECT_EQ(s->limit, 20u);
  EXPECT_EQ(s->interval, seconds(10));
  EXPECT_EQ(s->windowStart, kT0);
  EXPECT_EQ(s->time, kT0 + seconds(10));
  EXPECT_EQ(s->text(), "5 alerts suppressed in the last 10 s (rate limit 20 per 10 s)");
  EXPECT_FALSE(r.poll(kT0 + seconds(20)));  // reported once
  EXPECT_EQ(r.stats().admitted, 20u);
  EXPECT_EQ(r.stats().suppressed, 5u);
  EXPECT_EQ(r.stats().summaries, 1u);
}

TEST(AlertRateLimit, NoSummaryForAnIntervalWithinTheLimit) {
  AlertRateLimiter r(RateLimitConfig{3, seconds(10)});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(r.admit(kT0 + i));
  EXPECT_FALSE(r.poll(kT0 + seconds(30)));
  EXPECT_FALSE(r.finish(kT0 + seconds(30)));
}

TEST(AlertRateLimit, IntervalsStartAtTheFirstAlertAfterThePreviousEnded) {
  AlertRateLimiter r(RateLimitConfig{2, seconds(10)});
  EXPECT_TRUE(r.admit(kT0));
  EXPECT_TRUE(r.admit(kT0 + seconds(1)));
  EXPECT_FALSE(r.admit(kT0 + seconds(2)));
  // Next interval starts at kT0 + 25 s, not at kT0 + 20 s.
  auto s1 = r.poll(kT0 + seconds(25));
  ASSERT_TRUE(s1);
  EXPECT_EQ(s1->suppressed, 1u);
  EXPECT_TRUE(r.admit(kT0 + seconds(25)));
  EXPECT_TRUE(r.admit(kT0 + seconds(34)));
  EXPECT_FALSE(r.admit(kT0 + seconds(34)));
  EXPECT_FALSE(r.admit(kT0 + seconds(34)));
  EXPECT_FALSE(r.poll(kT0 + seconds(35) - 1));
  auto s2 = r.poll(kT0 + seconds(35));
  ASSERT_TRUE(s2);
  EXPECT_EQ(s2->suppressed, 2u);
  EXPECT_EQ(s2->windowStart, kT0 + seconds(25));
}

TEST(AlertRateLimit, AdmitWithoutPollStillLosesNothing) {
  AlertRateLimiter r(RateLimitConfig{1, seconds(10)});
  EXPECT_TRUE(r.admit(kT0));
  EXPECT_FALSE(r.admit(kT0 + 1));
  EXPECT_TRUE(r.admit(kT0 + seconds(11)));  // closes the first interval into a pending summary
  EXPECT_FALSE(r.admit(kT0 + seconds(12)));
  EXPECT_FALSE(r.admit(kT0 + seconds(13)));
  auto s = r.poll(kT0 + seconds(30));  // both intervals, merged
  ASSERT_TRUE(s);
  EXPECT_EQ(s->suppressed, 3u);
  EXPECT_EQ(r.stats().suppressed, 3u);
}

TEST(AlertRateLimit, FinishReportsTheOpenInterval) {
  AlertRateLimiter r(RateLimitConfig{1, seconds(10)});
  EXPECT_TRUE(r.admit(kT0));
  EXPECT_FALSE(r.admit(kT0 + seconds(1)));
  EXPECT_FALSE(r.poll(kT0 + seconds(2)));
  auto s = r.finish(kT0 + seconds(2));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->suppressed, 1u);
  EXPECT_EQ(s->time, kT0 + seconds(2));
  EXPECT_FALSE(r.finish(kT0 + seconds(2)));  // idempotent
}

TEST(AlertRateLimit, ZeroLimitMeansUnlimited) {
  AlertRateLimiter r(RateLimitConfig{0, seconds(10)});
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(r.admit(kT0));
  EXPECT_FALSE(r.finish(kT0));
  EXPECT_EQ(r.stats().admitted, 1000u);
}
