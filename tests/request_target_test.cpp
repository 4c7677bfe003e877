// The path the api routes on, read from a request target: decoded, without its query string,
// into a string reused from one request to the next; and the targets that are no URL path,
// refused.
#include "http/request_target.h"

#include <gtest/gtest.h>

namespace coupond::http {
namespace {

std::string path_of(std::string_view target) {
  std::string path = "left over from the last request";
  EXPECT_TRUE(decode_request_path(target, &path)) << target;
  return path;
}

TEST(RequestTargetTest, APlainPathIsItself) {
  EXPECT_EQ(path_of("/v1/validate"), "/v1/validate");
  EXPECT_EQ(path_of("/"), "/");
  EXPECT_EQ(path_of("//a/"), "//a/");
  EXPECT_EQ(path_of("/v1/coupons/D11-ABCD-EFGH"), "/v1/coupons/D11-ABCD-EFGH");
  // Characters a path segment may hold as they are stay as they are; '+' is no space in a path.
  EXPECT_EQ(path_of("/v1/coupons/nonsense!+$&'()*,;=:@~"), "/v1/coupons/nonsense!+$&'()*,;=:@~");
}

TEST(RequestTargetTest, EscapesAreDecoded) {
  EXPECT_EQ(path_of("/v1/coupons/d11%20abcd%20efgh"), "/v1/coupons/d11 abcd efgh");
  EXPECT_EQ(path_of("/v1/coupons/%41%62%3f%23%25"), "/v1/coupons/Ab?#%");
  EXPECT_EQ(path_of("/v1/coupons/%e2%82%ac"), "/v1/coupons/\xE2\x82\xAC");
}

TEST(RequestTargetTest, AnEscapedSlashStaysEscapedSoThatItSplitsNoSegment) {
  // Decoded, "spring%2Fstats" would route as batch spring's stats; kept, it names a batch no id
  // can be (ids and codes never hold '/' nor '%').
  EXPECT_EQ(path_of("/admin/v1/batches/spring%2Fstats"), "/admin/v1/batches/spring%2Fstats");
  EXPECT_EQ(path_of("/admin/v1/coupons/a%20b%2fc%3F%2F/revoke"),
            "/admin/v1/coupons/a b%2fc?%2F/revoke");
  EXPECT_EQ(path_of("/v1/coupons/%2F"), "/v1/coupons/%2F");
  // An escaped '%' followed by "2F" is no escaped slash.
  EXPECT_EQ(path_of("/v1/coupons/a%252Fb%25"), "/v1/coupons/a%2Fb%");
}

TEST(RequestTargetTest, TheQueryStringIsDropped) {
  EXPECT_EQ(path_of("/v1/coupons/AB%20CD?verbose=1&x=%2F"), "/v1/coupons/AB CD");
  EXPECT_EQ(path_of("/healthz?"), "/healthz");
  EXPECT_EQ(path_of("/healthz?a?b/c"), "/healthz");
}

TEST(RequestTargetTest, TargetsThatAreNoUrlPathAreRefused) {
  for (std::string_view target :
       {"/v1/coupons/AB%ZZ", "/v1/coupons/AB%2", "/v1/coupons/AB%", "/v1/coupons/%G1",
        "/healthz?x=%zz", "/v1/coupons/A B", "/v1/coupons/A\"B", "/v1/coupons/A|B",
        "/v1/coupons/A#B", "/v1/coupons/\xE2\x82\xAC", "", "v1/validate",
        // Absolute-form is for requests to a proxy, asterisk-form for OPTIONS * alone: coupond
        // serves neither.
        "http://127.0.0.1:8080/v1/validate", "*"}) {
    std::string path = "left over";
    EXPECT_FALSE(decode_request_path(target, &path)) << target;
    EXPECT_EQ(path, "") << target;
  }
}

TEST(RequestTargetTest, ThePathReusesTheStringsMemory) {
  std::string path;
  path.reserve(64);
  const char* const memory = path.data();
  const std::size_t capacity = path.capacity();
  for (std::string_view target : {"/v1/coupons/d11%20abcd%20efgh?x=1", "/healthz", "*",
                                  "/v1/coupons/AAAAAAAA-BBBBBBBB-CCCCCCCC-DDDDDDDD-EEEEEEEE"}) {
    decode_request_path(target, &path);
    EXPECT_EQ(path.data(), memory) << target;
    EXPECT_EQ(path.capacity(), capacity) << target;
  }
  EXPECT_EQ(path, "/v1/coupons/AAAAAAAA-BBBBBBBB-CCCCCCCC-DDDDDDDD-EEEEEEEE");
  // A longer path than the string holds grows it.
  const std::string long_target = "/v1/coupons/" + std::string(100, 'A');
  ASSERT_TRUE(decode_request_path(long_target, &path));
  EXPECT_EQ(path, long_target);
}

}  // namespace
}  // namespace coupond::http
