#include "services/dispatch/domain/maintenance_visit.h"

#include <catch2/catch.hpp>

#include "services/dispatch/domain/tests/test_support.h"

namespace aftersales::dispatch {
namespace {

using namespace testing;

MaintenanceSkills Skills(std::string_view spec) {
  auto s = MaintenanceSkills::Parse(spec, "AFTERSALES_DISPATCH_MAINTENANCE_SKILLS");
  REQUIRE(s.ok());
  return *s;
}

MaintenanceVisit Visit() {
  MaintenanceVisit v;
  v.maintenance_plan_id = "plan-1";
  v.followup_id = "fu-1";
  v.customer_id = "cust-1";
  v.site_id = "site-1";
  v.asset_serial = "SN-1";
  v.visit_due = MondayTen();
  return v;
}

MaintenanceSite Site() {
  return {"site-1", "cust-1", "1 Renmin Rd", Zone::kCity, "shanghai", {31.23, 121.47}};
}

TEST_CASE("a maintenance job is keyed by its followup, a fault job by its ticket",
          "[maintenance]") {
  CHECK(JobKey(WorkOrderKind::kMaintenance, "", "fu-1") == "maintenance:fu-1");
  CHECK(JobKey(WorkOrderKind::kFault, "T123", "") == "T123");
  // Fault numbers have no colon: the two never collide in an engineer's jobs.
  CHECK(JobKey(WorkOrderKind::kMaintenance, "T123", "fu-1") != "T123");
}

TEST_CASE("the longest model prefix names the product line", "[maintenance]") {
  const MaintenanceSkills skills = Skills("PK-=parking, PK-9=parking-premium,AC-=access");
  CHECK(skills.SkillFor("PK-7000") == "parking");
  CHECK(skills.SkillFor("PK-9000") == "parking-premium");
  CHECK(skills.SkillFor("AC-500") == "access");
}

TEST_CASE("without a matching rule the model itself is the skill, or the any-model rule",
          "[maintenance]") {
  CHECK(Skills("PK-=parking").SkillFor("PY-T10") == "PY-T10");
  CHECK(Skills("PK-=parking").SkillFor("") == "maintenance");
  CHECK(Skills("PK-=parking,*=general").SkillFor("PY-T10") == "general");
  CHECK(Skills("*=general").SkillFor("") == "general");
  CHECK(Skills("").SkillFor("AC-500") == "AC-500");
}

TEST_CASE("a skill rule that is not prefix=skill is refused naming the variable", "[maintenance]") {
  for (const char* bad : {"PK-", "PK-=", "=parking", "PK-=parking,oops"}) {
    auto s = MaintenanceSkills::Parse(bad, "AFTERSALES_DISPATCH_MAINTENANCE_SKILLS");
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().code() == Code::kInvalidArgument);
    REQUIRE(s.status().field_violations().size() == 1);
    CHECK(s.status().field_violations()[0].field == "AFTERSALES_DISPATCH_MAINTENANCE_SKILLS");
  }
}

TEST_CASE("a due visit becomes a MINOR on-site request at the site, due by the end of its day",
          "[maintenance]") {
  const MaintenanceAsset asset{"SN-1", "PK-9000", AssetCategory::kMainframe, true};
  auto r = PlanMaintenanceVisit(Visit(), Site(), asset, Skills("PK-=parking"), {});
  REQUIRE(r.ok());
  CHECK(r->ticket_number == "maintenance:fu-1");
  CHECK(r->severity == Severity::kMinor);
  CHECK(r->skill == "parking");
  CHECK(r->zone == Zone::kCity);
  CHECK(r->site == GeoPoint{31.23, 121.47});
  CHECK(r->requested_at == MondayTen());
  CHECK(r->due == MondayTen() + std::chrono::hours(24));
}

TEST_CASE("a site-wide visit takes the any-model rule", "[maintenance]") {
  MaintenanceVisit v = Visit();
  v.asset_serial.clear();
  auto r = PlanMaintenanceVisit(v, Site(), std::nullopt, Skills("PK-=parking,*=access"), {});
  REQUIRE(r.ok());
  CHECK(r->skill == "access");
}

TEST_CASE("a visit without followup, or a site without zone or position, is refused",
          "[maintenance]") {
  MaintenanceVisit v = Visit();
  v.followup_id.clear();
  auto no_followup = PlanMaintenanceVisit(v, Site(), std::nullopt, Skills(""), {});
  REQUIRE_FALSE(no_followup.ok());
  CHECK(no_followup.status().reason() == "INVALID_MAINTENANCE_VISIT");
  CHECK(no_followup.status().field_violations()[0].field == "followup_id");

  MaintenanceSite site = Site();
  site.zone = Zone::kUnspecified;
  site.position = {95.0, 121.0};
  auto bad_site = PlanMaintenanceVisit(Visit(), site, std::nullopt, Skills(""), {});
  REQUIRE_FALSE(bad_site.ok());
  CHECK(bad_site.status().reason() == "INVALID_MAINTENANCE_VISIT");
  std::vector<std::string> fields;
  for (const auto& f : bad_site.status().field_violations()) fields.push_back(f.field);
  CHECK(fields == std::vector<std::string>{"site.latitude", "site.zone"});

  MaintenanceSite other = Site();
  other.id = "site-2";
  CHECK_FALSE(PlanMaintenanceVisit(Visit(), other, std::nullopt, Skills(""), {}).ok());
}

}  // namespace
}  // namespace aftersales::dispatch
