// Runs the real coupond binary for end-to-end tests: on loopback, on ports the kernel picks, with
// a fresh data directory; stops it with SIGTERM (SIGKILL after a bounded wait) when done.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "test_support.h"

namespace coupond::testing {

class ServerProcess {
 public:
  // Starts coupond with --data-dir, loopback listeners on port 0, and extra_flags; waits (up to
  // ten seconds) for its two "listening on" lines.
  explicit ServerProcess(std::vector<std::string> extra_flags = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  bool started() const { return data_port_ != 0 && admin_port_ != 0; }
  unsigned short data_port() const { return data_port_; }
  unsigned short admin_port() const { return admin_port_; }
  const std::string& admin_token() const { return admin_token_; }
  const std::filesystem::path& data_dir() const { return directory_.path(); }

  // Sends SIGTERM and waits (up to ten seconds) for the exit; returns the exit status, or -1 when
  // it had to be killed.
  int stop();

 private:
  TemporaryDirectory directory_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  unsigned short data_port_ = 0;
  unsigned short admin_port_ = 0;
  std::string admin_token_;
};

// Runs `binary args...` to completion (ten seconds at most) and returns its exit status, with its
// standard output and error in *output.
int run_program(const std::string& binary, const std::vector<std::string>& args,
                std::string* output);

inline int run_coupond(const std::vector<std::string>& args, std::string* output) {
  return run_program(COUPOND_BINARY, args, output);
}

}  // namespace coupond::testing
