// Domain enums <-> the v1 proto enums (zero is always UNSPECIFIED there).
#pragma once

#include <optional>

#include "aftersales/common/v1/common.pb.h"
#include "aftersales/intake/v1/intake.pb.h"
#include "services/intake/domain/ticket.h"
#include "services/intake/domain/warranty.h"

namespace aftersales::intake {

namespace pb = ::aftersales::common::v1;
namespace v1 = ::aftersales::intake::v1;

inline pb::Severity ToProto(Severity s) {
  return static_cast<pb::Severity>(static_cast<int>(s) + 1);
}
inline pb::Zone ToProto(Zone z) { return static_cast<pb::Zone>(static_cast<int>(z) + 1); }
inline pb::AssetCategory ToProto(AssetCategory c) {
  return static_cast<pb::AssetCategory>(static_cast<int>(c) + 1);
}
inline pb::TicketKind ToProto(TicketKind k) {
  return static_cast<pb::TicketKind>(static_cast<int>(k) + 1);
}
inline v1::Ticket::Status ToProto(TicketStatus s) {
  return static_cast<v1::Ticket::Status>(static_cast<int>(s) + 1);
}
inline v1::Channel ToProto(Channel c) { return static_cast<v1::Channel>(static_cast<int>(c) + 1); }
inline pb::DeadlineState ToProto(ClockState s) {
  return static_cast<pb::DeadlineState>(static_cast<int>(s) + 1);
}
inline pb::DeadlineClock ToProto(ClockKind k) {
  switch (k) {
    case ClockKind::kFirstResponse:
      return pb::FIRST_RESPONSE;
    case ClockKind::kHandling:
      return pb::HANDLING;
    case ClockKind::kRemoteSession:
      return pb::REMOTE_SESSION;
    case ClockKind::kOnsiteArrival:
      return pb::ONSITE_ARRIVAL;
    case ClockKind::kHandlingPlan:
      return pb::HANDLING_PLAN;
    case ClockKind::kRepair:
      return pb::REPAIR;
  }
  return pb::DEADLINE_CLOCK_UNSPECIFIED;
}
inline pb::WarrantyBasis ToProto(WarrantyBasis b) {
  switch (b) {
    case WarrantyBasis::kVendor:
      return pb::VENDOR;
    case WarrantyBasis::kManufacturer:
      return pb::MANUFACTURER;
    case WarrantyBasis::kContract:
      return pb::CONTRACT;
    // The proto has no PART basis; a part's own warranty is the vendor's.
    case WarrantyBasis::kPart:
      return pb::VENDOR;
    case WarrantyBasis::kNone:
      return pb::NONE;
  }
  return pb::WARRANTY_BASIS_UNSPECIFIED;
}
// CONSUMABLE has no proto value: it reads as not covered without exclusion.
inline pb::WarrantyExclusion ToProto(Exclusion e) {
  switch (e) {
    case Exclusion::kMisuse:
      return pb::MISUSE;
    case Exclusion::kDisaster:
      return pb::DISASTER;
    case Exclusion::kSelfRepair:
      return pb::SELF_REPAIR;
    case Exclusion::kUnauthorisedInstaller:
      return pb::UNAUTHORISED_INSTALLER;
    case Exclusion::kMixedVendors:
      return pb::MIXED_VENDORS;
    case Exclusion::kExpired:
      return pb::EXPIRED;
    case Exclusion::kConsumable:
      return pb::WARRANTY_EXCLUSION_UNSPECIFIED;
  }
  return pb::WARRANTY_EXCLUSION_UNSPECIFIED;
}

// From proto; nullopt for UNSPECIFIED or an unknown number.
inline std::optional<Severity> FromProto(pb::Severity s) {
  if (s < pb::EMERGENCY || s > pb::NOTICE) return std::nullopt;
  return static_cast<Severity>(static_cast<int>(s) - 1);
}
inline std::optional<Zone> FromProto(pb::Zone z) {
  if (z < pb::CITY || z > pb::REMOTE) return std::nullopt;
  return static_cast<Zone>(static_cast<int>(z) - 1);
}
inline std::optional<AssetCategory> FromProto(pb::AssetCategory c) {
  if (c < pb::MAINFRAME || c > pb::CONSUMABLE) return std::nullopt;
  return static_cast<AssetCategory>(static_cast<int>(c) - 1);
}
inline std::optional<TicketKind> FromProto(pb::TicketKind k) {
  if (k < pb::FAULT || k > pb::CONSULTATION) return std::nullopt;
  return static_cast<TicketKind>(static_cast<int>(k) - 1);
}
inline std::optional<TicketStatus> FromProto(v1::Ticket::Status s) {
  if (s < v1::Ticket::OPEN || s > v1::Ticket::CLOSED) return std::nullopt;
  return static_cast<TicketStatus>(static_cast<int>(s) - 1);
}
inline std::optional<Channel> FromProto(v1::Channel c) {
  if (c < v1::HOTLINE || c > v1::MONITORING) return std::nullopt;
  return static_cast<Channel>(static_cast<int>(c) - 1);
}
inline std::optional<Impact> FromProto(v1::Impact i) {
  if (i < v1::SYSTEM_DOWN || i > v1::NO_SERVICE_AFFECTED) return std::nullopt;
  return static_cast<Impact>(static_cast<int>(i) - 1);
}
inline v1::Impact ImpactToProto(Impact i) {
  return static_cast<v1::Impact>(static_cast<int>(i) + 1);
}

}  // namespace aftersales::intake
