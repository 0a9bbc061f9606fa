#include "gateway/transcoder.h"

#include <cstdio>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <map>
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
      return InvalidArgument("MALFORMED_JSON", "the request body is not acceptable JSON: raw "
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

std::string ToJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = false;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok()) {
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
