#include "gateway/transcoder.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <google/protobuf/util/type_resolver_util.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <vector>

#include "services/common/runtime/json.h"

namespace aftersales::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

google::protobuf::util::JsonParseOptions ParseOptions() {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;  // http-api.md: unknown fields are a 400
  options.case_insensitive_enum_parsing = false;
  return options;
}

// The parser's message without its code prefix, so the client reads
// "Cannot find field: colour in message ...".
std::string ParserMessage(const google::protobuf::util::Status& s) {
  return std::string(s.message());
}

const FieldDescriptor* FieldByAnyName(const Descriptor* type, const std::string& name) {
  if (const FieldDescriptor* f = FieldByJsonName(type, name)) return f;
  return type->FindFieldByName(name);
}

bool SettableFromText(const FieldDescriptor* f) {
  if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return true;
  const std::string& t = f->message_type()->full_name();
  return t == "google.protobuf.Timestamp" || t == "google.protobuf.Duration";
}

// One JSON value for a field from text: protobuf's own parser then does the
// conversion (numbers from strings, enum names, RFC 3339 timestamps), so the
// query and the body accept exactly the same spellings.
bool JsonValueFromText(const FieldDescriptor* f, const std::string& text, std::string& out) {
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_BOOL) {
    if (text == "true" || text == "1") {
      out = "true";
    } else if (text == "false" || text == "0") {
      out = "false";
    } else {
      return false;
    }
    return true;
  }
  out = JsonString(text);
  return true;
}

// Merges {"<jsonName>": <json>} into message.
Status MergeJsonField(Message& message, const FieldDescriptor* f, const std::string& json,
                      const std::string& reason, const std::string& what) {
  std::string object = "{";
  object += JsonString(f->json_name());
  object += ':';
  object += json;
  object += '}';
  MessagePtr part(message.New());
  auto s = google::protobuf::util::JsonStringToMessage(object, part.get(), ParseOptions());
  if (!s.ok()) {
    return InvalidArgument(reason, what + " " + f->json_name() + ": " + ParserMessage(s),
                           {{f->json_name(), ParserMessage(s)}});
  }
  if (!f->is_repeated()) message.GetReflection()->ClearField(&message, f);
  message.MergeFrom(*part);
  return Status::Ok();
}

bool ContentTypeIsJson(std::string_view content_type) {
  const size_t semi = content_type.find(';');
  std::string base(content_type.substr(0, semi));
  while (!base.empty() && (base.back() == ' ' || base.back() == '\t')) base.pop_back();
  for (auto& c : base) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return base == "application/json" || (base.size() > 5 && base.ends_with("+json"));
}

}  // namespace

MessagePtr NewMessage(const Descriptor* type) {
  const Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
  return MessagePtr(prototype->New());
}

Status SetFieldFromText(Message& message, const std::string& proto_name, const std::string& value) {
  const FieldDescriptor* f = message.GetDescriptor()->FindFieldByName(proto_name);
  if (!f) return Internal("NO_SUCH_FIELD", "no field " + proto_name);
  std::string json;
  if (!JsonValueFromText(f, value, json)) {
    return InvalidArgument("INVALID_PATH_PARAMETER", f->json_name() + " must be true or false",
                           {{f->json_name(), "must be true or false"}});
  }
  if (f->is_repeated()) json = "[" + json + "]";
  return MergeJsonField(message, f, json, "INVALID_PATH_PARAMETER", "path parameter");
}

namespace {

Status CheckNoRawControlCharacters(std::string_view json) {
  bool in_string = false;
  bool escaped = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const auto c = static_cast<unsigned char>(json[i]);
    if (!in_string) {
      if (c == '"') in_string = true;
      continue;
    }
    if (escaped) {
      escaped = false;
    } else if (c == '\\') {
      escaped = true;
    } else if (c == '"') {
      in_string = false;
    } else if (c < 0x20) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "U+%04X", c);
      return InvalidArgument("MALFORMED_JSON",
                             "the request body is not acceptable JSON: raw "
                             "control character " +
                                 std::string(hex) + " inside a string at byte " +
                                 std::to_string(i) + " (escape it)");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<MessagePtr> BuildRequest(const RouteMatch& match, const HttpRequest& request) {
  const Route& route = *match.route;
  MessagePtr message = NewMessage(route.rpc->input_type());
  const Descriptor* type = message->GetDescriptor();

  if (route.method == "POST") {
    if (!IsValidUtf8(request.body)) {
      return InvalidArgument("INVALID_UTF8", "the request body is not valid UTF-8");
    }
    const auto content_type = request.headers.Get("Content-Type");
    if (content_type && !request.body.empty() && !ContentTypeIsJson(*content_type)) {
      return InvalidArgument("UNSUPPORTED_MEDIA_TYPE", "the body must be application/json, not " +
                                                           std::string(*content_type));
    }
    bool blank = true;
    for (char c : request.body) {
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
        blank = false;
        break;
      }
    }
    if (!blank) {
      // RFC 8259 requires control characters inside strings to be escaped;
      // protobuf's parser lets raw ones through into stored data.
      if (Status raw = CheckNoRawControlCharacters(request.body); !raw.ok()) return raw;
      auto s =
          google::protobuf::util::JsonStringToMessage(request.body, message.get(), ParseOptions());
      if (!s.ok()) {
        return InvalidArgument("MALFORMED_JSON",
                               "the request body is not acceptable JSON: " + ParserMessage(s));
      }
    }
  }

  // Query parameters: grouped by field so a repeated field collects them all.
  std::map<const FieldDescriptor*, std::vector<std::string>> by_field;
  for (const auto& [name, value] : request.query) {
    if (!IsValidUtf8(name) || !IsValidUtf8(value)) {
      return InvalidArgument("INVALID_UTF8", "a query parameter is not valid UTF-8");
    }
    const FieldDescriptor* f = FieldByAnyName(type, name);
    if (!f || f->name() == "request_id" || !SettableFromText(f)) {
      return InvalidArgument("UNKNOWN_QUERY_PARAMETER", "unknown query parameter \"" + name + "\"",
                             {{name, "not a parameter of this route"}});
    }
    by_field[f].push_back(value);
  }
  for (const auto& [f, values] : by_field) {
    if (!f->is_repeated() && values.size() > 1) {
      return InvalidArgument("INVALID_QUERY_PARAMETER",
                             "query parameter " + f->json_name() + " given more than once",
                             {{f->json_name(), "given more than once"}});
    }
    std::string json;
    if (f->is_repeated()) json += '[';
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) json += ',';
      std::string v;
      if (!JsonValueFromText(f, values[i], v)) {
        return InvalidArgument("INVALID_QUERY_PARAMETER",
                               "query parameter " + f->json_name() + " must be true or false",
                               {{f->json_name(), "must be true or false"}});
      }
      json += v;
    }
    if (f->is_repeated()) json += ']';
    if (Status s = MergeJsonField(*message, f, json, "INVALID_QUERY_PARAMETER", "query parameter");
        !s.ok()) {
      return s;
    }
  }

  // Path variables last: the URL names the record, whatever the body says.
  for (const auto& [var, field] : route.path_fields) {
    const auto it = match.vars.find(var);
    if (it == match.vars.end()) continue;
    if (Status s = SetFieldFromText(*message, field, it->second); !s.ok()) return s;
  }

  if (const FieldDescriptor* page_size = type->FindFieldByName("page_size");
      page_size && page_size->cpp_type() == FieldDescriptor::CPPTYPE_INT32) {
    if (message->GetReflection()->GetInt32(*message, page_size) < 0) {
      return InvalidArgument("INVALID_PAGE_SIZE", "pageSize must not be negative",
                             {{"pageSize", "must not be negative"}});
    }
  }
  return message;
}

Status CheckRequired(const Route& route, const Message& request) {
  const Descriptor* type = request.GetDescriptor();
  const Reflection* reflection = request.GetReflection();
  Validator v;
  for (const auto& name : route.required) {
    const FieldDescriptor* f = FieldByJsonName(type, name);
    if (!f) continue;
    const bool present =
        f->is_repeated() ? reflection->FieldSize(request, f) > 0 : reflection->HasField(request, f);
    v.Check(present, name, "required");
  }
  if (v.ok()) return Status::Ok();
  std::string message = "missing required field";
  Status s = v.ToStatus("MISSING_REQUIRED_FIELD");
  if (s.field_violations().size() > 1) message += 's';
  for (size_t i = 0; i < s.field_violations().size(); ++i) {
    message += i == 0 ? ": " : ", ";
    message += s.field_violations()[i].field;
  }
  return InvalidArgument("MISSING_REQUIRED_FIELD", message, s.field_violations());
}

google::protobuf::util::JsonPrintOptions PrintOptions() {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = false;
  return options;
}

namespace {

// The protobuf JSON mapping by reflection, for the types the services
// answer with: protobuf's own printer (util::converter) builds a tree of
// default values per answer to print every scalar, which made it the
// gateway's largest CPU cost. Types with anything else (maps, bytes, well-
// known types other than Timestamp and Duration) go to protobuf's printer.
bool Printable(const Descriptor* type, std::map<const Descriptor*, bool>& seen) {
  if (const auto it = seen.find(type); it != seen.end()) return it->second;
  seen[type] = true;  // recursion: assume yes until a field says no
  bool ok = true;
  const std::string& name = type->full_name();
  if (name.rfind("google.protobuf.", 0) == 0) {
    ok = name == "google.protobuf.Timestamp" || name == "google.protobuf.Duration";
  } else {
    for (int i = 0; ok && i < type->field_count(); ++i) {
      const FieldDescriptor* f = type->field(i);
      if (f->is_map() || f->type() == FieldDescriptor::TYPE_BYTES) ok = false;
      if (ok && f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        ok = Printable(f->message_type(), seen);
      }
    }
  }
  seen[type] = ok;
  return ok;
}

bool IsPrintable(const Descriptor* type) {
  static std::mutex mu;
  static std::map<const Descriptor*, bool> seen;
  std::lock_guard<std::mutex> lock(mu);
  return Printable(type, seen);
}

template <typename T>
void AppendFloating(std::string& out, T v) {
  if (std::isnan(v)) {
    out += "\"NaN\"";
  } else if (std::isinf(v)) {
    out += v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  } else {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest that reads back
    out.append(buf, r.ptr);
  }
}

bool AppendString(std::string& out, const std::string& v) {
  if (!IsValidUtf8(v)) return false;
  AppendJsonString(out, v);
  return true;
}

bool AppendMessage(std::string& out, const Message& m);

// One value of `f` (element `index` when repeated).
bool AppendValue(std::string& out, const Message& m, const FieldDescriptor* f, int index) {
  const Reflection* r = m.GetReflection();
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      out += std::to_string(rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f));
      return true;
    case FieldDescriptor::CPPTYPE_UINT32:
      out += std::to_string(rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f));
      return true;
    case FieldDescriptor::CPPTYPE_INT64:  // 64-bit integers are strings in JSON
      out += '"';
      out += std::to_string(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
      out += '"';
      return true;
    case FieldDescriptor::CPPTYPE_UINT64:
      out += '"';
      out += std::to_string(rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f));
      out += '"';
      return true;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      AppendFloating(out, rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f));
      return true;
    case FieldDescriptor::CPPTYPE_FLOAT:
      AppendFloating(out, rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f));
      return true;
    case FieldDescriptor::CPPTYPE_BOOL:
      out += (rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f)) ? "true" : "false";
      return true;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int v = rep ? r->GetRepeatedEnumValue(m, f, index) : r->GetEnumValue(m, f);
      if (const auto* e = f->enum_type()->FindValueByNumber(v)) {
        out += '"';
        out += e->name();
        out += '"';
      } else {
        out += std::to_string(v);  // a value this build does not know
      }
      return true;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& v = rep ? r->GetRepeatedStringReference(m, f, index, &scratch)
                                 : r->GetStringReference(m, f, &scratch);
      return AppendString(out, v);
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return AppendMessage(out, rep ? r->GetRepeatedMessage(m, f, index) : r->GetMessage(m, f));
  }
  return false;
}

bool AppendMessage(std::string& out, const Message& m) {
  const Descriptor* type = m.GetDescriptor();
  const std::string& name = type->full_name();
  if (name == "google.protobuf.Timestamp" || name == "google.protobuf.Duration") {
    const Reflection* r = m.GetReflection();
    const int64_t seconds = r->GetInt64(m, type->field(0));
    const int32_t nanos = r->GetInt32(m, type->field(1));
    std::string text;
    if (name == "google.protobuf.Timestamp") {
      google::protobuf::Timestamp t;
      t.set_seconds(seconds);
      t.set_nanos(nanos);
      // 0001-01-01 .. 9999-12-31, as the JSON mapping allows.
      if (seconds < -62'135'596'800 || seconds > 253'402'300'799 || nanos < 0 ||
          nanos > 999'999'999) {
        return false;
      }
      text = google::protobuf::util::TimeUtil::ToString(t);
    } else {
      google::protobuf::Duration d;
      d.set_seconds(seconds);
      d.set_nanos(nanos);
      if (seconds < -315'576'000'000 || seconds > 315'576'000'000 || nanos < -999'999'999 ||
          nanos > 999'999'999 || (seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) {
        return false;
      }
      text = google::protobuf::util::TimeUtil::ToString(d);
    }
    return AppendString(out, text);
  }
  const Reflection* r = m.GetReflection();
  out += '{';
  bool first = true;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* f = type->field(i);
    // Every scalar, every list (even empty); messages, proto3 `optional`
    // and oneof members only when set: what always_print_primitive_fields
    // prints.
    if (!f->is_repeated() &&
        (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE || f->has_presence()) &&
        !r->HasField(m, f)) {
      continue;
    }
    if (!first) out += ',';
    first = false;
    out += '"';
    out += f->json_name();
    out += "\":";
    if (f->is_repeated()) {
      out += '[';
      const int n = r->FieldSize(m, f);
      for (int j = 0; j < n; ++j) {
        if (j > 0) out += ',';
        if (!AppendValue(out, m, f, j)) return false;
      }
      out += ']';
    } else if (!AppendValue(out, m, f, -1)) {
      return false;
    }
  }
  out += '}';
  return true;
}

}  // namespace

Result<std::string> WireToJson(const Descriptor* type, const std::string& wire) {
  const auto unprintable = [] {
    return Internal("BAD_UPSTREAM_ANSWER", "the service's answer is not printable");
  };
  if (IsPrintable(type)) {
    MessagePtr message = NewMessage(type);
    if (!message->ParseFromString(wire)) return unprintable();
    std::string out;
    out.reserve(wire.size() * 2 + 64);
    if (!AppendMessage(out, *message)) return unprintable();
    return out;
  }
  // What MessageToJsonString does for a generated message, minus the
  // serialisation: one resolver over the generated pool, built once.
  static google::protobuf::util::TypeResolver* const resolver =
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          "type.googleapis.com", google::protobuf::DescriptorPool::generated_pool());
  std::string out;
  const auto s = google::protobuf::util::BinaryToJsonString(
      resolver, "type.googleapis.com/" + type->full_name(), wire, &out, PrintOptions());
  if (!s.ok()) return unprintable();
  return out;
}

std::string ToJson(const Message& message) {
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(message, &out, PrintOptions()).ok()) {
    // Only invalid UTF-8 in a string field gets here; a service bug, not the
    // client's. Say so rather than send half a document.
    return ErrorJson(502, "INTERNAL", "BAD_UPSTREAM_ANSWER",
                     "the service's answer is not printable");
  }
  return out;
}

std::string StringField(const Message& message, const std::string& proto_name) {
  const FieldDescriptor* f = message.GetDescriptor()->FindFieldByName(proto_name);
  if (!f || f->is_repeated() || f->cpp_type() != FieldDescriptor::CPPTYPE_STRING) return "";
  return message.GetReflection()->GetString(message, f);
}

}  // namespace aftersales::gateway
