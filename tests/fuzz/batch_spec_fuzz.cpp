// Fuzzes the admin API's batch definition decoder (parse_batch_definition) and the checks that
// follow it (check_batch_definition): any body is refused with a sentence or gives a definition
// whose times print and parse back to the same instant, and which an empty PATCH leaves as it is.
#include "api/batch_json.h"
#include "coupond/batch.h"
#include "fuzz_support.h"
#include "rules/time_text.h"

using namespace coupond;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  boost::system::error_code error;
  const boost::json::value document = boost::json::parse(body, error);
  if (error || !document.is_object()) return 0;
  BatchDefinition definition;
  if (!api::parse_batch_definition(document.get_object(), &definition).empty()) return 0;
  if (!check_batch_definition(definition).is_ok()) return 0;
  FUZZ_REQUIRE(!definition.id.empty() && definition.id.size() <= batch_id_length_max);
  FUZZ_REQUIRE(definition.valid_from < definition.valid_until);
  for (const Timestamp time : {definition.valid_from, definition.valid_until}) {
    Timestamp again{};
    FUZZ_REQUIRE(parse_rfc3339(format_rfc3339_utc(time), &again));
    FUZZ_REQUIRE(again == time);
  }
  // An empty PATCH changes nothing: the definition as shown parses back to itself.
  BatchDefinition patched;
  FUZZ_REQUIRE(api::parse_batch_patch(definition, boost::json::object(), &patched).empty());
  FUZZ_REQUIRE(patched == definition);
  return 0;
}
