// An RpcCaller that answers from a map instead of the network, and records
// what the gateway sent: the request, the identity, the request id.
#pragma once

#include <google/protobuf/util/json_util.h>

#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "gateway/api.h"

namespace aftersales::gateway::testing {

class FakeUpstream : public RpcCaller {
 public:
  // rpc name → handler filling the response; unset ones answer UNIMPLEMENTED.
  using Handler = std::function<Status(const google::protobuf::Message& request,
                                       google::protobuf::Message& response)>;
  void On(const std::string& rpc, Handler h) { handlers_[rpc] = std::move(h); }
  // The answer is this JSON.
  void Answer(const std::string& rpc, const std::string& json) {
    On(rpc, [json](const google::protobuf::Message&, google::protobuf::Message& response) {
      return google::protobuf::util::JsonStringToMessage(json, &response).ok()
                 ? Status::Ok()
                 : Internal("BAD_FAKE", json);
    });
  }

  Status Call(const Route& route, const google::protobuf::Message& request,
              google::protobuf::Message& response, const Caller& caller,
              const std::string& request_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls;
    last_rpc = route.rpc->name();
    last_caller = caller;
    last_request_id = request_id;
    google::protobuf::util::JsonPrintOptions o;
    o.preserve_proto_field_names = true;
    last_request.clear();
    (void)google::protobuf::util::MessageToJsonString(request, &last_request, o);
    auto it = handlers_.find(route.rpc->name());
    if (it == handlers_.end()) return Unimplemented("UNIMPLEMENTED", "not here");
    return it->second(request, response);
  }

  int calls = 0;
  std::string last_rpc;
  Caller last_caller;
  std::string last_request_id;
  std::string last_request;  // JSON with proto field names

 private:
  std::mutex mu_;
  std::map<std::string, Handler> handlers_;
};

}  // namespace aftersales::gateway::testing
