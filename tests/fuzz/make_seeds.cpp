// Writes the seed inputs of the journal and snapshot fuzz targets from a real engine: a batch of
// each kind of load, redemptions, a hold, a rollback and revocations, then the journal segment and
// a snapshot they leave, encoded as the journal_reader, recovery and snapshot_reader targets read
// their inputs. Run it again after a change of either format:
//
//     build-fuzz/tests/fuzz/coupond-fuzz-seeds tests/fuzz/corpus
#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

#include "coupond/engine.h"
#include "persist/snapshot_format.h"
#include "fuzz_support.h"
#include "journal/journal_format.h"

using namespace coupond;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

void check(const Status& status) {
  if (!status.is_ok()) {
    std::cerr << "fuzz seeds: " << status.message() << "\n";
    std::exit(1);
  }
}

BatchDefinition batch_named(std::string id, DiscountType type) {
  BatchDefinition batch;
  batch.id = std::move(id);
  batch.discount.type = type;
  batch.discount.amount = 500;
  batch.discount.percent = 10;
  batch.discount.min_amount = 1'000;
  batch.discount.sku = "GIFT";
  batch.discount.quantity = 1;
  batch.valid_from = Timestamp(std::chrono::microseconds(0));
  batch.valid_until = Timestamp(std::chrono::hours(24 * 365 * 100));
  batch.max_uses_per_code = 2;
  batch.max_uses_per_customer = 1;
  batch.code.prefix = "S";
  batch.scope.channels = {"app", "web"};
  return batch;
}

// Changes of every kind the journal records, leaving the files behind in data_dir; the signed
// codes it made go to *codes.
void make_history(const fs::path& data_dir, std::vector<std::string>* signed_codes) {
  ManualClock clock(Timestamp(std::chrono::hours(24 * 365 * 57)));
  EngineOptions options;
  options.data_dir = data_dir;
  options.key_file = data_dir.parent_path() / "keys";
  fuzz::write_fixed_key_file(options.key_file);
  options.shard_bits = 1;
  options.clock = &clock;
  options.durability = Durability::none;
  std::unique_ptr<Engine> engine;
  check(Engine::open(options, &engine));
  const Batch* batch = nullptr;
  check(engine->create_batch(batch_named("spring", DiscountType::amount_off), &batch));
  check(engine->create_batch(batch_named("gifts", DiscountType::free_item), &batch));
  check(engine->create_batch(batch_named("partner", DiscountType::percent_off), &batch));
  std::vector<std::string> codes;
  check(engine->generate("spring", 4, [&](std::string_view code) { codes.emplace_back(code); }));
  const std::vector<CustomerCode> customers = {{"cust-1", "gold"}, {"cust-2", ""}};
  check(engine->generate_for_customers("gifts", customers,
                                       [&](std::string_view, std::string_view code) {
                                         codes.emplace_back(code);
                                       }));
  const std::vector<ImportLine> lines = {{fuzz::seed_imported_codes[0], "", ""},
                                         {fuzz::seed_imported_codes[1], "cust-3", "vip"}};
  ImportResult imported;
  check(engine->import_codes("partner", lines, &imported));

  CouponRequest request;
  request.code = codes[0];
  request.customer = "cust-9";
  request.order.amount = 5'000;
  request.order.channel = "app";
  request.order_id = "order-1";
  engine->redeem(request);
  request.code = codes[1];
  request.order_id = "order-2";
  engine->reserve(request, std::chrono::seconds(600));
  request.code = fuzz::seed_imported_codes[0];
  request.order_id = "order-3";
  engine->redeem(request);
  engine->rollback(request.code, "order-3");
  request.code = fuzz::seed_imported_codes[1];
  request.customer = "cust-3";
  request.order_id = "order-5";
  engine->redeem(request);
  std::uint64_t revoked = 0;
  check(engine->revoke_code(codes[2], &revoked));
  check(engine->revoke_batch("gifts", &revoked));
  SnapshotInfo snapshot;
  check(engine->snapshot(&snapshot));
  // One change after the snapshot, so that the journal holds a record the snapshot does not.
  request.code = codes[3];
  request.order_id = "order-4";
  engine->redeem(request);
  *signed_codes = codes;
}

// The journal target's built form: mode, first sequence, no damage, then (length, type, payload)
// for each record short enough to be described that way.
std::string built_journal_input(const std::string& segment) {
  std::string input = {'\0', '\0', '\0', '\0', '\0'};
  std::size_t offset = sizeof(journal::SegmentHeader);
  while (offset + sizeof(journal::RecordHeader) <= segment.size()) {
    journal::RecordHeader header;
    std::memcpy(&header, segment.data() + offset, sizeof(header));
    if (header.payload_bytes <= 255) {
      input += static_cast<char>(header.payload_bytes);
      input += static_cast<char>(header.type);
      input.append(segment, offset + sizeof(header), header.payload_bytes);
    }
    offset += sizeof(header) + header.payload_bytes;
  }
  return input;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: coupond-fuzz-seeds CORPUS_DIRECTORY\n";
    return 2;
  }
  const fs::path corpus = argv[1];
  const fs::path data_dir = fuzz::scratch_directory() / "data";
  std::vector<std::string> codes;
  make_history(data_dir, &codes);

  std::string segment;
  for (const auto& entry : fs::directory_iterator(data_dir / "journal")) {
    if (journal::parse_segment_file_name(entry.path().filename().string()) == 1) {
      segment = read_file(entry.path());
    }
  }
  std::string snapshot;
  for (const auto& entry : fs::directory_iterator(data_dir / "snapshots")) {
    if (entry.path().extension() == ".snap") snapshot = read_file(entry.path());
  }
  if (segment.empty() || snapshot.empty()) {
    std::cerr << "fuzz seeds: the engine left no journal segment or no snapshot\n";
    return 1;
  }
  fs::create_directories(corpus / "journal_reader");
  fs::create_directories(corpus / "snapshot_reader");
  // Raw segment, first sequence 1: replayed from the start, then after the first record.
  // The codes target reads a group size first; a generated code and one bound to a customer.
  fs::create_directories(corpus / "codes");
  fuzz::write_file(corpus / "codes" / "generated", "\x04" + codes.front());
  fuzz::write_file(corpus / "codes" / "generated_for_customer", "\x00" + codes.back());
  fuzz::write_file(corpus / "journal_reader" / "engine_segment", std::string("\x01\x00", 2) + segment);
  fuzz::write_file(corpus / "journal_reader" / "engine_segment_after_one",
                   std::string("\x05\x00", 2) + segment);
  fuzz::write_file(corpus / "journal_reader" / "engine_records", built_journal_input(segment));
  // Recovery reads the same input as the journal reader.
  fs::create_directories(corpus / "recovery");
  for (const auto& entry : fs::directory_iterator(corpus / "journal_reader")) {
    fs::copy_file(entry.path(), corpus / "recovery" / entry.path().filename(),
                  fs::copy_options::overwrite_existing);
  }
  // Raw file; and its body under a header the target makes (two shards, as written).
  fuzz::write_file(corpus / "snapshot_reader" / "engine_snapshot", "\x01" + snapshot);
  fuzz::write_file(corpus / "snapshot_reader" / "engine_snapshot_body",
                   std::string("\x00\x01\x09", 3) + snapshot.substr(sizeof(snapshot_format::Header)));
  std::cout << "fuzz seeds: journal segment " << segment.size() << " bytes, snapshot "
            << snapshot.size() << " bytes\n";
  return 0;
}
