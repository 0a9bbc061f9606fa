#include "gateway/openapi.h"

#include <google/protobuf/descriptor.h>

#include <map>
#include <set>

#include "services/common/runtime/json.h"

namespace aftersales::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

std::string Ref(const Descriptor* d) {
  return "{\"$ref\":\"#/components/schemas/" + d->full_name() + "\"}";
}

std::string EnumSchema(const google::protobuf::EnumDescriptor* e) {
  std::string out = "{\"type\":\"string\",\"enum\":[";
  for (int i = 0; i < e->value_count(); ++i) {
    if (i > 0) out += ',';
    out += JsonString(e->value(i)->name());
  }
  return out + "]}";
}

// The schema of one value of the field (not the array around a repeated one).
std::string ValueSchema(const FieldDescriptor* f, std::set<const Descriptor*>& needed) {
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return f->type() == FieldDescriptor::TYPE_BYTES ? R"({"type":"string","format":"byte"})"
                                                      : R"({"type":"string"})";
    case FieldDescriptor::CPPTYPE_INT32:
      return R"({"type":"integer","format":"int32"})";
    case FieldDescriptor::CPPTYPE_UINT32:
      return R"({"type":"integer","format":"int64","minimum":0})";
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT64:
      // The protobuf JSON mapping prints 64-bit integers as strings (exact in
      // every JSON parser) and reads a string or a number.
      return R"({"type":"string","format":"int64","description":"64-bit integer as a decimal string; a JSON number is accepted on input"})";
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return R"({"type":"number","format":"double"})";
    case FieldDescriptor::CPPTYPE_FLOAT:
      return R"({"type":"number","format":"float"})";
    case FieldDescriptor::CPPTYPE_BOOL:
      return R"({"type":"boolean"})";
    case FieldDescriptor::CPPTYPE_ENUM:
      return EnumSchema(f->enum_type());
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const std::string& t = f->message_type()->full_name();
      if (t == "google.protobuf.Timestamp") {
        return R"({"type":"string","format":"date-time"})";
      }
      if (t == "google.protobuf.Duration") {
        return R"({"type":"string","description":"seconds with an s suffix, e.g. \"3600s\""})";
      }
      needed.insert(f->message_type());
      return Ref(f->message_type());
    }
  }
  return "{}";
}

std::string FieldSchema(const FieldDescriptor* f, std::set<const Descriptor*>& needed) {
  if (f->is_repeated()) return "{\"type\":\"array\",\"items\":" + ValueSchema(f, needed) + "}";
  return ValueSchema(f, needed);
}

// An object schema of the message's fields, minus `skip` (proto names).
std::string ObjectSchema(const Descriptor* d, const std::set<std::string>& skip,
                         const std::vector<std::string>& required,
                         std::set<const Descriptor*>& needed) {
  std::string out = "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{";
  bool first = true;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (skip.contains(f->name())) continue;
    if (!first) out += ',';
    first = false;
    out += JsonString(f->json_name());
    out += ':';
    out += FieldSchema(f, needed);
  }
  out += '}';
  std::vector<std::string> req;
  for (const auto& r : required) {
    const FieldDescriptor* f = FieldByJsonName(d, r);
    if (f && !skip.contains(f->name())) req.push_back(r);
  }
  if (!req.empty()) {
    out += ",\"required\":[";
    for (size_t i = 0; i < req.size(); ++i) {
      if (i > 0) out += ',';
      out += JsonString(req[i]);
    }
    out += ']';
  }
  return out + '}';
}

std::string Roles(const Route& r) {
  std::string out = "[";
  for (const auto& role : r.roles) {
    out += JsonString(role);
    out += ',';
  }
  return out + "\"admin\"]";
}

std::string Operation(const Route& r, std::set<const Descriptor*>& needed) {
  std::string roles_text;
  for (const auto& role : r.roles) roles_text += role + ", ";
  roles_text += "admin";
  std::string out = "{\"operationId\":" + JsonString(r.rpc->name());
  out += ",\"summary\":" + JsonString(r.summary);
  out += ",\"description\":" +
         JsonString("Roles: " + roles_text + ". gRPC: " + r.rpc->full_name() + ".");
  out += ",\"tags\":[" + JsonString(r.upstream) + "]";
  out += ",\"x-roles\":" + Roles(r);
  out += ",\"parameters\":[";
  bool first = true;
  auto param = [&](const std::string& p) {
    if (!first) out += ',';
    first = false;
    out += p;
  };
  std::set<std::string> bound = {"request_id"};
  for (const auto& [var, field] : r.path_fields) {
    bound.insert(field);
    param("{\"name\":" + JsonString(var) +
          ",\"in\":\"path\",\"required\":true,\"schema\":{\"type\":\"string\"}}");
  }
  param(
      R"({"name":"X-Request-Id","in":"header","required":false,"schema":{"type":"string","maxLength":128},"description":"Echoed on the answer; generated when absent"})");
  if (r.create) {
    param(
        R"({"name":"Idempotency-Key","in":"header","required":false,"schema":{"type":"string","maxLength":255},"description":"Same key and body within 24 h: the first answer again; another body: 409"})");
  }
  const Descriptor* in = r.rpc->input_type();
  if (r.method == "GET") {
    for (int i = 0; i < in->field_count(); ++i) {
      const FieldDescriptor* f = in->field(i);
      if (bound.contains(f->name())) continue;
      if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
          f->message_type()->full_name() != "google.protobuf.Timestamp" &&
          f->message_type()->full_name() != "google.protobuf.Duration") {
        continue;
      }
      bool required = false;
      for (const auto& q : r.required) required = required || q == f->json_name();
      std::string p = "{\"name\":" + JsonString(f->json_name()) + ",\"in\":\"query\",\"required\":";
      p += required ? "true" : "false";
      p += ",\"schema\":" + FieldSchema(f, needed);
      if (f->is_repeated()) p += ",\"style\":\"form\",\"explode\":true";
      param(p + "}");
    }
  }
  out += ']';
  if (r.method == "POST") {
    out += ",\"requestBody\":{\"required\":false,\"content\":{\"application/json\":{\"schema\":";
    out += ObjectSchema(in, bound, r.required, needed);
    out += "}}}";
  }
  needed.insert(r.rpc->output_type());
  out += ",\"responses\":{" + JsonString(std::to_string(r.success)) +
         ":{\"description\":\"OK\",\"content\":{\"application/json\":{\"schema\":" +
         Ref(r.rpc->output_type()) + "}}}";
  for (const char* code : {"400", "401", "403", "404", "409", "429", "501", "503", "504"}) {
    out += ",\"";
    out += code;
    out += "\":{\"$ref\":\"#/components/responses/Error\"}";
  }
  out += "}}";
  return out;
}

const char kStaticPaths[] = R"(
"/healthz":{"get":{"operationId":"Healthz","summary":"The process is alive","security":[],"tags":["operations"],"responses":{"200":{"description":"alive"}}}},
"/readyz":{"get":{"operationId":"Readyz","summary":"Every upstream and Redis is reachable","security":[],"tags":["operations"],"responses":{"200":{"description":"ready"},"503":{"$ref":"#/components/responses/Error"}}}},
"/metrics":{"get":{"operationId":"Metrics","summary":"Prometheus metrics","security":[],"tags":["operations"],"responses":{"200":{"description":"Prometheus text format","content":{"text/plain":{"schema":{"type":"string"}}}}}}},
"/openapi.json":{"get":{"operationId":"OpenApi","summary":"This document","security":[],"tags":["operations"],"responses":{"200":{"description":"OpenAPI 3.0 document","content":{"application/json":{"schema":{"type":"object"}}}}}}})";

const char kErrorSchema[] =
    R"("Error":{"type":"object","required":["error"],"properties":{"error":{"type":"object","required":["code","status","message"],"properties":{"code":{"type":"integer"},"status":{"type":"string","example":"NOT_FOUND"},"message":{"type":"string"},"reason":{"type":"string","example":"TICKET_NOT_FOUND"},"fieldViolations":{"type":"array","items":{"type":"object","properties":{"field":{"type":"string"},"description":{"type":"string"}}}}}}}})";

}  // namespace

std::string OpenApiDocument(const RouteTable& table) {
  std::set<const Descriptor*> needed;
  // Paths in table order, methods grouped under their template.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Route*>> by_path;
  for (const auto& r : table.routes()) {
    if (!by_path.contains(r.path)) order.push_back(r.path);
    by_path[r.path].push_back(&r);
  }
  std::string paths;
  for (const auto& p : order) {
    if (!paths.empty()) paths += ',';
    paths += JsonString(p) + ":{";
    bool first = true;
    for (const Route* r : by_path[p]) {
      if (!first) paths += ',';
      first = false;
      std::string method = r->method;
      for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      paths += JsonString(method) + ":" + Operation(*r, needed);
    }
    paths += '}';
  }

  // Component schemas: every message reachable from an answer or a body.
  std::map<std::string, std::string> schemas;
  std::set<const Descriptor*> done;
  while (!needed.empty()) {
    const Descriptor* d = *needed.begin();
    needed.erase(needed.begin());
    if (!done.insert(d).second) continue;
    std::set<const Descriptor*> more;
    schemas[d->full_name()] = ObjectSchema(d, {}, {}, more);
    for (const Descriptor* m : more) {
      if (!done.contains(m)) needed.insert(m);
    }
  }

  std::string out =
      R"({"openapi":"3.0.3","info":{"title":"Aftersales API","version":"v1","description":"The public HTTP/JSON API of Aftersales: protobuf JSON mapping (lowerCamelCase names, enum values without prefix, 64-bit integers as strings), errors as {\"error\":{code,status,message,reason,fieldViolations}}. Every /v1 route needs Authorization: Bearer <JWT, HS256>; x-roles lists the roles that may call it."},"servers":[{"url":"/"}],"security":[{"bearer":[]}],"paths":{)";
  out += paths;
  out += ',';
  out += kStaticPaths;
  out +=
      R"(},"components":{"securitySchemes":{"bearer":{"type":"http","scheme":"bearer","bearerFormat":"JWT"}},"responses":{"Error":{"description":"An error","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Error"}}}}},"schemas":{)";
  out += kErrorSchema;
  for (const auto& [name, schema] : schemas) {
    out += ',';
    out += JsonString(name);
    out += ':';
    out += schema;
  }
  out += "}}}";
  return out;
}

}  // namespace aftersales::gateway
