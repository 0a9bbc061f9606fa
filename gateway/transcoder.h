// HTTP ⇄ protobuf by the protobuf JSON mapping: the body, the path
// variables and the query parameters become one request message; the answer
// message becomes the JSON body. Every way a client can get the input wrong
// is an INVALID_ARGUMENT naming the problem (and the field when there is
// one), never an exception.
#pragma once

#include <google/protobuf/message.h>

#include <memory>
#include <string>

#include "gateway/route_table.h"
#include "services/common/http/http_message.h"
#include "services/common/status.h"

namespace aftersales::gateway {

using MessagePtr = std::unique_ptr<google::protobuf::Message>;

// A fresh, empty message of the descriptor's generated type.
MessagePtr NewMessage(const google::protobuf::Descriptor* type);

// The request of `match.route` from the body (POST; empty means {}), the
// path variables and the query parameters (named by their JSON or proto
// name; a name that is no field is an error, like an unknown body field).
// Checks pageSize >= 0. Does not check required fields (CheckRequired, after
// the caller's identity has filled what it fixes).
//   reasons: INVALID_UTF8, MALFORMED_JSON (syntax, wrong type, unknown field,
//   out-of-range number; the parser's words), UNKNOWN_QUERY_PARAMETER,
//   INVALID_QUERY_PARAMETER, INVALID_PATH_PARAMETER, INVALID_PAGE_SIZE,
//   UNSUPPORTED_MEDIA_TYPE (code INVALID_ARGUMENT too; the caller answers 415).
Result<MessagePtr> BuildRequest(const RouteMatch& match, const HttpRequest& request);

// Sets one field from text, as a query parameter would (for identity fields).
Status SetFieldFromText(google::protobuf::Message& message, const std::string& proto_name,
                        const std::string& value);

// INVALID_ARGUMENT (MISSING_REQUIRED_FIELD) naming each absent required field.
Status CheckRequired(const Route& route, const google::protobuf::Message& request);

// The answer's JSON: lowerCamelCase, enums by name, every scalar printed (so a
// client always finds nextPageToken, even when it is empty).
std::string ToJson(const google::protobuf::Message& message);
// The same JSON straight from an answer's wire bytes, as a service sent them:
// no message is built and serialised again on the way. INTERNAL
// (BAD_UPSTREAM_ANSWER) when the bytes do not parse as `type`.
Result<std::string> WireToJson(const google::protobuf::Descriptor* type, const std::string& wire);

// The string value of a top-level string field, or "" when there is none.
std::string StringField(const google::protobuf::Message& message, const std::string& proto_name);

}  // namespace aftersales::gateway
