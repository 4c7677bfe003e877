// The journal's next segment, made ahead of need. While the writer fills one segment, a thread of
// the journal makes the next: a file under a name no reader takes for a segment
// (prepared_segment_file_name), written with zeros to the segment's full size, synced, and its
// directory entry synced, its descriptor held. Rotation then only names it and swaps descriptors:
//
// - the writer writes every segment in place, never growing it, so each group's fdatasync
//   commits the group's bytes alone and not the file's size through the file system's journal;
// - rotation opens nothing, so the journal never stops for want of a file descriptor (a
//   preparation that fails, for that or any reason, is tried again when the writer next asks,
//   and meanwhile the writer goes on in the segment it has).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <thread>

#include "coupond/status.h"

namespace coupond::journal {

class NextSegment {
 public:
  // directory_fd: the journal's directory, held open by the journal for as long as this lives.
  NextSegment(std::filesystem::path directory, int directory_fd, std::uint64_t segment_bytes);
  // Stops the thread (a preparation under way is abandoned) and closes a segment not taken.
  ~NextSegment();
  NextSegment(const NextSegment&) = delete;
  NextSegment& operator=(const NextSegment&) = delete;

  // Makes one on the caller's thread: at open, before start().
  Status prepare_now();
  // Starts the thread that makes the next one each time one is taken.
  void start();

  // Hands over the prepared file's descriptor, or -1 when none is ready yet. The file is still
  // under prepared_path(): the taker renames it, then asks for the next.
  int take();
  // Asks the thread for the next one, once prepared_path() is free again (or to try again).
  void ask_for_next();
  bool ready() const;
  std::filesystem::path prepared_path() const;

 private:
  Status prepare(int* fd);
  void run();

  const std::filesystem::path directory_;
  const int directory_fd_;
  const std::uint64_t segment_bytes_;

  mutable std::mutex mutex_;
  std::condition_variable wanted_changed_;
  int ready_fd_ = -1;  // under mutex_
  bool wanted_ = false;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace coupond::journal
