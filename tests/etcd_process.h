// Runs a real etcd (/usr/bin/etcd) for the election tests: on loopback, on ports picked free, with
// a data directory of its own; killed when done. Tests skip themselves when etcd is not installed.
#pragma once

#include <sys/types.h>

#include <string>

#include "test_support.h"

namespace coupond::testing {

inline constexpr const char* etcd_binary = "/usr/bin/etcd";
bool etcd_installed();

class EtcdProcess {
 public:
  // Picks its two ports; start() runs it.
  EtcdProcess();
  ~EtcdProcess();
  EtcdProcess(const EtcdProcess&) = delete;
  EtcdProcess& operator=(const EtcdProcess&) = delete;

  // Starts etcd (again, on the same ports and data) and waits, up to ten seconds, until it
  // grants a lease. False when it does not come up.
  bool start();
  // SIGKILL and reap: etcd is down at once.
  void kill_now();
  bool running() const { return pid_ > 0; }

  unsigned short client_port() const { return client_port_; }
  // "http://127.0.0.1:PORT", as --etcd takes it.
  std::string endpoint() const;

 private:
  TemporaryDirectory directory_;
  unsigned short client_port_ = 0;
  unsigned short peer_port_ = 0;
  pid_t pid_ = -1;
};


}  // namespace coupond::testing
