// The gRPC face of intake: proto <-> domain, the caller's identity from the
// gateway's metadata, and domain statuses as gRPC statuses.
#pragma once

#include "aftersales/intake/v1/intake.grpc.pb.h"
#include "services/common/clock.h"
#include "services/intake/storage/intake_store.h"
#include "services/intake/tickets/ticket_desk.h"

namespace aftersales::intake {

class IntakeService final : public v1::IntakeService::CallbackService {
 public:
  // `desk` (and its store and clock) and `writer` must outlive the service.
  // With a writer, reports are written in shared batches (see
  // BatchTicketWriter); without, each call writes its own.
  explicit IntakeService(TicketDesk& desk, BatchTicketWriter* writer = nullptr);

  grpc::ServerUnaryReactor* CreateCustomer(grpc::CallbackServerContext* ctx,
                                           const v1::CreateCustomerRequest* req,
                                           v1::Customer* resp) override;
  grpc::ServerUnaryReactor* GetCustomer(grpc::CallbackServerContext* ctx,
                                        const v1::GetCustomerRequest* req,
                                        v1::Customer* resp) override;
  grpc::ServerUnaryReactor* CreateSite(grpc::CallbackServerContext* ctx,
                                       const v1::CreateSiteRequest* req, v1::Site* resp) override;
  grpc::ServerUnaryReactor* CreateAsset(grpc::CallbackServerContext* ctx,
                                        const v1::CreateAssetRequest* req,
                                        v1::Asset* resp) override;
  grpc::ServerUnaryReactor* GetSite(grpc::CallbackServerContext* ctx, const v1::GetSiteRequest* req,
                                    v1::Site* resp) override;
  grpc::ServerUnaryReactor* GetAsset(grpc::CallbackServerContext* ctx,
                                     const v1::GetAssetRequest* req, v1::Asset* resp) override;
  grpc::ServerUnaryReactor* CreateContract(grpc::CallbackServerContext* ctx,
                                           const v1::CreateContractRequest* req,
                                           v1::Contract* resp) override;

  grpc::ServerUnaryReactor* CreateTicket(grpc::CallbackServerContext* ctx,
                                         const v1::CreateTicketRequest* req,
                                         v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* GetTicket(grpc::CallbackServerContext* ctx,
                                      const v1::GetTicketRequest* req, v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* ListTickets(grpc::CallbackServerContext* ctx,
                                        const v1::ListTicketsRequest* req,
                                        v1::ListTicketsResponse* resp) override;
  grpc::ServerUnaryReactor* GetTicketHistory(grpc::CallbackServerContext* ctx,
                                             const v1::GetTicketHistoryRequest* req,
                                             v1::GetTicketHistoryResponse* resp) override;
  grpc::ServerUnaryReactor* RespondTicket(grpc::CallbackServerContext* ctx,
                                          const v1::RespondTicketRequest* req,
                                          v1::RespondTicketResponse* resp) override;
  grpc::ServerUnaryReactor* ResolveTicketByPhone(grpc::CallbackServerContext* ctx,
                                                 const v1::ResolveTicketByPhoneRequest* req,
                                                 v1::ResolveTicketByPhoneResponse* resp) override;
  grpc::ServerUnaryReactor* StartRemoteSession(grpc::CallbackServerContext* ctx,
                                               const v1::StartRemoteSessionRequest* req,
                                               v1::StartRemoteSessionResponse* resp) override;
  grpc::ServerUnaryReactor* RequestOnsite(grpc::CallbackServerContext* ctx,
                                          const v1::RequestOnsiteRequest* req,
                                          v1::RequestOnsiteResponse* resp) override;
  grpc::ServerUnaryReactor* PauseTicket(grpc::CallbackServerContext* ctx,
                                        const v1::PauseTicketRequest* req,
                                        v1::PauseTicketResponse* resp) override;
  grpc::ServerUnaryReactor* ResumeTicket(grpc::CallbackServerContext* ctx,
                                         const v1::ResumeTicketRequest* req,
                                         v1::ResumeTicketResponse* resp) override;
  grpc::ServerUnaryReactor* CloseTicket(grpc::CallbackServerContext* ctx,
                                        const v1::CloseTicketRequest* req,
                                        v1::CloseTicketResponse* resp) override;
  grpc::ServerUnaryReactor* ReopenTicket(grpc::CallbackServerContext* ctx,
                                         const v1::ReopenTicketRequest* req,
                                         v1::ReopenTicketResponse* resp) override;
  grpc::ServerUnaryReactor* RecordDiagnosis(grpc::CallbackServerContext* ctx,
                                            const v1::RecordDiagnosisRequest* req,
                                            v1::RecordDiagnosisResponse* resp) override;

  grpc::ServerUnaryReactor* CreateArticle(grpc::CallbackServerContext* ctx,
                                          const v1::CreateArticleRequest* req,
                                          v1::Article* resp) override;
  grpc::ServerUnaryReactor* SearchArticles(grpc::CallbackServerContext* ctx,
                                           const v1::SearchArticlesRequest* req,
                                           v1::SearchArticlesResponse* resp) override;

 private:
  TicketDesk& desk_;
  IntakeStore& store_;
  const Clock& clock_;
  BatchTicketWriter* writer_;
};

// Domain field names (snake_case, the domain's own words) as the HTTP API
// spells them: "contact_phone" → "contactPhone", "asset_id" → "assetSerial".
std::string ApiFieldName(std::string_view domain_field);
Status WithApiFieldNames(const Status& status);

}  // namespace aftersales::intake
