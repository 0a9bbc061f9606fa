#include "services/dispatch/events/followup_events.h"

#include <google/protobuf/util/time_util.h>

#include "aftersales/events/v1/followup_events.pb.h"
#include "services/common/grpc/client.h"
#include "services/common/grpc/status_mapping.h"
#include "services/common/runtime/log.h"
#include "services/common/runtime/uuid.h"
#include "services/dispatch/events/intake_events.h"

namespace aftersales::dispatch {
namespace {

namespace ev = ::aftersales::events::v1;

// An unreachable intake is a reason to try again later, whatever gRPC
// called it.
Status Retryable(Status s, const std::string& what) {
  if (s.code() == Code::kUnavailable || s.code() == Code::kDeadlineExceeded) {
    return Unavailable("INTAKE_UNAVAILABLE", "intake did not answer " + what + ": " + s.message());
  }
  return s;
}

}  // namespace

IntakeInstallBase::IntakeInstallBase(
    std::shared_ptr<intake::v1::IntakeService::StubInterface> intake,
    std::chrono::milliseconds deadline)
    : intake_(std::move(intake)), deadline_(deadline) {}

Result<MaintenanceSite> IntakeInstallBase::Site(const std::string& site_id) {
  if (!intake_) return Unavailable("INTAKE_UNAVAILABLE", "no intake service configured");
  intake::v1::GetSiteRequest request;
  request.set_site_id(site_id);
  intake::v1::Site site;
  auto ctx = grpcx::NewCallContext(deadline_, NewUuid());
  Status s = grpcx::FromGrpcStatus(intake_->GetSite(ctx.get(), request, &site));
  if (!s.ok()) return Retryable(s, "GetSite " + site_id);
  return MaintenanceSite{site.id(),      site.customer_id(),
                         site.address(), static_cast<Zone>(site.zone()),
                         site.branch(),  {site.latitude(), site.longitude()}};
}

Result<std::optional<MaintenanceAsset>> IntakeInstallBase::Asset(const std::string& serial) {
  if (!intake_) return Unavailable("INTAKE_UNAVAILABLE", "no intake service configured");
  intake::v1::GetAssetRequest request;
  request.set_serial_number(serial);
  intake::v1::Asset asset;
  auto ctx = grpcx::NewCallContext(deadline_, NewUuid());
  Status s = grpcx::FromGrpcStatus(intake_->GetAsset(ctx.get(), request, &asset));
  if (s.code() == Code::kNotFound) return std::optional<MaintenanceAsset>();
  if (!s.ok()) return Retryable(s, "GetAsset " + serial);
  return std::optional<MaintenanceAsset>(
      MaintenanceAsset{asset.serial_number(), asset.model(),
                       static_cast<AssetCategory>(asset.category()), asset.warranty().covered()});
}

streams::ConsumerOptions FollowupConsumerOptions(std::string consumer) {
  streams::ConsumerOptions o;
  o.stream = kFollowupStream;
  o.group = kConsumerGroup;
  o.consumer = std::move(consumer);
  o.handled_prefix = "{dispatch}:";
  o.max_deliveries = 20;
  o.types = {ev::MaintenanceVisitDue::descriptor()->full_name()};
  return o;
}

Status HandleFollowupEvent(DispatchDesk& desk, InstallBase& install_base,
                           const streams::Event& event, const streams::MarkHandledArgs& handled) {
  if (event.type != ev::MaintenanceVisitDue::descriptor()->full_name()) return Status::Ok();
  ev::MaintenanceVisitDue e;
  if (!e.ParseFromString(event.payload)) {
    return InvalidArgument("MALFORMED_EVENT", "MaintenanceVisitDue does not parse");
  }
  // A redelivery finds its work order without asking intake (which may be
  // the reason it was redelivered).
  auto existing = desk.HasMaintenanceWorkOrder(e.followup_id());
  if (!existing.ok()) return existing.status();
  if (*existing) return Status::Ok();

  MaintenanceVisit visit;
  visit.maintenance_plan_id = e.maintenance_plan_id();
  visit.followup_id = e.followup_id();
  visit.customer_id = e.customer_id();
  visit.site_id = e.site_id();
  visit.asset_serial = e.asset_serial();
  visit.visit_due =
      e.has_visit_due()
          ? FromUnixMillis(google::protobuf::util::TimeUtil::TimestampToMilliseconds(e.visit_due()))
          : FromUnixMillis(event.time_ms);
  auto site = install_base.Site(e.site_id());
  if (!site.ok()) {
    log::Warn("maintenance visit waits for the install base",
              {{"followup_id", e.followup_id()}, {"error", site.status().ToString()}});
    return site.status();
  }
  std::optional<MaintenanceAsset> asset;
  if (!e.asset_serial().empty()) {
    auto found = install_base.Asset(e.asset_serial());
    if (!found.ok()) return found.status();
    asset = *found;
  }
  return desk.OnMaintenanceVisitDue(visit, *site, asset, handled);
}

Result<streams::ConsumerPtr> MakeFollowupConsumer(redis::RedisPool& pool, DispatchDesk& desk,
                                                  InstallBase& install_base,
                                                  streams::ConsumerOptions options) {
  auto slot = std::make_shared<streams::Consumer*>(nullptr);
  auto consumer = streams::Consumer::Create(
      pool, std::move(options), [&desk, &install_base, slot](const streams::Event& event) {
        return HandleFollowupEvent(desk, install_base, event, (*slot)->MarkHandled(event));
      });
  if (!consumer.ok()) return consumer.status();
  *slot = consumer->get();
  return consumer;
}

}  // namespace aftersales::dispatch
