// The data plane's request decoder: a checkout body read straight into a CouponRequest, with no
// DOM. Boost.JSON's own SAX parser (basic_parser) checks the syntax, so that a malformed body gets
// the very error Boost.JSON's DOM parser gives; the handler below keeps the fields the data plane
// knows, as they come, and notes each object's first field it does not know (a 400, never
// ignored); the checks run once the whole body has parsed, in a fixed order, so that a body gets
// the same 400 sentence whatever order its known fields came in and whichever of its problems
// comes first in the text. A key given twice counts as given last, as in a DOM.
#include <boost/json/array.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include <array>

#include "api/coupon_json.h"
#include "api/json_fields.h"
#include "coupond/invariant.h"
#include "rules/text_check.h"

namespace coupond::api {
namespace {

// What a field of the body held, as far as its checks need to know.
enum class Kind : std::uint8_t { absent, null, string, int64, uint64, floating, boolean, object, array };

struct Field {
  Kind kind = Kind::absent;
  std::string_view text;  // string: into ParsedCouponRequest::text
  std::int64_t integer = 0;
};

struct TopFields {
  Field code, codes, customer, order_id, ttl_s, order;
};
struct OrderFields {
  Field amount, currency, channel, store, items;
};
struct ItemFields {
  Field sku, category, price, quantity;
};

// Where a value being parsed sits: in which of the containers the decoder reads, or elsewhere.
enum class Place : std::uint8_t { top, codes, order, items, item, elsewhere };

// The sentences, in FieldReader's words (json_fields.h): the DOM decoder's, which the admin API
// still uses.
std::string field_name(std::string_view path, std::string_view name) {
  std::string full(path);
  if (!full.empty()) full += '.';
  full += name;
  return full;
}

bool missing(const Field& field) { return field.kind == Kind::absent || field.kind == Kind::null; }

// Reads fields in order; the first error wins, as with FieldReader.
class FieldChecks {
 public:
  explicit FieldChecks(std::string_view path) : path_(path) {}

  std::string_view string(const Field& field, std::string_view name, bool required,
                          std::size_t length_max) {
    if (missing(field)) {
      if (required) fail(field_name(path_, name) + " is required");
      return {};
    }
    if (field.kind != Kind::string) {
      fail(field_name(path_, name) + " must be a string");
      return {};
    }
    if (field.text.size() > length_max) {
      fail(field_name(path_, name) + " must be at most " + std::to_string(length_max) +
           " characters");
      return {};
    }
    return field.text;
  }

  std::string_view text(const Field& field, std::string_view name, std::size_t length_max) {
    const std::string_view value = string(field, name, false, std::string_view::npos);
    if (std::string error = rules::check_field_text(field_name(path_, name), value, length_max);
        !error.empty()) {
      fail(std::move(error));
      return {};
    }
    return value;
  }

  std::optional<std::int64_t> integer(const Field& field, std::string_view name, bool required) {
    if (missing(field)) {
      if (required) fail(field_name(path_, name) + " is required");
      return std::nullopt;
    }
    if (field.kind == Kind::int64) return field.integer;
    // Money and counts are integers: 12.5 is refused rather than rounded.
    fail(field_name(path_, name) + (field.kind == Kind::uint64 ? " is too large" : " must be an integer"));
    return std::nullopt;
  }

  // True when field holds a container of kind; an error when it holds anything else.
  bool container(const Field& field, std::string_view name, Kind kind) {
    if (missing(field)) return false;
    if (field.kind == kind) return true;
    fail(field_name(path_, name) + (kind == Kind::object ? " must be an object" : " must be an array"));
    return false;
  }

  bool ok() const { return error_.empty(); }
  std::string take_error() { return std::move(error_); }

 private:
  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

  std::string_view path_;
  std::string error_;
};

class RequestHandler {
 public:
  static constexpr std::size_t max_object_size = boost::json::object::max_size();
  static constexpr std::size_t max_array_size = boost::json::array::max_size();
  static constexpr std::size_t max_key_size = boost::json::string::max_size();
  static constexpr std::size_t max_string_size = boost::json::string::max_size();

  explicit RequestHandler(ParsedCouponRequest* out) : out_(out) {}

  bool on_document_begin(boost::json::error_code&) { return true; }
  bool on_document_end(boost::json::error_code&) { return true; }

  bool on_object_begin(boost::json::error_code&) {
    Place place = Place::elsewhere;
    if (depth_ == 0) {
      top_is_object_ = true;
      place = Place::top;
    } else if (Field* field = begin_value(Kind::object)) {
      if (field == &top_.order) {
        order_ = {};
        order_unknown_ = {};
        place = Place::order;
      } else if (field == &item_start_) {
        item_ = {};
        item_unknown_ = {};
        place = Place::item;
      }
    }
    enter(place);
    return true;
  }
  bool on_object_end(std::size_t, boost::json::error_code&) {
    if (places_[depth_ - 1] == Place::item) end_item();
    leave();
    return true;
  }
  bool on_array_begin(boost::json::error_code&) {
    Place place = Place::elsewhere;
    if (Field* field = begin_value(Kind::array); field == &order_.items) {
      out_->items.clear();
      items_count_ = 0;
      item_error_.clear();
      place = Place::items;
    } else if (field == &top_.codes) {
      codes_count_ = 0;
      codes_bad_ = codes_per_order_max + 1;
      place = Place::codes;
    }
    enter(place);
    return true;
  }
  bool on_array_end(std::size_t, boost::json::error_code&) {
    leave();
    return true;
  }

  bool on_key_part(std::string_view part, std::size_t, boost::json::error_code&) {
    key_.append(part);
    return true;
  }
  bool on_key(std::string_view last, std::size_t, boost::json::error_code&) {
    std::string_view key = last;
    if (!key_.empty()) key = key_.append(last);
    next_ = field_for(key);
    if (next_ == nullptr) unknown_key(key);
    key_.clear();
    return true;
  }

  bool on_string_part(std::string_view part, std::size_t, boost::json::error_code&) {
    if (!in_string_) begin_string();
    if (string_field_ != nullptr) keep(part);
    return true;
  }
  bool on_string(std::string_view last, std::size_t, boost::json::error_code&) {
    if (!in_string_) begin_string();
    if (string_field_ != nullptr) {
      keep(last);
      string_field_->text = std::string_view(out_->text).substr(string_start_);
    }
    in_string_ = false;
    return true;
  }

  bool on_number_part(std::string_view, boost::json::error_code&) { return true; }
  bool on_int64(std::int64_t value, std::string_view, boost::json::error_code&) {
    if (Field* field = begin_value(Kind::int64)) field->integer = value;
    return true;
  }
  bool on_uint64(std::uint64_t, std::string_view, boost::json::error_code&) {
    begin_value(Kind::uint64);
    return true;
  }
  bool on_double(double, std::string_view, boost::json::error_code&) {
    begin_value(Kind::floating);
    return true;
  }
  bool on_bool(bool, boost::json::error_code&) {
    begin_value(Kind::boolean);
    return true;
  }
  bool on_null(boost::json::error_code&) {
    begin_value(Kind::null);
    return true;
  }
  bool on_comment_part(std::string_view, boost::json::error_code&) { return true; }
  bool on_comment(std::string_view, boost::json::error_code&) { return true; }

  // The checks, once the body has parsed: empty, or the first problem's sentence.
  std::string check(bool needs_order_id) {
    if (!top_is_object_) return "the body must be a JSON object";
    if (top_unknown_.found) return unknown_field_message(top_unknown_.key);
    CouponRequest& request = out_->request;
    FieldChecks fields("");
    const bool has_codes = fields.container(top_.codes, "codes", Kind::array);
    if (!fields.ok()) return fields.take_error();
    if (has_codes) {
      if (std::string error = check_codes(); !error.empty()) return error;
    } else {
      request.code = fields.string(top_.code, "code", true, code_input_max);
    }
    request.customer = fields.text(top_.customer, "customer", customer_length_max);
    request.order_id = fields.string(top_.order_id, "order_id", needs_order_id, order_id_length_max);
    out_->ttl_s = fields.integer(top_.ttl_s, "ttl_s", false);
    const bool has_order = fields.container(top_.order, "order", Kind::object);
    if (!fields.ok()) return fields.take_error();
    if (needs_order_id && request.order_id.empty()) return "order_id must not be empty";
    if (!has_order) return {};
    if (order_unknown_.found) {
      return unknown_field_message(field_name("order", order_unknown_.key));
    }
    FieldChecks order_fields("order");
    Order& order = request.order;
    order.amount = order_fields.integer(order_.amount, "amount", false);
    order.currency = order_fields.string(order_.currency, "currency", false, 8);
    order.channel = order_fields.string(order_.channel, "channel", false, scope_entry_length_max);
    order.store = order_fields.string(order_.store, "store", false, scope_entry_length_max);
    const bool has_items = order_fields.container(order_.items, "items", Kind::array);
    if (!order_fields.ok()) return order_fields.take_error();
    if (!has_items) return {};
    if (items_count_ > order_items_max) {
      return "order.items must hold at most " + std::to_string(order_items_max) + " items";
    }
    if (!item_error_.empty()) return std::move(item_error_);
    order.items = out_->items;
    return {};
  }

 private:
  // The field the value now starting fills, marked as holding kind; null when no check reads it.
  Field* begin_value(Kind kind) {
    if (depth_ == 0) return nullptr;  // the document itself: not an object
    Field* field = nullptr;
    if (places_[depth_ - 1] == Place::codes) {
      // Each entry is kept while there is room; the checks count them all and name the first
      // that is not a string.
      ++codes_count_;
      if (kind != Kind::string && codes_bad_ > codes_count_ - 1) codes_bad_ = codes_count_ - 1;
      field = codes_count_ <= codes_per_order_max ? &code_entries_[codes_count_ - 1] : nullptr;
    } else if (places_[depth_ - 1] == Place::items) {
      ++items_count_;
      field = &item_start_;
      if (kind != Kind::object) item_failed(item_path() + " must be an object");
    } else {
      field = next_;
      next_ = nullptr;
    }
    if (field != nullptr) {
      *field = {};
      field->kind = kind;
    }
    return field;
  }

  void begin_string() {
    in_string_ = true;
    string_field_ = begin_value(Kind::string);
    if (string_field_ == &item_start_) string_field_ = nullptr;  // refused whatever it says
    string_start_ = out_->text.size();
  }

  Field* field_for(std::string_view key) {
    switch (places_[depth_ - 1]) {
      case Place::top:
        if (key == "code") return &top_.code;
        if (key == "codes") return &top_.codes;
        if (key == "customer") return &top_.customer;
        if (key == "order_id") return &top_.order_id;
        if (key == "ttl_s") return &top_.ttl_s;
        if (key == "order") return &top_.order;
        return nullptr;
      case Place::order:
        if (key == "amount") return &order_.amount;
        if (key == "currency") return &order_.currency;
        if (key == "channel") return &order_.channel;
        if (key == "store") return &order_.store;
        if (key == "items") return &order_.items;
        return nullptr;
      case Place::item:
        if (key == "sku") return &item_.sku;
        if (key == "category") return &item_.category;
        if (key == "price") return &item_.price;
        if (key == "quantity") return &item_.quantity;
        return nullptr;
      case Place::codes:
      case Place::items:
      case Place::elsewhere:
        return nullptr;
    }
    return nullptr;
  }

  // A key of an object the decoder reads that names none of its fields: the body is refused, so
  // that a misspelt field is never served as if absent. Each object's first such key is named,
  // before that object's own fields are checked (FieldReader::only's place in the DOM decoder).
  // Out of line and cold: a body that is served never comes here, and on_key, run for every key,
  // keeps the size it had.
  [[gnu::cold, gnu::noinline]] void unknown_key(std::string_view key) {
    UnknownKey* first = nullptr;
    switch (places_[depth_ - 1]) {
      case Place::top:
        first = &top_unknown_;
        break;
      case Place::order:
        first = &order_unknown_;
        break;
      case Place::item:
        first = &item_unknown_;
        break;
      case Place::codes:
      case Place::items:
      case Place::elsewhere:
        return;  // inside a value refused or ignored as a whole
    }
    if (first->found) return;
    // Kept in text, as the strings are: a key is never longer than it was in the body.
    const std::size_t start = out_->text.size();
    keep(key);
    *first = {true, std::string_view(out_->text).substr(start)};
  }

  void enter(Place place) {
    // The parser refuses documents deeper than its max_depth (32 by default), far below this.
    COUPOND_INVARIANT(depth_ < places_.size());
    places_[depth_++] = place;
    next_ = nullptr;
  }
  void leave() {
    --depth_;
    next_ = nullptr;
  }

  // Decoded text never outgrows the body it came from, for which text has room: the views
  // already taken into it stay valid.
  void keep(std::string_view part) {
    COUPOND_INVARIANT(out_->text.size() + part.size() <= out_->text.capacity());
    out_->text.append(part);
  }

  // "codes" instead of "code": 1 to codes_per_order_max strings, each a code's length at most;
  // "code" beside it is refused, not ignored.
  std::string check_codes() {
    if (!missing(top_.code)) return "give code or codes, not both";
    if (codes_count_ == 0 || codes_count_ > codes_per_order_max) return "codes must hold 1 to 10 codes";
    if (codes_bad_ < codes_count_) return "codes[" + std::to_string(codes_bad_) + "] must be a string";
    for (std::size_t i = 0; i < codes_count_; ++i) {
      if (code_entries_[i].text.size() > code_input_max) {
        return "codes[" + std::to_string(i) + "] must be at most " + std::to_string(code_input_max) +
               " characters";
      }
      out_->codes[i] = code_entries_[i].text;
    }
    out_->code_count = codes_count_;
    return {};
  }

  std::string item_path() const { return "order.items[" + std::to_string(items_count_ - 1) + "]"; }

  void item_failed(std::string message) {
    if (item_error_.empty()) item_error_ = std::move(message);
  }

  void end_item() {
    if (!item_error_.empty() || items_count_ > order_items_max) return;
    if (item_unknown_.found) {
      return item_failed(unknown_field_message(field_name(item_path(), item_unknown_.key)));
    }
    const std::string path = item_path();
    FieldChecks fields(path);
    OrderItem item;
    item.sku = fields.string(item_.sku, "sku", false, scope_entry_length_max);
    item.category = fields.string(item_.category, "category", false, scope_entry_length_max);
    item.price = fields.integer(item_.price, "price", true).value_or(0);
    item.quantity = fields.integer(item_.quantity, "quantity", false).value_or(1);
    if (!fields.ok()) return item_failed(fields.take_error());
    out_->items.push_back(item);
  }

  ParsedCouponRequest* out_;
  std::array<Place, 64> places_{};
  std::size_t depth_ = 0;
  bool top_is_object_ = false;
  Field* next_ = nullptr;          // the field the next value fills, set by its key
  bool in_string_ = false;         // between a string's first part and its end
  Field* string_field_ = nullptr;  // the field that string fills, if any
  std::size_t string_start_ = 0;
  std::string key_;  // a key given in parts
  TopFields top_;
  OrderFields order_;
  ItemFields item_;
  Field item_start_;  // an element of order.items, as it starts
  std::array<Field, codes_per_order_max> code_entries_;  // the elements of "codes"
  std::size_t codes_count_ = 0;
  std::size_t codes_bad_ = 0;  // the first element that is not a string, or more than the count
  std::size_t items_count_ = 0;
  std::string item_error_;  // the first bad element's sentence
  // The first unknown field of the top object, of the order and of the item being read: the body's
  // sentence is made from it only if the body is refused for it.
  struct UnknownKey {
    bool found = false;
    std::string_view key;  // into ParsedCouponRequest::text
  };
  UnknownKey top_unknown_, order_unknown_, item_unknown_;
};

}  // namespace

std::string parse_coupon_request(std::string_view body, bool needs_order_id,
                                 ParsedCouponRequest* out) {
  // out may be one reused from an earlier request: everything is reset, the memory kept.
  out->text.clear();
  out->items.clear();
  out->request = CouponRequest{};
  out->ttl_s.reset();
  out->code_count = 0;
  out->text.reserve(body.size());
  boost::json::basic_parser<RequestHandler> parser(boost::json::parse_options(), out);
  boost::json::error_code error;
  const std::size_t used = parser.write_some(false, body.data(), body.size(), error);
  if (!error && used < body.size()) error = boost::json::error::extra_data;
  if (error) return "the body is not valid JSON: " + error.message();
  return parser.handler().check(needs_order_id);
}

}  // namespace coupond::api
