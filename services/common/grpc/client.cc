#include "services/common/grpc/client.h"

#include <grpcpp/generic/generic_stub.h>

#include <condition_variable>
#include <mutex>

namespace aftersales::grpcx {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  // Spread calls over every address a headless Service resolves to.
  args.SetLoadBalancingPolicyName("round_robin");
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

std::unique_ptr<grpc::ClientContext> NewCallContext(std::chrono::milliseconds deadline,
                                                    std::string_view request_id) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + deadline);
  if (!request_id.empty()) ctx->AddMetadata(kRequestIdHeader, std::string(request_id));
  return ctx;
}

std::string RequestIdOf(const grpc::ServerContextBase& context) {
  const auto& md = context.client_metadata();
  auto it = md.find(kRequestIdHeader);
  return it == md.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

namespace {

// HealthCheckRequest{string service = 1}: tag 0x0a, length, bytes.
std::string EncodeHealthRequest(const std::string& service) {
  std::string out;
  if (service.empty()) return out;
  out.push_back(0x0a);
  size_t n = service.size();
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
  out += service;
  return out;
}

// HealthCheckResponse{ServingStatus status = 1}: 1 = SERVING. An absent field
// is 0 = UNKNOWN.
int DecodeHealthStatus(const std::string& bytes) {
  if (bytes.size() >= 2 && bytes[0] == 0x08) return static_cast<unsigned char>(bytes[1]);
  return 0;
}

}  // namespace

Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel, const std::string& service,
                   std::chrono::milliseconds deadline) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  std::string req = EncodeHealthRequest(service);
  grpc::Slice slice(req);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status result;
  grpc::StubOptions options;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", options, &request, &response,
                 [&](grpc::Status s) {
                   std::lock_guard<std::mutex> lock(mu);
                   result = std::move(s);
                   done = true;
                   cv.notify_one();
                 });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  if (!result.ok()) {
    auto code = result.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ? Code::kDeadlineExceeded
                                                                           : Code::kUnavailable;
    return Status(code, "HEALTH_CHECK_FAILED", "health check failed: " + result.error_message());
  }
  std::vector<grpc::Slice> slices;
  (void)response.Dump(&slices);
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  if (DecodeHealthStatus(bytes) != 1) {
    return FailedPrecondition("NOT_SERVING", "service reports NOT_SERVING");
  }
  return Status::Ok();
}

}  // namespace aftersales::grpcx
