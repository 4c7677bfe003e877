// From a code as typed to its table key, by arithmetic alone: normalization, the header, the
// batch it names and the HMAC tag. A forged or mistyped signed code ends here as invalid_code,
// before any table lookup.
#include <cstring>

#include "codes/code_format.h"
#include "coupond/invariant.h"
#include "engine/engine_state.h"

namespace coupond {
namespace {

void copy_text(std::string_view text, CodeText* out) {
  const std::size_t size = std::min(text.size(), out->chars.size());
  std::memcpy(out->chars.data(), text.data(), size);
  out->size = static_cast<std::uint8_t>(size);
}

}  // namespace

void EngineState::format_signed_code(const Batch& batch, std::uint32_t key_id,
                                     std::uint32_t serial, CodeText* out) const {
  // A compact code holds 16 bits of serial: a wider one would print another coupon's code.
  COUPOND_INVARIANT(batch.code_format() != CodeFormat::compact || serial < compact_batch_codes_max);
  codes::CodeHeader header;
  header.format = batch.code_format();
  header.tag_chars = batch.tag_chars();
  header.key_id = key_id;
  header.batch_number = batch.number();
  header.serial = serial;
  const std::uint64_t packed = codes::pack_header(header);
  const std::uint64_t tag = signer->tag(key_id, packed, batch.tag_bits());
  const std::size_t size =
      codes::format_signed(batch.printed_prefix(), header, tag, batch.definition().code.group_size,
                           out->chars.data(), out->chars.size());
  out->size = static_cast<std::uint8_t>(size);
}

Reason EngineState::resolve(std::string_view text, ResolvedCode* out) const {
  if (text.size() > code_input_max) return Reason::invalid_code;
  codes::NormalizedCode normalized;
  if (codes::normalize_signed(text, &normalized)) {
    codes::SignedCodeParts parts;
    if (codes::parse_signed(normalized, &parts) == codes::ParseError::none) {
      const Batch* batch = batches.by_number(parts.header.batch_number);
      // A code that names a batch of ours, in that batch's layout (format and tag length) and
      // with its prefix (both folded), is judged as a signed code only: its tag decides, and a
      // wrong tag is invalid_code.
      if (batch != nullptr && batch->code_format() == parts.header.format &&
          batch->tag_chars() == parts.header.tag_chars && batch->folded_prefix() == parts.prefix) {
        out->key = store::CouponKey::for_signed(parts.header.batch_number, parts.header.serial);
        out->hash = store::hash_key(out->key);
        out->batch = batch;
        // The slot's cache line is fetched while the HMAC is computed: a lookup in a large table
        // is a cache miss costing about as much as the HMAC itself, and the two now overlap.
        table->shard_for(out->hash).slots.prefetch(out->hash);
        const std::uint64_t packed = codes::pack_header(parts.header);
        if (!signer->verify(packed, parts.header.key_id, parts.tag, batch->tag_bits())) {
          return Reason::invalid_code;
        }
        // The canonical text is regrouped from the characters just parsed: no second HMAC and
        // no base32 encoding. The prefix is the batch's as printed, whatever case or look-alike
        // was typed.
        const std::size_t size = codes::format_parsed(
            batch->printed_prefix(), parts, batch->definition().code.group_size,
            out->canonical.chars.data(), out->canonical.chars.size());
        out->canonical.size = static_cast<std::uint8_t>(size);
        return Reason::ok;
      }
    }
  }
  if (has_imported_codes.load(std::memory_order_acquire) &&
      codes::normalize_imported(text, &normalized)) {
    const codes::Hash128 hash = signer->lookup_hash(normalized.view());
    out->key = store::CouponKey::for_imported(hash.high, hash.low);
    out->hash = store::hash_key(out->key);
    out->batch = nullptr;
    copy_text(normalized.view(), &out->canonical);
    return Reason::ok;
  }
  return Reason::invalid_code;
}

}  // namespace coupond
