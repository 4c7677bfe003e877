// A simulated power cut for the crash tests. A program runs under the power-cut shim
// (tests/power_cut_shim.cpp, LD_PRELOAD), which logs every completed sync and every change of a
// name under its directory; once the program has been killed, cut_power() turns what it left into
// what a power cut at that moment could have left: each file cut back to its size at its last
// completed sync, what it had written in place since then turned back to zeros, and each
// creation, rename and unlink undone unless its directory was synced after it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace coupond::testing {

// The environment entries that run a program under the shim, watching directory (which must exist
// when the program starts) and logging to log (outside directory, on the same file system).
std::vector<std::string> power_cut_environment(const std::filesystem::path& directory,
                                               const std::filesystem::path& log);

struct PowerCutReport {
  int syncs_seen = 0;               // completed syncs of files the log holds
  int files_cut = 0;                // files cut back to their synced size, or zeroed in place
  std::uint64_t bytes_dropped = 0;  // what was cut from them or zeroed
  int names_undone = 0;             // creations, renames and unlinks undone
  std::vector<std::string> notes;   // one line per change the cut made
  std::string describe() const;
};

// Cuts the power on directory, whose program has been killed, as its log says, then removes the
// log and the files the shim kept beside it so that the next run starts a new one. Subdirectories
// in rebuilt (the program rebuilds them at every start) are left as they are.
PowerCutReport cut_power(const std::filesystem::path& directory, const std::filesystem::path& log,
                         const std::vector<std::filesystem::path>& rebuilt = {});

}  // namespace coupond::testing
