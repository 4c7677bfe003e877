// Applies a simulated power cut from the power-cut shim's log (its lines are described in
// tests/power_cut_shim.cpp).
#include "power_cut.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace coupond::testing {
namespace {

namespace fs = std::filesystem;

struct LogLine {
  std::string kind;
  std::vector<std::string> fields;
};

std::vector<LogLine> read_log(const fs::path& log) {
  std::vector<LogLine> lines;
  std::ifstream input(log);
  for (std::string text; std::getline(input, text);) {
    std::istringstream words(text);
    LogLine line;
    std::getline(words, line.kind, '\t');
    for (std::string field; std::getline(words, field, '\t');) line.fields.push_back(field);
    lines.push_back(std::move(line));
  }
  return lines;
}

bool changes_a_name(const LogLine& line) {
  return line.kind == "create" || line.kind == "mkdir" || line.kind == "rename" ||
         line.kind == "unlink";
}

// The paths whose directory entries a line changes: a rename changes two.
std::vector<fs::path> names_changed(const LogLine& line) {
  if (line.kind == "create") return {line.fields.at(1)};
  if (line.kind == "rename") return {line.fields.at(0), line.fields.at(1)};
  return {line.fields.at(0)};
}

bool is_within(const fs::path& path, const std::vector<fs::path>& directories) {
  const std::string text = path.string();
  return std::any_of(directories.begin(), directories.end(), [&](const fs::path& directory) {
    const std::string prefix = directory.string() + "/";
    return text == directory.string() || text.compare(0, prefix.size(), prefix) == 0;
  });
}

// For each line that changes a name: whether a sync of the directory (of each directory, for a
// rename) came after it.
std::vector<bool> durable_names(const std::vector<LogLine>& lines) {
  std::vector<bool> durable(lines.size(), true);
  std::set<fs::path> synced_later;
  for (std::size_t i = lines.size(); i-- > 0;) {
    if (lines[i].kind == "dirsync") synced_later.insert(lines[i].fields.at(0));
    if (!changes_a_name(lines[i])) continue;
    for (const fs::path& path : names_changed(lines[i])) {
      if (!synced_later.contains(path.parent_path())) durable[i] = false;
    }
  }
  return durable;
}

void undo(const LogLine& line, PowerCutReport& report) {
  std::error_code ignored;
  if (line.kind == "create") {
    fs::remove(line.fields.at(1), ignored);
    report.notes.push_back("removed " + line.fields.at(1) + ": its directory was not synced");
  } else if (line.kind == "mkdir") {
    fs::remove_all(line.fields.at(0), ignored);
    report.notes.push_back("removed " + line.fields.at(0) + "/: its directory was not synced");
  } else if (line.kind == "rename") {
    const std::string& from = line.fields.at(0);
    const std::string& to = line.fields.at(1);
    const std::string& replaced = line.fields.at(2);
    if (fs::exists(to)) fs::rename(to, from, ignored);
    if (replaced != "-") fs::create_hard_link(replaced, to, ignored);
    report.notes.push_back("renamed " + to + " back to " + from + ": not synced");
  } else if (line.kind == "unlink") {
    const std::string& saved = line.fields.at(1);
    if (saved != "-") fs::create_hard_link(saved, line.fields.at(0), ignored);
    report.notes.push_back((saved != "-" ? "brought back " : "could not bring back ") +
                           line.fields.at(0) + ": its removal was not synced");
  }
  ++report.names_undone;
}

// Each inode's size at its last completed sync; a truncation counts at once, as a cut may keep it.
std::map<std::uint64_t, std::uint64_t> synced_sizes(const std::vector<LogLine>& lines,
                                                    PowerCutReport& report) {
  std::map<std::uint64_t, std::uint64_t> sizes;
  for (const LogLine& line : lines) {
    if (line.kind != "create" && line.kind != "base" && line.kind != "sync" &&
        line.kind != "truncate") {
      continue;
    }
    const std::uint64_t inode = std::stoull(line.fields.at(0));
    const std::uint64_t size = line.kind == "create" ? 0 : std::stoull(line.fields.at(1));
    if (line.kind == "base") {
      sizes.emplace(inode, size);
    } else if (line.kind == "truncate" && sizes.contains(inode)) {
      sizes[inode] = std::min(sizes[inode], size);
    } else {
      sizes[inode] = size;
    }
    if (line.kind == "sync") ++report.syncs_seen;
  }
  return sizes;
}

struct InPlaceWrite {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

// Each inode's writes in place that no later sync of it covers.
std::map<std::uint64_t, std::vector<InPlaceWrite>> unsynced_writes(
    const std::vector<LogLine>& lines) {
  std::map<std::uint64_t, std::vector<InPlaceWrite>> writes;
  for (const LogLine& line : lines) {
    if (line.kind == "pwrite") {
      writes[std::stoull(line.fields.at(0))].push_back(
          {std::stoull(line.fields.at(1)), std::stoull(line.fields.at(2))});
    } else if (line.kind == "sync") {
      writes.erase(std::stoull(line.fields.at(0)));
    }
  }
  return writes;
}

// Overwrites with zeros what of the writes lies within the file's size; how many bytes.
std::uint64_t zero_writes(const fs::path& path, std::uint64_t size,
                          const std::vector<InPlaceWrite>& writes) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  std::uint64_t zeroed = 0;
  for (const InPlaceWrite& write : writes) {
    if (write.offset >= size) continue;
    const std::uint64_t length = std::min(write.length, size - write.offset);
    file.seekp(static_cast<std::streamoff>(write.offset));
    const std::string zeros(length, '\0');
    file.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
    zeroed += length;
  }
  return zeroed;
}

// Cuts each file back to its size at its last sync, and makes what it had written in place since
// read as zeros (what the journal's preallocated segments held there before).
void cut_files_to_synced_sizes(const fs::path& directory, const std::vector<fs::path>& rebuilt,
                               const std::map<std::uint64_t, std::uint64_t>& sizes,
                               const std::map<std::uint64_t, std::vector<InPlaceWrite>>& writes,
                               PowerCutReport& report) {
  std::error_code error;
  for (const auto& entry : fs::recursive_directory_iterator(directory, error)) {
    struct stat status;
    if (is_within(entry.path(), rebuilt) || ::lstat(entry.path().c_str(), &status) != 0 ||
        !S_ISREG(status.st_mode)) {
      continue;
    }
    const auto synced = sizes.find(static_cast<std::uint64_t>(status.st_ino));
    const auto size = static_cast<std::uint64_t>(status.st_size);
    const auto written = writes.find(static_cast<std::uint64_t>(status.st_ino));
    if (written != writes.end()) {
      const std::uint64_t kept = synced == sizes.end() ? size : std::min(size, synced->second);
      const std::uint64_t zeroed = zero_writes(entry.path(), kept, written->second);
      if (zeroed > 0) {
        ++report.files_cut;
        report.bytes_dropped += zeroed;
        report.notes.push_back("zeroed " + std::to_string(zeroed) + " bytes of " +
                               entry.path().string() + " written in place after its last sync");
      }
    }
    if (synced == sizes.end() || size <= synced->second) continue;
    fs::resize_file(entry.path(), synced->second, error);
    ++report.files_cut;
    report.bytes_dropped += size - synced->second;
    report.notes.push_back("cut " + entry.path().string() + " from " + std::to_string(size) +
                           " to " + std::to_string(synced->second) + " bytes");
  }
}

void remove_log(const fs::path& log) {
  std::error_code ignored;
  const std::string saved_prefix = log.filename().string() + ".saved.";
  for (const auto& entry : fs::directory_iterator(log.parent_path(), ignored)) {
    if (entry.path().filename().string().rfind(saved_prefix, 0) == 0) {
      fs::remove(entry.path(), ignored);
    }
  }
  fs::remove(log, ignored);
}

}  // namespace

std::vector<std::string> power_cut_environment(const fs::path& directory, const fs::path& log) {
  std::vector<std::string> environment = {std::string("LD_PRELOAD=") + COUPOND_POWER_CUT_SHIM,
                                          "COUPOND_POWER_CUT_DIR=" + directory.string(),
                                          "COUPOND_POWER_CUT_LOG=" + log.string()};
#if defined(__SANITIZE_ADDRESS__)
  // The shim is preloaded ahead of the AddressSanitizer runtime, which refuses that by default;
  // the shim itself is built without sanitizers and calls nothing the runtime must see first.
  const char* inherited = std::getenv("ASAN_OPTIONS");
  const std::string options = inherited != nullptr ? std::string(inherited) + ":" : std::string();
  environment.push_back("ASAN_OPTIONS=" + options + "verify_asan_link_order=0");
#endif
  return environment;
}

std::string PowerCutReport::describe() const {
  std::string text = std::to_string(syncs_seen) + " syncs seen, " + std::to_string(files_cut) +
                     " files cut (" + std::to_string(bytes_dropped) + " bytes), " +
                     std::to_string(names_undone) + " names undone";
  for (const std::string& note : notes) text += "\n  " + note;
  return text;
}

PowerCutReport cut_power(const fs::path& directory, const fs::path& log,
                         const std::vector<fs::path>& rebuilt) {
  PowerCutReport report;
  const fs::path root = fs::canonical(directory);
  std::vector<fs::path> skipped;
  for (const fs::path& path : rebuilt) skipped.push_back(fs::weakly_canonical(path));
  const std::vector<LogLine> lines = read_log(log);
  const std::vector<bool> durable = durable_names(lines);
  for (std::size_t i = lines.size(); i-- > 0;) {
    if (durable[i] || !changes_a_name(lines[i])) continue;
    const std::vector<fs::path> paths = names_changed(lines[i]);
    const auto is_skipped = [&](const fs::path& path) { return is_within(path, skipped); };
    if (std::all_of(paths.begin(), paths.end(), is_skipped)) continue;
    undo(lines[i], report);
  }
  cut_files_to_synced_sizes(root, skipped, synced_sizes(lines, report), unsynced_writes(lines),
                            report);
  remove_log(log);
  return report;
}

}  // namespace coupond::testing
