// Followup's events as dispatch consumes them (group "dispatch" on
// `{followup}:events`): a MaintenanceVisitDue becomes a MAINTENANCE work
// order, planned from the site and asset that intake's install base knows.
// Other event types are acknowledged and ignored.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "aftersales/intake/v1/intake.grpc.pb.h"
#include "services/common/redis/pool.h"
#include "services/common/streams/consumer.h"
#include "services/dispatch/desk/dispatch_desk.h"

namespace aftersales::dispatch {

inline constexpr char kFollowupStream[] = "{followup}:events";

// Sites and assets as maintenance planning reads them. Intake owns them;
// tests put a fake in its place.
class InstallBase {
 public:
  virtual ~InstallBase() = default;
  // NOT_FOUND when intake does not know the site; UNAVAILABLE when intake
  // cannot be asked now.
  virtual Result<MaintenanceSite> Site(const std::string& site_id) = 0;
  // nullopt when intake does not know the asset.
  virtual Result<std::optional<MaintenanceAsset>> Asset(const std::string& serial) = 0;
};

// Intake's GetSite and GetAsset, each call with a deadline and a request id.
class IntakeInstallBase : public InstallBase {
 public:
  IntakeInstallBase(std::shared_ptr<intake::v1::IntakeService::StubInterface> intake,
                    std::chrono::milliseconds deadline);
  Result<MaintenanceSite> Site(const std::string& site_id) override;
  Result<std::optional<MaintenanceAsset>> Asset(const std::string& serial) override;

 private:
  std::shared_ptr<intake::v1::IntakeService::StubInterface> intake_;
  std::chrono::milliseconds deadline_;
};

// Options for the consumer; `consumer` names this process. An entry whose
// handler fails (intake unreachable) stays pending and is delivered again
// after `claim_idle`; these options allow 20 deliveries (10 minutes at the
// default 30 s) before the dead-letter stream, so that a short intake outage
// delays maintenance work orders instead of losing them.
streams::ConsumerOptions FollowupConsumerOptions(std::string consumer);

// The consumer wired to the desk and the install base (both outlive it).
Result<streams::ConsumerPtr> MakeFollowupConsumer(redis::RedisPool& pool, DispatchDesk& desk,
                                                  InstallBase& install_base,
                                                  streams::ConsumerOptions options);

// What the consumer does with one event; public for tests.
Status HandleFollowupEvent(DispatchDesk& desk, InstallBase& install_base,
                           const streams::Event& event, const streams::MarkHandledArgs& handled);

}  // namespace aftersales::dispatch
