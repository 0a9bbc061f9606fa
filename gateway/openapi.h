// /openapi.json: the OpenAPI 3.0 description of the route table, with
// schemas generated from the protobuf descriptors, so the document can never
// drift from what the gateway actually routes and accepts.
#pragma once

#include <string>

#include "gateway/route_table.h"

namespace aftersales::gateway {

std::string OpenApiDocument(const RouteTable& table);

}  // namespace aftersales::gateway
