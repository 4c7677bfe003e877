// Raising RLIMIT_NOFILE and sizing the connection limits to it: see descriptor_limit.h.
#include "server/descriptor_limit.h"

#include <sys/resource.h>

#include <algorithm>
#include <limits>

#include "coupond/limits.h"

namespace coupond::server {

std::uint64_t raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    // Refused (a hard limit above the kernel's nr_open): keep the soft one.
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY) return std::numeric_limits<std::uint64_t>::max();
  return limit.rlim_cur;
}

std::size_t connections_that_fit(std::uint64_t descriptors, std::size_t ports) {
  if (descriptors == 0 || descriptors > std::numeric_limits<std::size_t>::max()) {
    return std::numeric_limits<std::size_t>::max();
  }
  const std::size_t usable = static_cast<std::size_t>(descriptors);
  if (usable <= descriptors_reserved) return 1;
  const std::size_t per_port = (usable - descriptors_reserved) / std::max<std::size_t>(1, ports);
  return std::max<std::size_t>(1, per_port);
}

}  // namespace coupond::server
