// Every bound the engine enforces, in one place, with what it costs. A limit that is reached is an
// operating error answered with a clear Status or Reason, never undefined behaviour.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace coupond {

// Batches are numbered from 1 in the order they are created; the number is what a signed code
// carries. The registry is a flat array indexed by number so that the hot path finds a batch with
// one load: 65,536 entries cost 512 KiB. The code format leaves room for 2^20.
inline constexpr std::uint32_t batches_max = 65'536;
inline constexpr std::uint32_t code_batch_bits = 20;
static_assert(batches_max <= (1u << code_batch_bits));

// A batch's serials are 32 bits wide in the code: four billion codes per batch.
inline constexpr std::uint64_t batch_codes_max = std::uint64_t{1} << 32;

// A compact code (a batch's code.format "compact") is 16 characters without its prefix, for codes
// typed by hand: its serial has 16 bits, so a compact batch holds at most 65,536 codes, generated
// and imported together; its batch number has 16 bits (batch numbers stay below batches_max); its
// tag has 41 bits, all that is left of 80 (docs/codes.md).
inline constexpr std::uint64_t compact_batch_codes_max = std::uint64_t{1} << 16;
inline constexpr std::uint32_t compact_tag_bits = 41;
static_assert(batches_max <= (1u << 16));

// Signing keys: a code names its key in 5 bits, so a key file holds at most 32 key ids.
inline constexpr std::uint32_t key_id_bits = 5;
inline constexpr std::uint32_t keys_max = 1u << key_id_bits;

// The HMAC tag is printed in whole base32 characters (5 bits each). 7 characters (35 bits) is the
// floor the API allows (at least 32 bits); 12 characters (60 bits) is the ceiling, so that a tag
// fits one 64-bit word. The default, 48 bits, rounds up to 10 characters (50 bits).
inline constexpr std::uint32_t tag_bits_min = 32;
inline constexpr std::uint32_t tag_bits_default = 48;
inline constexpr std::uint32_t tag_bits_max = 60;

// Text limits. A code as typed by a person, with dashes and spaces, fits in code_input_max; the
// canonical form (prefix, body and dashes) fits in code_text_max.
inline constexpr std::size_t code_input_max = 128;
inline constexpr std::size_t code_text_max = 96;
inline constexpr std::size_t prefix_length_max = 16;
// A cluster partition's name (docs/routing.md): the first characters of its codes' prefixes.
inline constexpr std::size_t partition_name_length_max = 8;
// What a code prints before its body: the partition's name, then the batch's own prefix.
inline constexpr std::size_t printed_prefix_length_max = partition_name_length_max + prefix_length_max;
inline constexpr std::size_t imported_code_length_max = 64;
inline constexpr std::size_t batch_id_length_max = 64;
inline constexpr std::size_t batch_name_length_max = 256;
inline constexpr std::size_t customer_length_max = 128;
inline constexpr std::size_t segment_length_max = 64;
inline constexpr std::size_t order_id_length_max = 128;
inline constexpr std::size_t scope_entry_length_max = 64;
inline constexpr std::size_t scope_entries_max = 1'000;
inline constexpr std::size_t order_items_max = 1'000;

// An import whose journal record would carry more than this keeps its codes in a file beside the
// journal and journals a record of 24 bytes naming it (journal/load_file.h): a record of
// megabytes holds every redemption appended behind it until it is written and synced. Below it,
// one more file, its syncs and its rename cost more than the bytes they keep out of the journal.
inline constexpr std::size_t import_record_inline_bytes_max = 64u << 10;

// The data plane's rate limiters (per customer, per client) remember at most this many ids each,
// whatever ids callers invent: 24 bytes an entry, 1.5 MiB a limiter. Past it the oldest give way.
inline constexpr std::size_t rate_limit_ids_max = 65'536;

// Money is int64 minor units. Amounts above this bound (ten trillion yuan) are refused as input,
// which keeps every sum of an order's items and every percent product far from overflow.
inline constexpr std::int64_t money_max = 1'000'000'000'000'000;  // 10^15
inline constexpr std::int64_t item_quantity_max = 1'000'000;
inline constexpr std::uint32_t uses_per_code_max = 1u << 24;
inline constexpr std::uint32_t uses_per_customer_max = 1u << 24;

// A batch's campaign limits: a cap on its uses in force, at most this (far past any table), and a
// weekly schedule of at most this many local-time ranges in a day. A stacking group is named like
// a scope entry.
inline constexpr std::uint64_t uses_total_max = std::uint64_t{1} << 40;
inline constexpr std::size_t schedule_hours_max = 24;
inline constexpr std::size_t stacking_group_length_max = 64;
// An order may carry at most this many codes, taken all or nothing.
inline constexpr std::size_t codes_per_order_max = 10;

// The table: 2^shard_bits shards, each an open-addressing table that grows by doubling once its
// load passes table_load_max. 256 shards keep a shard's rehash under a few milliseconds at 10M
// coupons and make two redemptions meeting on the same shard lock rare.
inline constexpr std::uint32_t shard_bits_default = 8;
inline constexpr std::uint32_t shard_bits_max = 12;
inline constexpr double table_load_max = 0.85;
inline constexpr double table_load_presized = 0.80;
inline constexpr std::uint64_t shard_slots_min = 64;
inline constexpr std::uint64_t shard_slots_max = std::uint64_t{1} << 34;

// A snapshot compacts each shard's use log, dropping uses rolled back or lapsed, and journals what
// it dropped as runs of use numbers (8 bytes each). A shard drops at most this many runs per
// snapshot, an 8 MiB record; the rest go at the next one.
inline constexpr std::size_t compaction_runs_max = std::size_t{1} << 20;

// Channel names come from clients. A batch's stats count the first channels_per_batch_max of them
// by name (the empty name, an order without channel, is one); uses in any channel past those are
// counted under channel_overflow_name, and never refused, so that by_channel stays bounded.
inline constexpr std::size_t channels_per_batch_max = 1'000;
inline constexpr std::string_view channel_overflow_name = "(other channels)";

// Holds lapse by themselves. A decision about a coupon first lapses at most this many due holds
// of its shard, and the engine's lapse pass lapses the rest in runs of the same size, letting the
// shard's lock go between runs: a burst of expiries never holds a shard for more than a few
// microseconds at a time. The pass wakes at the next expiry, and at least this often.
inline constexpr std::size_t hold_lapses_per_lock_max = 64;
inline constexpr std::uint32_t hold_lapse_interval_ms_default = 100;

// File descriptors kept for everything but connections (journal segments, snapshots being written
// and read, the table's files, listeners, standard streams): each port's connection limit is
// lowered, at start, until both ports' connections fit in RLIMIT_NOFILE beside these.
inline constexpr std::size_t descriptors_reserved = 64;

// The election (docs/cluster.md). A primary renews its etcd lease every ttl/3 (a standby looks
// for the leader key as often), and acknowledges changes only until ttl - ttl/4 after the last
// renewal it sent: a quarter of the ttl is the margin for the clocks' rates and etcd's own
// lateness, and two renewals in a row may fail before the deadline passes. Every etcd call is
// bounded by ttl/3 too, and never by less than the floor.
inline constexpr std::int64_t lease_renewals_per_ttl = 3;
inline constexpr std::int64_t lease_margin_divisor = 4;
inline constexpr std::int64_t etcd_call_timeout_ms_min = 200;
inline constexpr std::int64_t lease_ttl_s_default = 2;
inline constexpr std::int64_t lease_ttl_s_max = 60;

}  // namespace coupond
