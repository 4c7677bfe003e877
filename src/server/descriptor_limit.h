// The process's file descriptor budget, settled at start: a server out of descriptors can accept
// no connection, prepare no next journal segment (the one it rotates into is opened ahead) and
// write no snapshot, so connections must not be allowed to take them all.
#pragma once

#include <cstddef>
#include <cstdint>

namespace coupond::server {

// Raises the soft RLIMIT_NOFILE to the hard one (a distribution's soft default, often 1,024, is
// far below what a server with thousands of connections needs); returns the soft limit then in
// force, or 0 when it cannot be read.
std::uint64_t raise_descriptor_limit();

// Connections per port that fit in `descriptors` beside descriptors_reserved, with `ports`
// listeners sharing them; at least 1. `descriptors` 0 (unknown) or unlimited fits any number.
std::size_t connections_that_fit(std::uint64_t descriptors, std::size_t ports);

}  // namespace coupond::server
