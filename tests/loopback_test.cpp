// The protected mode's decision: which peer addresses are this machine's own.
#include "api/loopback.h"

#include <gtest/gtest.h>

namespace coupond::api {
namespace {

TEST(LoopbackTest, LoopbackAddressesAreThisMachines) {
  for (const char* address : {"127.0.0.1", "127.255.0.9", "::1", "0:0:0:0:0:0:0:1",
                              "::ffff:127.0.0.1", "::ffff:127.1.2.3"}) {
    EXPECT_TRUE(is_loopback_address(address)) << address;
  }
}

TEST(LoopbackTest, EveryOtherAddressOrTextIsNot) {
  for (const char* address : {"192.0.2.1", "10.0.0.1", "128.0.0.1", "0.0.0.0", "::", "::2",
                              "::ffff:10.0.0.1", "::127.0.0.1", "2001:db8::1", "fe80::1", "",
                              "localhost", "127.0.0.1 ", "127.0.0.1:8080", "[::1]"}) {
    EXPECT_FALSE(is_loopback_address(address)) << address;
  }
}

}  // namespace
}  // namespace coupond::api
