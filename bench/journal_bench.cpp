// What one durable record costs: a record appended and waited for (Journal::append, then
// wait_durable, one thread, so every group is one record), and beside it the raw system calls
// that decide that cost on this file system: a small write followed by fdatasync, into a file
// that grows with it, into a region preallocated with fallocate (unwritten extents), and into a
// region written with zeros and synced beforehand, taken in turn. The journal preallocates its
// segments the last way because it is the cheapest (docs/storage.md, "Journal segment").
//
// The files go in the system's temporary directory (TMPDIR): run on the file system coupond uses.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "journal/journal.h"

namespace coupond {
namespace {

constexpr std::size_t record_bytes = 200;  // about a redemption's record
constexpr off_t region_bytes = 64 << 20;

std::filesystem::path make_directory(const char* name) {
  std::string pattern = (std::filesystem::temp_directory_path() / name).string() + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern;
}

// Each operation timed on its own: on a disk shared with other work the mean is the noise's, so
// the 10th percentile (near the cost with no one else queued), the median and the 99th are
// reported beside it (microseconds).
class Latencies {
 public:
  void start() { started_ = std::chrono::steady_clock::now(); }
  void stop() {
    latencies_.push_back(std::chrono::duration<double, std::micro>(
                             std::chrono::steady_clock::now() - started_).count());
  }
  void report(benchmark::State& state, const std::string& name = "") {
    if (latencies_.empty()) return;
    std::sort(latencies_.begin(), latencies_.end());
    const std::string prefix = name.empty() ? "" : name + "_";
    state.counters[prefix + "p10_us"] = latencies_[latencies_.size() / 10];
    state.counters[prefix + "p50_us"] = latencies_[latencies_.size() / 2];
    state.counters[prefix + "p99_us"] = latencies_[latencies_.size() * 99 / 100];
  }

 private:
  std::chrono::steady_clock::time_point started_;
  std::vector<double> latencies_;
};

enum class Region { growing, fallocated, zero_written };

// A file ready for small synced writes from offset 0, prepared as region says.
int prepare_file(const std::filesystem::path& path, Region region) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) std::abort();
  if (region == Region::fallocated && ::fallocate(fd, 0, 0, region_bytes) != 0) std::abort();
  if (region == Region::zero_written) {
    const std::vector<char> zeros(1 << 20, 0);
    for (off_t at = 0; at < region_bytes; at += static_cast<off_t>(zeros.size())) {
      if (::pwrite(fd, zeros.data(), zeros.size(), at) != static_cast<ssize_t>(zeros.size())) {
        std::abort();
      }
    }
  }
  if (::fsync(fd) != 0) std::abort();
  return fd;
}

// A write of the argument's bytes (one record, or a group of many) and fdatasync into each of the
// three files in turn, so that all three see the same moments of a disk that other work shares;
// each file's latencies are reported apart.
void BM_SyncedWriteGrowingFallocatedZeroWritten(benchmark::State& state) {
  const std::filesystem::path directory = make_directory("coupond-journal-bench");
  const std::string record(static_cast<std::size_t>(state.range(0)), 'r');
  struct Target {
    Region region;
    const char* name;
    int fd = -1;
    Latencies latencies;
  };
  Target targets[] = {{Region::growing, "growing", -1, {}},
                      {Region::fallocated, "fallocated", -1, {}},
                      {Region::zero_written, "zero_written", -1, {}}};
  const auto prepare_all = [&] {
    for (Target& target : targets) {
      if (target.fd >= 0) ::close(target.fd);
      target.fd = prepare_file(directory / target.name, target.region);
    }
  };
  prepare_all();
  off_t offset = 0;
  for (auto _ : state) {
    if (offset + static_cast<off_t>(record.size()) > region_bytes) {
      state.PauseTiming();
      prepare_all();
      offset = 0;
      state.ResumeTiming();
    }
    for (Target& target : targets) {
      target.latencies.start();
      if (::pwrite(target.fd, record.data(), record.size(), offset) !=
              static_cast<ssize_t>(record.size()) ||
          ::fdatasync(target.fd) != 0) {
        std::abort();
      }
      target.latencies.stop();
    }
    offset += static_cast<off_t>(record.size());
  }
  for (Target& target : targets) {
    target.latencies.report(state, target.name);
    ::close(target.fd);
  }
  std::filesystem::remove_all(directory);
}
BENCHMARK(BM_SyncedWriteGrowingFallocatedZeroWritten)
    ->Arg(record_bytes)
    ->Arg(16 << 10)
    ->Arg(128 << 10)
    ->UseRealTime();

// Records of record_bytes, each appended and waited for alone. Segments of 4 MiB (the argument
// says how many MiB) rotate every ~20,000 records, so rotations are inside the measure.
void BM_JournalAppendAndWaitDurable(benchmark::State& state) {
  const std::filesystem::path directory = make_directory("coupond-journal-bench");
  journal::JournalOptions options;
  options.directory = directory;
  options.segment_bytes_max = static_cast<std::uint64_t>(state.range(0)) << 20;
  std::unique_ptr<journal::Journal> journal;
  if (!journal::Journal::open(options, 1, &journal).is_ok()) std::abort();
  const std::string payload(record_bytes - sizeof(journal::RecordHeader), 'p');
  Latencies latencies;
  for (auto _ : state) {
    latencies.start();
    const std::uint64_t sequence = journal->append(journal::RecordType::use_taken, payload);
    if (!journal->wait_durable(sequence).is_ok()) std::abort();
    latencies.stop();
  }
  latencies.report(state);
  journal.reset();
  std::filesystem::remove_all(directory);
}
BENCHMARK(BM_JournalAppendAndWaitDurable)->Arg(4)->Arg(64)->UseRealTime();

}  // namespace
}  // namespace coupond
