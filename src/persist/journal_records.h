// The payload of each journal record type: what the engine writes for a state change and reads
// back at start-up. A record holds the change's effect (which coupon, which use, what it was
// worth), not the request that caused it, so that replay makes the same change whatever the
// clock, the rules or the order in which other shards' changes arrived.
//
// Every decode function checks that the payload is exactly as long as what it read: a payload
// that does not decode is corruption.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coupond/batch.h"
#include "journal/byte_codec.h"
#include "journal/journal_format.h"
#include "journal/load_file.h"
#include "store/coupon_key.h"
#include "store/side_tables.h"

namespace coupond::records {

struct BatchCreated {
  std::uint32_t number = 0;
  BatchDefinition definition;
};

struct CodesGenerated {
  std::uint32_t batch_number = 0;
  std::uint64_t first_serial = 0;
  std::uint64_t count = 0;
};

// A coupon bound to a customer, as loads carry it.
struct BoundCode {
  store::CouponKey key;
  std::uint64_t customer_hash = 0;  // 0: not bound
  std::string_view customer;
  std::string_view segment;
};

// Codes for customers (signed, serials from first_serial on) or imported (keys given).
struct CodesLoaded {
  std::uint32_t batch_number = 0;
  std::vector<BoundCode> codes;
};

struct UseTaken {
  store::UseRecord use;  // its text fields are set on load, not read from here
  std::string_view order_id;
  std::string_view channel;
  std::string_view store;
  std::string_view api_key_name;
};

// A hold confirmed, a hold lapsed or a use given back: which use of which coupon, and when.
struct UseChanged {
  store::CouponKey key;
  store::UseNumber use = 0;
  Timestamp at{};
};

struct CodeRevoked {
  store::CouponKey key;
};

struct BatchRevoked {
  std::uint32_t batch_number = 0;
};

// Imported codes whose CodesLoaded payload is in a file beside the journal (journal/load_file.h):
// which file, and the length and checksum its bytes must have.
struct CodesImportedFromFile {
  journal::LoadFileRef file;
};

// A compaction of one shard's use log (store/use_compaction.h): the uses it dropped, so that a
// replay that reaches it from an older snapshot drops the same ones and numbers the rest as the
// records after it do. shard_count says which layout the shard index and the numbers belong to.
struct UsesCompacted {
  std::uint32_t shard_count = 0;
  std::uint32_t shard_index = 0;
  std::vector<store::UseRun> dropped;
};

// Changes made as one (the uses of a stack of coupons on one order, taken, confirmed or given back
// together): one record, so that replay finds all of them or none. Each is a record of its own
// type and payload; only changes of single coupons (use taken, hold confirmed, use given back)
// are held this way.
struct ChangesTogether {
  std::vector<std::pair<journal::RecordType, std::string>> changes;
};

void encode(const BatchCreated& record, std::string* out);
void encode(const ChangesTogether& record, std::string* out);
void encode(const CodesGenerated& record, std::string* out);
void encode(const CodesLoaded& record, std::string* out);
void encode(const UseTaken& record, std::string* out);
void encode(const UseChanged& record, std::string* out);
void encode(const CodeRevoked& record, std::string* out);
void encode(const BatchRevoked& record, std::string* out);
void encode(const CodesImportedFromFile& record, std::string* out);
void encode(const UsesCompacted& record, std::string* out);

// The views in what decodes point into payload.
bool decode(std::string_view payload, BatchCreated* out);
bool decode(std::string_view payload, CodesGenerated* out);
bool decode(std::string_view payload, CodesLoaded* out);
bool decode(std::string_view payload, UseTaken* out);
bool decode(std::string_view payload, UseChanged* out);
bool decode(std::string_view payload, CodeRevoked* out);
bool decode(std::string_view payload, BatchRevoked* out);
bool decode(std::string_view payload, CodesImportedFromFile* out);
bool decode(std::string_view payload, UsesCompacted* out);
bool decode(std::string_view payload, ChangesTogether* out);

// The batch definition alone, as snapshots keep it too: its first fields in a fixed order, then
// the fields added since (campaign limits, the code format) as tagged values (definition_tags.h).
// Records and snapshots written before those end after the first fields: the reader is told
// whether the tags follow (a snapshot's version says so), or to read them when any bytes are left
// (a record that ends with its definition).
enum class TaggedFields : unsigned char { absent, present, if_any_left };
void write_definition(const BatchDefinition& definition, journal::ByteWriter& writer);
void read_definition(journal::ByteReader& reader, BatchDefinition* out, TaggedFields tagged);

}  // namespace coupond::records
