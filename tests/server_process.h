// Runs the real coupond binary for end-to-end tests: on loopback, on ports the kernel picks, with
// a fresh data directory; stops it with SIGTERM (SIGKILL after a bounded wait) when done.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "http_client.h"
#include "test_support.h"

namespace coupond::testing {

struct ServerOptions {
  std::vector<std::string> extra_flags;
  // Empty: a fresh directory of the ServerProcess's own, removed with it. Otherwise this one,
  // kept: a restart finds what the last run left.
  std::filesystem::path data_dir;
  // Added to the server's environment (replacing an inherited entry of the same name), e.g.
  // "COUPOND_FAULT_POINT=journal.after_sync:40".
  std::vector<std::string> environment;
  // Keep the server's standard error for error_output() (read when it ends) instead of passing
  // it through. Only for servers that log little: nothing reads the pipe while they run.
  bool capture_error_output = false;
  // The data plane's port; 0 lets the kernel pick. A node started again on the port it had keeps
  // the place a router's configuration gives it.
  unsigned short data_port = 0;
};

class ServerProcess {
 public:
  // Starts coupond with --data-dir, loopback listeners on port 0, and extra_flags; waits (up to
  // ten seconds) for its two "listening on" lines.
  explicit ServerProcess(std::vector<std::string> extra_flags = {});
  explicit ServerProcess(const ServerOptions& options);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  bool started() const { return data_port_ != 0 && admin_port_ != 0; }
  unsigned short data_port() const { return data_port_; }
  unsigned short admin_port() const { return admin_port_; }
  const std::string& admin_token() const { return admin_token_; }
  // One call of the admin API, with the admin token.
  HttpResult admin(const std::string& method, const std::string& target,
                   const std::string& body = {}) const {
    return http_request(admin_port_, method, target, body, admin_token_);
  }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  // The server's process id while it runs; -1 once it has been stopped or killed.
  pid_t pid() const { return pid_; }

  // Sends SIGTERM and waits (up to ten seconds) for the exit; returns the exit status, or -1 when
  // it had to be killed.
  int stop();
  // SIGKILL, as a crash or a power cut would end it: no snapshot, no flush.
  void kill_now();
  // Waits up to timeout for the server to end by itself (a fault point, a fatal error); returns
  // its exit status, -1 for a signal (*killed_by receives it), or -2 when it is still running.
  int wait_for_end(std::chrono::milliseconds timeout, int* killed_by = nullptr);
  // What the server wrote on its standard error so far: read by wait_for_end and stop.
  const std::string& error_output() const { return error_output_; }

 private:
  void drain_error_output();

  TemporaryDirectory directory_;
  std::filesystem::path data_dir_;
  int stderr_fd_ = -1;
  std::string error_output_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  unsigned short data_port_ = 0;
  unsigned short admin_port_ = 0;
  std::string admin_token_;
};

// Runs `binary args...` to completion (ten seconds at most) and returns its exit status, with its
// standard output and error in *output; environment is added to the test's own.
int run_program(const std::string& binary, const std::vector<std::string>& args,
                std::string* output, const std::vector<std::string>& environment = {});

inline int run_coupond(const std::vector<std::string>& args, std::string* output) {
  return run_program(COUPOND_BINARY, args, output);
}

// A port free on 127.0.0.1 now (bound to port 0, then released): for the peers a test starts
// that cannot take port 0 themselves (etcd, a replication listener).
unsigned short free_loopback_port();

}  // namespace coupond::testing
