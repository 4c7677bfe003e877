// The admin port's reports: every campaign side by side, a batch's redemptions as CSV for the
// CRM, and the customer-bound codes about to expire unused (the list a reminder goes to). The CSV
// exports stream shard by shard, holding no lock while they write.
#pragma once

#include <boost/json.hpp>

#include <string_view>

#include "api/api_types.h"
#include "coupond/engine.h"

namespace coupond::api {

// GET /admin/v1/report
ApiResponse campaign_report(Engine& engine);

// GET /admin/v1/batches/{id}/redemptions
ApiResponse redemptions_csv(Engine& engine, const Batch& batch);

// GET /admin/v1/batches/{id}/unused[?expiring_within_s=N]; query is the raw query string.
ApiResponse unused_csv(Engine& engine, const Batch& batch, std::string_view query);

// issued_by_segment and rate_by_segment, added to a batch's stats: by_segment counts its
// redemptions in force per segment.
void add_segment_rates(Engine& engine, const Batch& batch, const BatchReport& report,
                       boost::json::object& stats);

}  // namespace coupond::api
