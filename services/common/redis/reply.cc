#include "services/common/redis/reply.h"

#include <hiredis/hiredis.h>

#include <array>
#include <charconv>
#include <utility>

namespace aftersales::redis {

ReplyType ReplyView::type() const {
  if (reply_ == nullptr) return ReplyType::kNil;
  switch (reply_->type) {
    case REDIS_REPLY_STRING:
      return ReplyType::kString;
    case REDIS_REPLY_STATUS:
      return ReplyType::kStatus;
    case REDIS_REPLY_INTEGER:
      return ReplyType::kInteger;
    case REDIS_REPLY_ARRAY:
      return ReplyType::kArray;
    case REDIS_REPLY_ERROR:
      return ReplyType::kError;
    default:
      return ReplyType::kNil;
  }
}

std::string_view ReplyView::str() const {
  switch (type()) {
    case ReplyType::kString:
    case ReplyType::kStatus:
    case ReplyType::kError:
      if (reply_->str == nullptr) return {};
      return std::string_view(reply_->str, reply_->len);
    default:
      return {};
  }
}

std::optional<int64_t> ReplyView::integer() const {
  if (is_integer()) return static_cast<int64_t>(reply_->integer);
  if (is_string()) {
    std::string_view s = str();
    int64_t value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return value;
  }
  return std::nullopt;
}

size_t ReplyView::size() const {
  if (!is_array() || reply_->element == nullptr) return 0;
  return reply_->elements;
}

ReplyView ReplyView::operator[](size_t i) const {
  if (i >= size()) return ReplyView();
  return ReplyView(reply_->element[i]);
}

std::string ReplyView::ToString() const {
  switch (type()) {
    case ReplyType::kNil:
      return "nil";
    case ReplyType::kInteger:
      return std::to_string(reply_->integer);
    case ReplyType::kString:
      return "\"" + string() + "\"";
    case ReplyType::kStatus:
      return string();
    case ReplyType::kError:
      return "(error) " + string();
    case ReplyType::kArray: {
      std::string out = "[";
      for (size_t i = 0; i < size(); ++i) {
        if (i) out += ", ";
        out += (*this)[i].ToString();
      }
      return out + "]";
    }
  }
  return "?";
}

void FreeReply::operator()(redisReply* reply) const {
  if (reply != nullptr) freeReplyObject(reply);
}

Result<Reply> ParseReply(std::string_view resp) {
  std::unique_ptr<redisReader, decltype(&redisReaderFree)> reader(redisReaderCreate(),
                                                                  &redisReaderFree);
  if (!reader) return Internal("REDIS_REPLY_PARSE", "out of memory creating a reply reader");
  if (redisReaderFeed(reader.get(), resp.data(), resp.size()) != REDIS_OK) {
    return Internal("REDIS_REPLY_PARSE", "cannot feed reply bytes");
  }
  void* raw = nullptr;
  if (redisReaderGetReply(reader.get(), &raw) != REDIS_OK) {
    return InvalidArgument("REDIS_REPLY_PARSE", std::string("malformed reply: ") + reader->errstr);
  }
  if (raw == nullptr) return InvalidArgument("REDIS_REPLY_PARSE", "incomplete reply");
  return Reply(static_cast<redisReply*>(raw));
}

namespace {

struct KnownError {
  std::string_view prefix;
  Code code;
};

// Redis' own error prefixes worth a specific code; the reason is REDIS_<prefix>.
constexpr std::array<KnownError, 14> kKnownErrors{{
    {"NOSCRIPT", Code::kFailedPrecondition},
    {"WRONGTYPE", Code::kFailedPrecondition},
    {"NOGROUP", Code::kFailedPrecondition},
    {"BUSYGROUP", Code::kAlreadyExists},
    {"LOADING", Code::kUnavailable},
    {"BUSY", Code::kUnavailable},
    {"MASTERDOWN", Code::kUnavailable},
    {"READONLY", Code::kUnavailable},
    {"TRYAGAIN", Code::kUnavailable},
    {"CLUSTERDOWN", Code::kUnavailable},
    {"OOM", Code::kResourceExhausted},
    {"NOAUTH", Code::kUnauthenticated},
    {"WRONGPASS", Code::kUnauthenticated},
    {"NOPERM", Code::kPermissionDenied},
}};

// Codes a script may use to reject a state change.
constexpr std::array<Code, 9> kScriptCodes{
    Code::kInvalidArgument,  Code::kNotFound,           Code::kAlreadyExists,
    Code::kPermissionDenied, Code::kFailedPrecondition, Code::kAborted,
    Code::kOutOfRange,       Code::kResourceExhausted,  Code::kUnauthenticated,
};

std::pair<std::string_view, std::string_view> SplitWord(std::string_view s) {
  size_t space = s.find(' ');
  if (space == std::string_view::npos) return {s, {}};
  return {s.substr(0, space), s.substr(space + 1)};
}

}  // namespace

Status ErrorReplyToStatus(std::string_view error, std::string_view context) {
  auto [first, rest] = SplitWord(error);
  for (Code code : kScriptCodes) {
    if (first == CodeName(code)) {
      auto [reason, message] = SplitWord(rest);
      if (reason.empty()) reason = first;
      return Status(code, std::string(reason), std::string(message));
    }
  }
  std::string message = context.empty()
                            ? std::string(error)
                            : "redis " + std::string(context) + ": " + std::string(error);
  for (const KnownError& known : kKnownErrors) {
    if (first == known.prefix) {
      return Status(known.code, "REDIS_" + std::string(known.prefix), std::move(message));
    }
  }
  return Internal("REDIS_ERROR", std::move(message));
}

}  // namespace aftersales::redis
