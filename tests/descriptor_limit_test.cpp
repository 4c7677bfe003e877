// The descriptor budget, end to end with the real binary: the soft RLIMIT_NOFILE raised to the
// hard one at start; connections that find the server out of descriptors neither spin it nor stop
// it from answering once they close; and the arithmetic that keeps the connection limits below
// what fits.
#include "server/descriptor_limit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "coupond/limits.h"
#include "http_client.h"
#include "server_process.h"

namespace coupond {
namespace {

using testing::http_request;
using testing::ServerProcess;

std::size_t open_descriptors(pid_t pid) {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    ++count;
  }
  return count;
}

// User and system CPU time the process has used, in clock ticks.
unsigned long long cpu_ticks(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  // Fields after the command name, which may hold spaces, closed by the last ')'.
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;) fields.push_back(field);
  return std::stoull(fields.at(11)) + std::stoull(fields.at(12));  // utime, stime
}

// A connected socket that sends nothing: it holds a descriptor of the server's, or a place in its
// backlog, until closed.
int idle_connection(unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  return fd;
}

TEST(DescriptorLimitTest, ConnectionsPastTheDescriptorsNeitherSpinTheServerNorStopIt) {
#if defined(__SANITIZE_ADDRESS__)
  // UBSan checks that memory is readable by writing it to a pipe: out of descriptors, it cannot
  // make one and reports every virtual call as one on a bad object.
  GTEST_SKIP() << "the sanitizers' runtime needs descriptors of its own";
#endif
  ServerProcess server;
  ASSERT_TRUE(server.started());
  // A few descriptors left to the server, far fewer than the connections about to come.
  rlimit old{};
  ASSERT_EQ(::prlimit(server.pid(), RLIMIT_NOFILE, nullptr, &old), 0);
  const rlimit tight{open_descriptors(server.pid()) + 4, old.rlim_max};
  ASSERT_EQ(::prlimit(server.pid(), RLIMIT_NOFILE, &tight, nullptr), 0);
  std::vector<int> connections;
  for (int i = 0; i < 40; ++i) connections.push_back(idle_connection(server.data_port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // until the accepts fail

  // Waiting for a descriptor must cost no CPU to speak of: a listener that retries at once uses a
  // whole core for the whole wait. The bound is a quarter of the wait, far from either.
  const unsigned long long before = cpu_ticks(server.pid());
  const auto wait = std::chrono::seconds(2);
  std::this_thread::sleep_for(wait);
  const unsigned long long used = cpu_ticks(server.pid()) - before;
  EXPECT_LT(used, static_cast<unsigned long long>(::sysconf(_SC_CLK_TCK)) * wait.count() / 4);

  for (int fd : connections) ::close(fd);
  EXPECT_EQ(http_request(server.data_port(), "GET", "/healthz").status, 200);
  ASSERT_EQ(::prlimit(server.pid(), RLIMIT_NOFILE, &old, nullptr), 0);
  EXPECT_EQ(server.stop(), 0);
}

TEST(DescriptorLimitTest, TheSoftLimitIsRaisedToTheHardOneAtStart) {
  rlimit own{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &own), 0);
  if (own.rlim_max < 256) GTEST_SKIP() << "the hard limit leaves no room to lower the soft one";
  // The server inherits a soft limit well under the hard one.
  rlimit lowered = own;
  lowered.rlim_cur = 128;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  ServerProcess server;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &own), 0);
  ASSERT_TRUE(server.started());
  rlimit seen{};
  ASSERT_EQ(::prlimit(server.pid(), RLIMIT_NOFILE, nullptr, &seen), 0);
  EXPECT_EQ(seen.rlim_cur, own.rlim_max);
  EXPECT_EQ(server.stop(), 0);
}

TEST(DescriptorLimitTest, BothPortsConnectionsFitBesideTheReservedDescriptors) {
  EXPECT_EQ(server::connections_that_fit(512, 2), (512 - descriptors_reserved) / 2);
  EXPECT_EQ(server::connections_that_fit(descriptors_reserved + 1, 2), 1u);
  EXPECT_EQ(server::connections_that_fit(10, 2), 1u);
  // Unknown (0) or huge: nothing to lower.
  EXPECT_GE(server::connections_that_fit(0, 2), std::size_t{1} << 32);
  EXPECT_GE(server::connections_that_fit(std::uint64_t{1} << 40, 2), std::size_t{1} << 32);
}

}  // namespace
}  // namespace coupond
