// The one way a task or an escalation reaches a person. SMS, e-mail and app
// push are adapters behind this port; the service ships a log adapter and a
// webhook adapter that POSTs JSON to a configured URL.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "services/common/status.h"

namespace aftersales::followup {

struct Notification {
  std::string kind;        // "MAINTENANCE_VISIT_DUE", "COMPLAINT_ESCALATED", "FOLLOWUP_DUE", ...
  std::string subject_id;  // followup or complaint id
  std::string customer_id;
  std::string ticket_number;
  // Who to tell: "customer", "care-staff", "after-sales-lead", "manager".
  std::string audience;
  std::string text;
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual Status Notify(const Notification& notification) = 0;
};
using NotifierPtr = std::unique_ptr<Notifier>;

// Writes the notification to the service log.
class LogNotifier final : public Notifier {
 public:
  Status Notify(const Notification& notification) override;
};

struct WebhookOptions {
  std::string url;  // "http://host:port/path" (plain HTTP; TLS ends at the mesh)
  int attempts = 3;
  std::chrono::milliseconds timeout{2000};
  std::chrono::milliseconds backoff{200};  // doubled after each failed attempt
};

// POSTs {"kind":..,"subjectId":..,"customerId":..,"ticketNumber":..,
// "audience":..,"text":..} and retries on connection errors and 5xx; 4xx is
// final (the receiver will not change its mind).
class WebhookNotifier final : public Notifier {
 public:
  // INVALID_ARGUMENT for a URL that is not http://host[:port][/path].
  static Result<std::unique_ptr<WebhookNotifier>> Create(WebhookOptions options);
  Status Notify(const Notification& notification) override;

  static std::string ToJson(const Notification& notification);

 private:
  WebhookNotifier(WebhookOptions options, std::string host, std::string port, std::string path)
      : options_(std::move(options)),
        host_(std::move(host)),
        port_(std::move(port)),
        path_(std::move(path)) {}
  // The HTTP status, or UNAVAILABLE.
  Result<int> PostOnce(const std::string& body);

  WebhookOptions options_;
  std::string host_;
  std::string port_;
  std::string path_;
};

}  // namespace aftersales::followup
