#include "pio/sdk/chat_template.h"

#include <rapidjson/error/en.h>

#include "jinja_interpreter.h"
#include "jinja_parser.h"
#include "pio/sdk/error.h"

namespace pio {

struct ChatTemplate::Impl {
  jinja::Template tmpl;
  ChatTemplateLimits limits;
};

namespace {

jinja::RenderLimits to_render_limits(const ChatTemplateLimits& l) {
  jinja::RenderLimits r;
  r.max_output_bytes = l.max_output_bytes;
  r.max_steps = l.max_steps;
  r.max_call_depth = l.max_call_depth;
  r.max_stack_bytes = l.max_stack_bytes;
  r.max_objects = l.max_objects;
  r.max_context_depth = l.max_context_depth;
  return r;
}

// Parses JSON without recursion (hostile nesting cannot overflow the stack) and with UTF-8
// validation (the renderer relies on valid UTF-8 everywhere).
void parse_json(rapidjson::Document& doc, std::string_view text, std::string_view what) {
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag |
            rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    throw_error(ErrorCode::kInvalidArgument, "{}: invalid JSON at offset {}: {}", what, doc.GetErrorOffset(),
                rapidjson::GetParseError_En(doc.GetParseError()));
  }
}

using Member = rapidjson::Value::ConstMemberIterator;

rapidjson::Value* find_member(rapidjson::Value& object, std::string_view key) {
  const rapidjson::Value& view = object;
  for (Member m = view.MemberBegin(); m != view.MemberEnd(); ++m) {
    if (std::string_view(m->name.GetString(), m->name.GetStringLength()) == key) {
      return const_cast<rapidjson::Value*>(&m->value);
    }
  }
  return nullptr;
}

// transformers' _normalize_chat_messages + _alias_reasoning_fields for one message.
void normalize_message(const rapidjson::Value& in, rapidjson::Value& out, rapidjson::Document::AllocatorType& a) {
  out.SetObject();
  const rapidjson::Value* reasoning = nullptr;
  for (const char* key : {"reasoning_content", "thinking", "reasoning"}) {
    auto it = in.FindMember(key);
    if (it != in.MemberEnd() && !it->value.IsNull()) {
      reasoning = &it->value;
      break;
    }
  }
  auto add = [&](std::string_view key, const rapidjson::Value& value) {
    // Lookups go through const iterators: RapidJSON's mutable iterators make C++20 comparisons
    // ambiguous (-Wambiguous-reversed-operator).
    if (rapidjson::Value* existing = find_member(out, key)) {
      existing->CopyFrom(value, a);
      return;
    }
    rapidjson::Value k(key.data(), static_cast<rapidjson::SizeType>(key.size()), a);
    rapidjson::Value v(value, a);
    out.AddMember(k, v, a);
  };
  if (reasoning != nullptr) add("thinking", *reasoning);
  for (Member m = in.MemberBegin(); m != in.MemberEnd(); ++m) {
    if (m->value.IsNull()) continue;  // dropped like transformers does
    add(std::string_view(m->name.GetString(), m->name.GetStringLength()), m->value);
  }
  if (reasoning != nullptr) add("reasoning_content", *reasoning);
}

}  // namespace

ChatTemplate::ChatTemplate(std::string_view source, ChatTemplateLimits limits) : impl_(std::make_unique<Impl>()) {
  impl_->tmpl = jinja::parse_template(source);
  impl_->limits = limits;
}

ChatTemplate::~ChatTemplate() = default;
ChatTemplate::ChatTemplate(ChatTemplate&&) noexcept = default;
ChatTemplate& ChatTemplate::operator=(ChatTemplate&&) noexcept = default;

std::string ChatTemplate::render(std::string_view context_json) const {
  rapidjson::Document doc;
  parse_json(doc, context_json, "chat template context");
  return render(doc);
}

std::string ChatTemplate::render(const rapidjson::Value& context) const {
  jinja::Interpreter interp(impl_->tmpl, to_render_limits(impl_->limits));
  return interp.render(context);
}

std::string ChatTemplate::apply(std::string_view request_json, const SpecialTokens& special_tokens) const {
  rapidjson::Document doc;
  parse_json(doc, request_json, "chat request");
  return apply(doc, special_tokens);
}

std::string ChatTemplate::apply(const rapidjson::Value& request, const SpecialTokens& special_tokens) const {
  if (!request.IsObject()) throw_error(ErrorCode::kInvalidArgument, "chat request: expected a JSON object");
  auto messages = request.FindMember("messages");
  if (messages == request.MemberEnd() || !messages->value.IsArray()) {
    throw_error(ErrorCode::kInvalidArgument, "chat request: \"messages\" must be an array of message objects");
  }
  if (messages->value.Empty()) {
    throw_error(ErrorCode::kInvalidArgument,
                "chat request: cannot apply the chat template to an empty conversation");
  }
  Member cont = request.FindMember("continue_final_message");
  if (cont != request.MemberEnd() && !cont->value.IsNull() && !cont->value.IsFalse()) {
    throw_error(ErrorCode::kUnsupported, "chat request: continue_final_message is not supported");
  }
  rapidjson::Document ctx;
  ctx.SetObject();
  auto& a = ctx.GetAllocator();
  auto set = [&](std::string_view key, rapidjson::Value& value) {
    if (rapidjson::Value* existing = find_member(ctx, key)) {
      *existing = value;
      return;
    }
    rapidjson::Value k(key.data(), static_cast<rapidjson::SizeType>(key.size()), a);
    ctx.AddMember(k, value, a);
  };
  for (const auto& [name, token] : special_tokens) {
    rapidjson::Value v(token.data(), static_cast<rapidjson::SizeType>(token.size()), a);
    set(name, v);
  }
  rapidjson::Value msgs(rapidjson::kArrayType);
  for (const auto& m : messages->value.GetArray()) {
    if (!m.IsObject()) throw_error(ErrorCode::kInvalidArgument, "chat request: every message must be a JSON object");
    rapidjson::Value out;
    normalize_message(m, out, a);
    msgs.PushBack(out, a);
  }
  set("messages", msgs);
  for (const char* key : {"tools", "documents"}) {
    rapidjson::Value v;
    auto it = request.FindMember(key);
    if (it != request.MemberEnd()) v.CopyFrom(it->value, a);
    set(key, v);
  }
  {
    rapidjson::Value v(false);
    auto it = request.FindMember("add_generation_prompt");
    if (it != request.MemberEnd()) v.CopyFrom(it->value, a);
    set("add_generation_prompt", v);
  }
  for (Member m = request.MemberBegin(); m != request.MemberEnd(); ++m) {
    std::string_view key(m->name.GetString(), m->name.GetStringLength());
    if (key == "messages" || key == "tools" || key == "documents" || key == "add_generation_prompt" ||
        key == "continue_final_message") {
      continue;
    }
    rapidjson::Value v(m->value, a);
    set(key, v);
  }
  return render(ctx);
}

}  // namespace pio
