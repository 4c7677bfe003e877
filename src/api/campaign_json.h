// JSON for a batch's campaign fields: "schedule", "max_uses_total", "budget" and "stacking", read
// from a batch definition and written back in the batch the admin API shows.
#pragma once

#include <boost/json.hpp>

#include <string>

#include "api/json_fields.h"
#include "coupond/batch.h"

namespace coupond::api {

// Reads the campaign fields of a definition's top level; returns an empty string or a sentence
// naming the bad field. Ranges are check_batch_definition's.
std::string parse_campaign_fields(FieldReader& fields, BatchDefinition* out);

// Adds the fields the definition sets (and only those) to a batch's JSON.
void add_campaign_json(const BatchDefinition& definition, boost::json::object& object);

}  // namespace coupond::api
