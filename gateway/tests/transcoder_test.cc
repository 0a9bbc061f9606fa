// The gateway's own JSON printer against protobuf's: for every message a
// route sends or answers, filled every way a service could fill it, both
// print the same JSON value (compared as parsed JSON, so key order and
// optional escapes do not matter, but every key, number and string does).
#include "gateway/transcoder.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>
#include <set>

namespace aftersales::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// Every field set (`sparse`: optional and oneof fields left out, lists of
// one), nested messages down to `depth`.
void Fill(Message& m, int depth, bool sparse) {
  const Descriptor* type = m.GetDescriptor();
  const auto* r = m.GetReflection();
  if (type->full_name() == "google.protobuf.Timestamp") {
    r->SetInt64(&m, type->field(0), 1'795'248'000);
    r->SetInt32(&m, type->field(1), sparse ? 0 : 233'000'000);
    return;
  }
  if (type->full_name() == "google.protobuf.Duration") {
    r->SetInt64(&m, type->field(0), 90);
    r->SetInt32(&m, type->field(1), sparse ? 0 : 500'000);
    return;
  }
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* f = type->field(i);
    const bool message = f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
    if (sparse && !f->is_repeated() && !message && f->has_presence()) continue;
    if (message && depth <= 0) continue;
    const int n = f->is_repeated() ? (sparse ? 1 : 2) : 1;
    for (int k = 0; k < n; ++k) {
      const bool rep = f->is_repeated();
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT32:
          rep ? r->AddInt32(&m, f, -42 - k) : r->SetInt32(&m, f, -42);
          break;
        case FieldDescriptor::CPPTYPE_UINT32:
          rep ? r->AddUInt32(&m, f, 42) : r->SetUInt32(&m, f, 4'000'000'000U);
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          rep ? r->AddInt64(&m, f, -1) : r->SetInt64(&m, f, -1'234'567'890'123'456'789);
          break;
        case FieldDescriptor::CPPTYPE_UINT64:
          rep ? r->AddUInt64(&m, f, 7) : r->SetUInt64(&m, f, 18'000'000'000'000'000'000U);
          break;
        case FieldDescriptor::CPPTYPE_DOUBLE:
          rep ? r->AddDouble(&m, f, 1e21) : r->SetDouble(&m, f, sparse ? -0.5 : 31.2);
          break;
        case FieldDescriptor::CPPTYPE_FLOAT:
          rep ? r->AddFloat(&m, f, 0.1F) : r->SetFloat(&m, f, 3.25F);
          break;
        case FieldDescriptor::CPPTYPE_BOOL:
          rep ? r->AddBool(&m, f, true) : r->SetBool(&m, f, !sparse);
          break;
        case FieldDescriptor::CPPTYPE_ENUM: {
          const auto* e = f->enum_type();
          const int v = e->value(e->value_count() > 1 ? 1 : 0)->number();
          rep ? r->AddEnumValue(&m, f, v) : r->SetEnumValue(&m, f, sparse ? 77 : v);
          break;
        }
        case FieldDescriptor::CPPTYPE_STRING: {
          const std::string v =
              sparse ? "" : "a<b>&c \"q\" \\ \xc3\xa9\xe4\xb8\xad\n\t\x01 \xe2\x80\xa8";
          rep ? r->AddString(&m, f, v) : r->SetString(&m, f, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_MESSAGE:
          Fill(rep ? *r->AddMessage(&m, f) : *r->MutableMessage(&m, f), depth - 1, sparse);
          break;
      }
    }
  }
}

google::protobuf::Value Parsed(const std::string& json) {
  google::protobuf::Value v;
  const auto s = google::protobuf::util::JsonStringToMessage(json, &v);
  INFO(json);
  REQUIRE(s.ok());
  return v;
}

void CheckSame(const Message& m) {
  INFO(m.GetDescriptor()->full_name() << " " << m.ShortDebugString());
  const std::string expected = ToJson(m);
  auto mine = WireToJson(m.GetDescriptor(), m.SerializeAsString());
  REQUIRE(mine.ok());
  INFO("protobuf: " << expected << "\ngateway:  " << *mine);
  CHECK(google::protobuf::util::MessageDifferencer::Equals(Parsed(expected), Parsed(*mine)));
}

TEST_CASE("the gateway's JSON printer prints what protobuf's does for every route's messages") {
  std::set<const Descriptor*> types;
  for (const auto& r : RouteTable::V1().routes()) {
    types.insert(r.rpc->output_type());
    types.insert(r.rpc->input_type());
  }
  int checked = 0;
  for (const Descriptor* type : types) {
    for (int depth : {0, 1, 3}) {
      for (bool sparse : {false, true}) {
        MessagePtr m = NewMessage(type);
        Fill(*m, depth, sparse);
        CheckSame(*m);
        ++checked;
      }
    }
    CheckSame(*NewMessage(type));  // all defaults: every scalar and list still printed
  }
  CHECK(checked >= 6 * 50);
}

TEST_CASE("an answer that does not parse or holds invalid UTF-8 is not printed") {
  const Descriptor* type = RouteTable::V1().routes().front().rpc->output_type();
  CHECK(WireToJson(type, "\xff\xff\xff").status().reason() == "BAD_UPSTREAM_ANSWER");
  MessagePtr m = NewMessage(type);
  const FieldDescriptor* text = nullptr;
  for (int i = 0; i < type->field_count() && !text; ++i) {
    if (type->field(i)->type() == FieldDescriptor::TYPE_STRING && !type->field(i)->is_repeated()) {
      text = type->field(i);
    }
  }
  REQUIRE(text);
  // Written as bytes: a service bug, not something to pass on.
  m->GetReflection()->SetString(m.get(), text, "\xc3\x28");
  CHECK(WireToJson(type, m->SerializePartialAsString()).status().reason() == "BAD_UPSTREAM_ANSWER");
}

}  // namespace
}  // namespace aftersales::gateway
