// What one durable record costs: a record appended and waited for (Journal::append, then
// wait_durable, one thread, so every group is one record), and beside it the raw system calls
// that decide that cost on this file system: a small write followed by fdatasync, into a file
// that grows with it, into a region preallocated with fallocate (unwritten extents), and into a
// region written with zeros and synced beforehand. The journal preallocates its segments the
// last way because it is the cheapest (docs/storage.md, "Journal segment").
//
// The files go in the system's temporary directory (TMPDIR): run on the file system coupond uses.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

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

void synced_writes(benchmark::State& state, Region region) {
  const std::filesystem::path directory = make_directory("coupond-journal-bench");
  const std::string record(record_bytes, 'r');
  int fd = prepare_file(directory / "file", region);
  off_t offset = 0;
  for (auto _ : state) {
    if (offset + static_cast<off_t>(record_bytes) > region_bytes) {
      state.PauseTiming();
      ::close(fd);
      fd = prepare_file(directory / "file", region);
      offset = 0;
      state.ResumeTiming();
    }
    if (::pwrite(fd, record.data(), record.size(), offset) != static_cast<ssize_t>(record.size()) ||
        ::fdatasync(fd) != 0) {
      std::abort();
    }
    offset += static_cast<off_t>(record_bytes);
  }
  ::close(fd);
  std::filesystem::remove_all(directory);
}

void BM_SyncedWriteGrowingTheFile(benchmark::State& state) { synced_writes(state, Region::growing); }
void BM_SyncedWriteIntoFallocatedRegion(benchmark::State& state) {
  synced_writes(state, Region::fallocated);
}
void BM_SyncedWriteIntoZeroWrittenRegion(benchmark::State& state) {
  synced_writes(state, Region::zero_written);
}
BENCHMARK(BM_SyncedWriteGrowingTheFile)->UseRealTime();
BENCHMARK(BM_SyncedWriteIntoFallocatedRegion)->UseRealTime();
BENCHMARK(BM_SyncedWriteIntoZeroWrittenRegion)->UseRealTime();

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
  for (auto _ : state) {
    const std::uint64_t sequence = journal->append(journal::RecordType::use_taken, payload);
    if (!journal->wait_durable(sequence).is_ok()) std::abort();
  }
  journal.reset();
  std::filesystem::remove_all(directory);
}
BENCHMARK(BM_JournalAppendAndWaitDurable)->Arg(4)->Arg(64)->UseRealTime();

}  // namespace
}  // namespace coupond
