#include "replication/base_copy.h"

#include <ctime>
#include <string>

#include "journal/durable_file.h"

namespace coupond::replication {
namespace {

namespace fs = std::filesystem;

std::string utc_stamp() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  ::gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof(text), "%Y%m%dT%H%M%SZ", &parts);
  return text;
}

std::string snapshot_name(std::uint64_t sequence) {
  std::string digits = std::to_string(sequence);
  return std::string(20 - digits.size(), '0') + digits + ".snap";
}

}  // namespace

fs::path base_copy_partial_path(const fs::path& data_dir) { return data_dir / "base-copy.partial"; }

Status install_base_copy(const fs::path& data_dir, std::uint64_t covered_sequence,
                         fs::path* moved_to) {
  fs::path aside = data_dir / ("diverged-" + utc_stamp());
  for (int suffix = 1; fs::exists(aside); ++suffix) {
    aside = data_dir / ("diverged-" + utc_stamp() + "-" + std::to_string(suffix));
  }
  Status status = journal::create_directories_durably(aside);
  if (!status.is_ok()) return status;
  for (const char* part : {"journal", "snapshots", "imports", "table"}) {
    std::error_code error;
    if (!fs::exists(data_dir / part, error)) continue;
    fs::rename(data_dir / part, aside / part, error);
    if (error) {
      return Status::io_error("cannot move " + (data_dir / part).string() + " aside: " +
                              error.message());
    }
  }
  status = journal::sync_directory(aside);
  if (status.is_ok()) status = journal::create_directories_durably(data_dir / "snapshots");
  if (!status.is_ok()) return status;
  std::error_code error;
  const fs::path installed = data_dir / "snapshots" / snapshot_name(covered_sequence);
  fs::rename(base_copy_partial_path(data_dir), installed, error);
  if (error) return Status::io_error("cannot install " + installed.string() + ": " + error.message());
  status = journal::sync_directory(data_dir / "snapshots");
  if (status.is_ok()) status = journal::sync_directory(data_dir);
  *moved_to = aside;
  return status;
}

}  // namespace coupond::replication
