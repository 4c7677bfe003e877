// Runs a real HAProxy (/usr/sbin/haproxy) in the foreground on a configuration couponctl wrote, for
// the tests that route through it; stopped (SIGTERM, then SIGKILL) with the object. Tests skip
// themselves when HAProxy is not installed.
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

namespace coupond::testing {

inline constexpr const char* haproxy_binary = "/usr/sbin/haproxy";

class HaproxyProcess {
 public:
  explicit HaproxyProcess(const std::filesystem::path& config) {
    const std::string path = config.string();
    pid_ = ::fork();
    if (pid_ == 0) {
      // Ends with the test, should the test itself end without stopping it (a crash).
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::execl(haproxy_binary, haproxy_binary, "-db", "-q", "-f", path.c_str(), nullptr);
      ::_exit(127);
    }
  }
  ~HaproxyProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  HaproxyProcess(const HaproxyProcess&) = delete;
  HaproxyProcess& operator=(const HaproxyProcess&) = delete;

 private:
  pid_t pid_ = -1;
};

}  // namespace coupond::testing
