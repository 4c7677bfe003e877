// Reading the newest snapshot back at start-up (format: snapshot_format.h). The file is mapped,
// verified whole, and its slot arrays copied into the table's shard files as they are: no coupon
// is parsed or rehashed.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <limits>
#include <map>

#include "persist/snapshot.h"
#include "persist/snapshot_format.h"
#include "journal/durable_file.h"

namespace coupond {
namespace {

namespace fs = std::filesystem;
using journal::ByteReader;

// A snapshot file mapped read-only for as long as this lives.
class MappedSnapshot {
 public:
  MappedSnapshot() = default;
  ~MappedSnapshot() {
    if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
  }
  MappedSnapshot(const MappedSnapshot&) = delete;
  MappedSnapshot& operator=(const MappedSnapshot&) = delete;

  Status map(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return journal::errno_status("cannot open", path, errno);
    struct stat info {};
    if (::fstat(fd, &info) != 0 || info.st_size < static_cast<off_t>(sizeof(header_))) {
      ::close(fd);
      return Status::corruption(path.string() + " is shorter than a snapshot header");
    }
    size_ = static_cast<std::size_t>(info.st_size);
    void* address = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (address == MAP_FAILED) return journal::errno_status("cannot map", path, errno);
    data_ = static_cast<const char*>(address);
    std::memcpy(&header_, data_, sizeof(header_));
    return Status::ok();
  }

  // The header first (cheap), then the whole body against its checksum.
  Status verify(const fs::path& path) const {
    const bool header_ok =
        header_.magic == snapshot_format::magic &&
        header_.format_version >= snapshot_format::format_version_oldest_read &&
        header_.format_version <= snapshot_format::format_version &&
        header_.header_checksum ==
            XXH3_64bits(&header_, offsetof(snapshot_format::Header, header_checksum)) &&
        std::has_single_bit(header_.shard_count) && header_.shard_count <= (1u << shard_bits_max);
    if (!header_ok) return Status::corruption(path.string() + ": the snapshot header does not verify");
    if (header_.body_bytes != size_ - sizeof(header_)) {
      return Status::corruption(path.string() + ": the snapshot is truncated or overlong: its header " +
                                "says " + std::to_string(header_.body_bytes) + " body bytes, the file has " +
                                std::to_string(size_ - sizeof(header_)));
    }
    if (XXH3_64bits(body().data(), body().size()) != header_.body_checksum) {
      return Status::corruption(path.string() + ": the snapshot body does not match its checksum");
    }
    return Status::ok();
  }

  const snapshot_format::Header& header() const { return header_; }
  std::string_view body() const { return {data_ + sizeof(header_), size_ - sizeof(header_)}; }

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
  snapshot_format::Header header_{};
};

Status damaged(const fs::path& path, const std::string& what) {
  return Status::corruption(path.string() + ": " + what);
}

Status read_catalog(EngineState& state, ByteReader& reader, std::uint32_t format_version,
                    std::map<std::uint32_t, std::pair<std::uint64_t, bool>>* serials_and_revoked) {
  state.has_imported_codes.store(reader.integer<std::uint8_t>() != 0);
  const auto count = reader.integer<std::uint32_t>();
  for (std::uint32_t i = 0; i < count && reader.ok(); ++i) {
    const auto number = reader.integer<std::uint32_t>();
    BatchDefinition definition;
    records::read_definition(reader, &definition,
                             format_version >= snapshot_format::format_version_tagged_fields
                                 ? records::TaggedFields::present
                                 : records::TaggedFields::absent);
    const auto next_serial = reader.integer<std::uint64_t>();
    const bool revoked = reader.integer<std::uint8_t>() != 0;
    if (!reader.ok()) break;
    Batch* batch = nullptr;
    Status status = state.add_batch(std::move(definition), &batch);
    if (!status.is_ok()) return Status::corruption("batch " + std::to_string(number) + ": " + status.message());
    if (batch->number() != number) return Status::corruption("batch numbers are out of order");
    (*serials_and_revoked)[number] = {next_serial, revoked};
  }
  return reader.ok() ? Status::ok() : Status::corruption("the catalog section is short");
}

template <typename Map>
void read_counts_by_text(ByteReader& reader, Map* map) {
  const auto count = reader.integer<std::uint32_t>();
  for (std::uint32_t i = 0; i < count && reader.ok(); ++i) {
    const std::string_view text = reader.text();
    (*map)[std::string(text)] = reader.integer<std::int64_t>();
  }
}

// Version 1 kept a total in one signed 64-bit word; later versions in two (snapshot_format.h).
store::MoneySum read_money_sum(ByteReader& reader, std::uint32_t format_version) {
  if (format_version == 1) return reader.integer<Money>();
  const auto low = reader.integer<std::uint64_t>();
  const auto high = reader.integer<std::int64_t>();
  return store::MoneySum{high} * (store::MoneySum{1} << 64) + store::MoneySum{low};
}

// The largest hour since the epoch whose start fits a Timestamp.
constexpr std::int64_t hour_max = std::numeric_limits<std::int64_t>::max() / 3'600'000'000;

void read_tallies(ByteReader& reader, std::uint32_t format_version, store::SideTables* side) {
  const auto count = reader.integer<std::uint32_t>();
  for (std::uint32_t i = 0; i < count && reader.ok(); ++i) {
    store::BatchTally& tally = side->tallies[reader.integer<std::uint32_t>()];
    tally.counts.issued = reader.integer<std::int64_t>();
    tally.counts.redeemed = reader.integer<std::int64_t>();
    tally.counts.rolled_back = reader.integer<std::int64_t>();
    tally.counts.revoked = reader.integer<std::int64_t>();
    tally.counts.held = reader.integer<std::int64_t>();
    tally.discount_total = read_money_sum(reader, format_version);
    tally.order_amount_total = read_money_sum(reader, format_version);
    read_counts_by_text(reader, &tally.by_channel);
    read_counts_by_text(reader, &tally.by_segment);
    const auto hours = reader.integer<std::uint32_t>();
    for (std::uint32_t h = 0; h < hours && reader.ok(); ++h) {
      const auto hour = reader.integer<std::int64_t>();
      // Hours a Timestamp can hold (64-bit microseconds): a report would overflow on another.
      if (hour > hour_max || hour < -hour_max) return reader.fail();
      tally.by_hour[hour] = reader.integer<std::int64_t>();
    }
  }
}

Status read_shard(ByteReader& reader, std::uint32_t format_version,
                  store::CouponTable::Shard& shard, std::uint64_t* sequence) {
  *sequence = reader.integer<std::uint64_t>();
  const auto capacity = reader.integer<std::uint64_t>();
  const auto count = reader.integer<std::uint64_t>();
  if (capacity > reader.remaining() / sizeof(store::Slot) || count > capacity) {
    return Status::corruption("a shard's slot count is past the file's end");
  }
  const char* slots = reader.raw(capacity * sizeof(store::Slot));
  // The mapping is page-aligned but a slot array inside it need not be 8-aligned: restore copies
  // it with memcpy, which does not care.
  Status status = shard.slots.restore(reinterpret_cast<const store::Slot*>(slots), capacity, count);
  if (!status.is_ok()) return status;

  const auto use_count = reader.integer<std::uint64_t>();
  if (use_count > reader.remaining() / sizeof(store::UseRecord)) {
    return Status::corruption("a shard's use count is past the file's end");
  }
  std::vector<store::UseRecord> uses(use_count);
  const char* use_bytes = reader.raw(use_count * sizeof(store::UseRecord));
  if (use_count > 0) std::memcpy(uses.data(), use_bytes, use_count * sizeof(store::UseRecord));
  const auto text_bytes = reader.integer<std::uint64_t>();
  const char* text = reader.raw(text_bytes);
  const auto index_count = reader.integer<std::uint64_t>();
  if (index_count > reader.remaining() / (sizeof(std::uint64_t) + sizeof(store::UseNumber))) {
    return Status::corruption("a shard's order index is past the file's end");
  }
  std::vector<std::pair<std::uint64_t, store::UseNumber>> index;
  index.reserve(index_count);
  for (std::uint64_t i = 0; i < index_count && reader.ok(); ++i) {
    const auto order_key = reader.integer<std::uint64_t>();
    index.emplace_back(order_key, reader.integer<store::UseNumber>());
  }
  if (!reader.ok()) return Status::corruption("a shard's use log is short");
  shard.side.uses.restore(std::move(uses), std::string_view(text, text_bytes), index);

  const auto binding_count = reader.integer<std::uint64_t>();
  for (std::uint64_t i = 0; i < binding_count && reader.ok(); ++i) {
    store::CouponKey key;
    key.high = reader.integer<std::uint64_t>();
    key.low = reader.integer<std::uint64_t>();
    store::Binding binding;
    binding.customer = reader.text();
    binding.segment = reader.text();
    shard.side.bindings.emplace(key, std::move(binding));
  }
  read_tallies(reader, format_version, &shard.side);
  return reader.ok() ? Status::ok() : Status::corruption("a shard section is short");
}

// A snapshot that verifies was still not necessarily written by coupond (a bug, or a file put in
// place by hand). The engine follows a slot's batch number, a slot's latest use, a use's previous
// use and a use's text without checking them again: they are checked here, once.
Status check_references(const store::CouponTable::Shard& shard, const BatchRegistry& batches) {
  const store::UseLog& uses = shard.side.uses;
  const std::uint64_t text_bytes = uses.all_text().size();
  const auto in_text = [&](store::TextRef ref) {
    return std::uint64_t{ref.offset} + ref.size <= text_bytes;
  };
  for (std::size_t i = 0; i < uses.size(); ++i) {
    const store::UseRecord& use = uses.records()[i];
    // has_order_amount is a bool read from the file: any byte but 0 or 1 is not a value it has.
    std::uint8_t has_order_amount = 0;
    std::memcpy(&has_order_amount,
                reinterpret_cast<const char*>(&use) + offsetof(store::UseRecord, has_order_amount), 1);
    if (use.previous_use > i || use.state > store::UseState::lapsed || has_order_amount > 1 ||
        !in_text(use.order_id) || !in_text(use.channel) || !in_text(use.store) ||
        !in_text(use.api_key_name)) {
      return Status::corruption("use " + std::to_string(i + 1) + " refers outside the use log");
    }
  }
  for (const auto& [order_key, use] : uses.order_index()) {
    if (use == 0 || use > uses.size()) return Status::corruption("the order index names no use");
  }
  Status status = Status::ok();
  shard.slots.for_each([&](const store::Slot& slot) {
    if (status.is_ok() && (batches.by_number(slot.batch_number()) == nullptr ||
                           slot.latest_use > uses.size())) {
      status = Status::corruption("a coupon of batch " + std::to_string(slot.batch_number()) +
                                  " refers to a batch or a use that is not there");
    }
  });
  return status;
}

// What a snapshot does not keep because the use log says it: the holds in force and their expiry
// queue, each customer's uses of each batch, the next redemption id, and the time each shard last
// decided by (at least the latest time a use of it was taken or confirmed).
void rebuild_from_uses(EngineState& state) {
  std::uint64_t redemption_id_max = 0;
  store::CouponTable& table = *state.table;
  for (std::uint32_t i = 0; i < table.shard_count(); ++i) {
    store::CouponTable::Shard& shard = table.shard(i);
    const std::vector<store::UseRecord>& uses = shard.side.uses.records();
    for (std::size_t index = 0; index < uses.size(); ++index) {
      const store::UseRecord& use = uses[index];
      redemption_id_max = std::max(redemption_id_max, use.redemption_id);
      shard.now_from(use.at);
      const bool in_force =
          use.state == store::UseState::held || use.state == store::UseState::redeemed;
      if (use.state == store::UseState::held) {
        ++shard.side.holds[use.coupon].holds;
        shard.side.hold_expiries.add(use.hold_expires_at, static_cast<store::UseNumber>(index + 1));
      }
      if (in_force) {
        const store::Slot* slot = shard.slots.find(use.coupon, store::hash_key(use.coupon));
        Batch* batch = slot == nullptr ? nullptr : state.batches.by_number(slot->batch_number());
        if (batch != nullptr) EngineState::count_use_in_force(*batch, use.discount_amount);
        if (batch != nullptr && counts_toward_customer_limit(*batch, use)) {
          state.customer_usage->try_take(slot->batch_number(), use.customer_hash,
                                         std::numeric_limits<std::uint32_t>::max());
        }
      }
    }
  }
  state.next_redemption_id.store(redemption_id_max + 1);
}

Status load(EngineState& state, const MappedSnapshot& snapshot, const fs::path& path,
            SnapshotLoaded* out) {
  const snapshot_format::Header& header = snapshot.header();
  Status status = store::CouponTable::create(state.options.data_dir / "table",
                                             static_cast<std::uint32_t>(std::countr_zero(header.shard_count)),
                                             &state.table);
  if (!status.is_ok()) return status;
  state.customer_usage = std::make_unique<store::CustomerUsage>(
      static_cast<std::uint32_t>(std::countr_zero(header.shard_count)));
  ByteReader reader(snapshot.body());
  std::map<std::uint32_t, std::pair<std::uint64_t, bool>> serials_and_revoked;
  status = read_catalog(state, reader, header.format_version, &serials_and_revoked);
  if (!status.is_ok()) return damaged(path, status.message());
  out->shard_sequences.resize(header.shard_count);
  for (std::uint32_t i = 0; i < header.shard_count; ++i) {
    status = read_shard(reader, header.format_version, state.table->shard(i),
                        &out->shard_sequences[i]);
    if (status.is_ok()) status = check_references(state.table->shard(i), state.batches);
    if (!status.is_ok()) return damaged(path, "shard " + std::to_string(i) + ": " + status.message());
  }
  if (!reader.at_end()) return damaged(path, "bytes are left after the last shard");
  // A batch's counts are the sums of its shards' tallies.
  std::map<std::uint32_t, store::BatchCounts> counts;
  for (std::uint32_t i = 0; i < header.shard_count; ++i) {
    for (const auto& [number, tally] : state.table->shard(i).side.tallies) {
      for (const auto& channel : tally.by_channel) state.channel_names.restore(number, channel.first);
      store::BatchCounts& sum = counts[number];
      sum.issued += tally.counts.issued;
      sum.redeemed += tally.counts.redeemed;
      sum.rolled_back += tally.counts.rolled_back;
      sum.revoked += tally.counts.revoked;
      sum.held += tally.counts.held;
    }
  }
  for (const auto& [number, serial_and_revoked] : serials_and_revoked) {
    EngineState::restore_batch(*state.batches.by_number(number), serial_and_revoked.first,
                               serial_and_revoked.second, counts[number]);
  }
  rebuild_from_uses(state);
  out->covered_sequence = header.covered_sequence;
  out->coupons = header.coupons;
  out->path = path;
  return Status::ok();
}

}  // namespace

Status restore_newest_snapshot(EngineState& state, SnapshotLoaded* out,
                               std::vector<std::string>* notes) {
  *out = SnapshotLoaded();
  for (const auto& [sequence, path] : list_snapshots(state.options.data_dir / "snapshots")) {
    MappedSnapshot snapshot;
    Status status = snapshot.map(path);
    if (status.is_ok()) status = snapshot.verify(path);
    if (status.is_ok() && snapshot.header().covered_sequence != sequence) {
      status = damaged(path, "the header's sequence is not the file name's");
    }
    if (status.is_ok()) return load(state, snapshot, path, out);
    notes->push_back("skipped snapshot " + path.string() + ": " + status.message());
  }
  state.customer_usage = std::make_unique<store::CustomerUsage>(state.options.shard_bits);
  return store::CouponTable::create(state.options.data_dir / "table", state.options.shard_bits,
                                    &state.table);
}

}  // namespace coupond
