/* pio/plugin_abi.h — the C contract between the Inference-PIO host and a model-family plugin.
 *
 * Plain C11 (also valid C++). A plugin is a shared object exporting exactly one symbol,
 * pio_plugin_get_api(), which returns a static, const function table (pio_plugin_api). Every
 * other interaction goes through that table and through the host services (pio_host_api) the
 * host passes in. No C++ type, exception or allocator crosses the boundary.
 *
 * Conventions for every entry below:
 *  - Errors: a fallible entry returns pio_status* (NULL = success; see pio/abi/status.h). On
 *    error, out-parameters are untouched.
 *  - Ownership: whoever allocates frees. Objects a plugin returns (models, sessions, statuses,
 *    text and token results) are freed with the release function of the same table. Release
 *    functions return void and accept NULL. Arguments are borrowed for the duration of the call.
 *  - Strings are UTF-8. `const char*` inputs are NUL-terminated unless a size is passed.
 *  - Threads: tags in brackets. [any-thread]: may be called concurrently from any threads.
 *    [session-thread]: one thread at a time per session (different sessions, even of the same
 *    model, may run concurrently). A model is shareable: its const entries are [any-thread].
 *  - Lifetime order, which the host guarantees: every session of a model is released before the
 *    model; every object made by a library is released before the library is unloaded.
 *
 * Header layout: pio/abi/version.h (versions, struct-size helpers), pio/abi/status.h (status
 * codes), pio/abi/host_api.h (logging, progress, cancellation), pio/abi/eval.h (session_eval
 * request, images). History: abi/CHANGELOG.md.
 */
#ifndef PIO_PLUGIN_ABI_H
#define PIO_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#include "pio/abi/eval.h"
#include "pio/abi/host_api.h"
#include "pio/abi/status.h"
#include "pio/abi/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A loaded model (weights, tokenizer, chat template). Opaque; made by model_load. \since 1.0 */
typedef struct pio_model pio_model;
/** One conversation's state (KV cache and position) over a model. Opaque. \since 1.0 */
typedef struct pio_session pio_session;
/** A plugin-owned UTF-8 string result. Opaque; read with text_data/text_size. \since 1.0 */
typedef struct pio_text pio_text;
/** A plugin-owned token-id array result. Opaque; read with tokens_data/tokens_count. \since 1.0 */
typedef struct pio_tokens pio_tokens;

/** The plugin's function table. Static and const inside the plugin; valid until the library is
 *  unloaded. Append only (see pio/abi/version.h). \since 1.0 */
typedef struct pio_plugin_api {
  uint32_t struct_size; /**< sizeof(pio_plugin_api) as the plugin compiled it */
  uint32_t abi_version; /**< the plugin's PIO_ABI_VERSION; the host refuses another major.
                             These two members keep their place in every future major. */

  /** The plugin's name; must equal the "name" of its manifest. Static string. */
  const char* plugin_name;
  /** The plugin's own version ("1.2.0"), for logs and `pio plugins`. Static string. */
  const char* plugin_version;

  /* --- status objects --------------------------------------------------------------------- */

  /** Code of a status. \param status non-NULL. \return a PIO_ERR_* value. [any-thread] */
  pio_status_code (*status_code)(const pio_status* status);

  /** Message of a status: names the file/field/value and the problem.
   *  \param status non-NULL. \return NUL-terminated UTF-8 owned by the status; valid until
   *  status_release. Never NULL. [any-thread] */
  const char* (*status_message)(const pio_status* status);

  /** Frees a status. NULL is a no-op. [any-thread] */
  void (*status_release)(pio_status* status);

  /* --- result objects (returned strings and token arrays) --------------------------------- */

  /** Bytes of a text result, NUL-terminated (the NUL is not counted by text_size). Owned by the
   *  result; valid until text_release. \param text non-NULL. [any-thread] */
  const char* (*text_data)(const pio_text* text);
  /** Length of a text result in bytes, excluding the terminating NUL. [any-thread] */
  size_t (*text_size)(const pio_text* text);
  /** Frees a text result. NULL is a no-op. [any-thread] */
  void (*text_release)(pio_text* text);

  /** Ids of a token result; owned by the result, valid until tokens_release. May be NULL when
   *  tokens_count is 0. \param tokens non-NULL. [any-thread] */
  const pio_token* (*tokens_data)(const pio_tokens* tokens);
  /** Number of ids in a token result. [any-thread] */
  size_t (*tokens_count)(const pio_tokens* tokens);
  /** Frees a token result. NULL is a no-op. [any-thread] */
  void (*tokens_release)(pio_tokens* tokens);

  /* --- models ----------------------------------------------------------------------------- */

  /** Loads a Hugging Face model directory.
   *  \param model_dir     directory holding config.json, weights, tokenizer files.
   *  \param options_json  JSON object or NULL (= {}). Keys, all optional:
   *                       "dtype": "auto"|"f32"|"f16"|"bf16" (compute/storage dtype),
   *                       "load_in_4bit": bool, "context_length": int (0 = model's maximum),
   *                       "threads": int (0 = all cores), "device": "auto"|"cpu"|"cuda"|"cuda:N".
   *                       Unknown keys are logged as warnings and ignored.
   *  \param progress      optional progress/cancellation (NULL for none); borrowed for the call.
   *  \param out_model     receives the new model on success; caller owns it (model_release).
   *  \return NULL on success; PIO_ERR_NOT_FOUND / IO / BAD_FORMAT for missing or malformed
   *  files, PIO_ERR_INVALID_ARGUMENT for bad options, PIO_ERR_UNSUPPORTED for a valid option
   *  this plugin cannot honour, PIO_ERR_OUT_OF_MEMORY, PIO_ERR_DEVICE, PIO_ERR_CANCELLED.
   *  [any-thread] */
  pio_status* (*model_load)(const char* model_dir, const char* options_json,
                            const pio_progress* progress, pio_model** out_model);

  /** Frees a model and its memory. NULL is a no-op. Every session of the model must have been
   *  released and no other call on it may be in flight. [any-thread] */
  void (*model_release)(pio_model* model);

  /** Describes a loaded model as a JSON object:
   *    { "architecture": "Qwen3ForCausalLM", "model_type": "qwen3",
   *      "capabilities": {"text": true, "vision": false, "thinking": true, "tools": true},
   *      "context_length": 40960,           (maximum positions of this loaded model)
   *      "vocab_size": 151936,              (logits row width)
   *      "special_tokens": {"bos": null, "eos": [151645, 151643], "pad": 151643, "image": null},
   *      "chat_template": true,             (whether render_chat_template can work)
   *      "generation_defaults": {"temperature": 0.6, "top_k": 20, "top_p": 0.95},  ({} if none)
   *      "dtype": "bf16", "device": "cpu" }
   *  Token ids that do not exist are null. Plugins may add keys; readers ignore unknown keys.
   *  \param out_json receives a text result; caller owns it (text_release).
   *  [any-thread] */
  pio_status* (*model_describe)(const pio_model* model, pio_text** out_json);

  /** Tokenizes text.
   *  \param text, text_size  UTF-8 bytes (not necessarily NUL-terminated).
   *  \param add_special      non-zero: add the tokens the tokenizer adds around a sequence
   *                          (e.g. BOS); special-token text inside `text` is always recognised.
   *  \param out_tokens       receives a token result; caller owns it (tokens_release).
   *  \return PIO_ERR_INVALID_ARGUMENT for invalid UTF-8. [any-thread] */
  pio_status* (*model_tokenize)(const pio_model* model, const char* text, size_t text_size,
                                int32_t add_special, pio_tokens** out_tokens);

  /** Turns ids back into bytes.
   *  \param tokens, n_tokens  ids (tokens may be NULL when n_tokens is 0).
   *  \param skip_special      non-zero: omit special tokens from the text.
   *  \param out_text          receives a text result; caller owns it (text_release). The bytes
   *                           may end inside a UTF-8 character when the ids split one (a
   *                           streaming caller keeps the incomplete tail for the next call).
   *  \return PIO_ERR_INVALID_ARGUMENT for an id outside the vocabulary. [any-thread] */
  pio_status* (*model_detokenize)(const pio_model* model, const pio_token* tokens,
                                  size_t n_tokens, int32_t skip_special, pio_text** out_text);

  /** Renders the model's chat template (as transformers' apply_chat_template(tokenize=False)).
   *  \param messages_json  JSON array of messages: {"role": "system"|"user"|"assistant"|"tool",
   *                        "content": string or array of parts, optional "tool_calls",
   *                        "reasoning_content", ...}.
   *  \param options_json   JSON object or NULL (= {}): "add_generation_prompt": bool,
   *                        "enable_thinking": bool, "tools": array of tool schemas; every
   *                        other key is passed to the template as a variable.
   *  \param out_text       receives the prompt text; caller owns it (text_release).
   *  \return PIO_ERR_BAD_FORMAT for malformed JSON, PIO_ERR_UNSUPPORTED when the model has no
   *  chat template, PIO_ERR_INVALID_ARGUMENT when the template raises an exception.
   *  [any-thread] */
  pio_status* (*model_render_chat_template)(const pio_model* model, const char* messages_json,
                                            const char* options_json, pio_text** out_text);

  /* --- sessions --------------------------------------------------------------------------- */

  /** Creates an empty session (length 0) over a model.
   *  \param model         must outlive the session.
   *  \param options_json  JSON object or NULL (= {}): "context_length": int (0 = the model's).
   *  \param out_session   receives the session; caller owns it (session_release).
   *  \return PIO_ERR_OUT_OF_MEMORY when the cache cannot be allocated. [any-thread] */
  pio_status* (*session_create)(pio_model* model, const char* options_json,
                                pio_session** out_session);

  /** Frees a session and its cache. NULL is a no-op. [session-thread] */
  void (*session_release)(pio_session* session);

  /** Appends args->tokens (and images) to the session and computes logits as args asks (see
   *  pio_eval_args). \return PIO_ERR_INVALID_ARGUMENT (bad args, logits buffer too small),
   *  PIO_ERR_CONTEXT_OVERFLOW (cache would exceed the context; nothing appended),
   *  PIO_ERR_UNSUPPORTED (images on a text model), PIO_ERR_CANCELLED, PIO_ERR_DEVICE. After a
   *  failure other than INVALID_ARGUMENT/CONTEXT_OVERFLOW the session length is unspecified:
   *  truncate it to a known length before reuse. [session-thread] */
  pio_status* (*session_eval)(pio_session* session, const pio_eval_args* args);

  /** Number of positions held in the session's cache. [session-thread] */
  size_t (*session_length)(const pio_session* session);

  /** Drops cached positions beyond n_tokens (for prompt reuse); n_tokens >= length is a no-op.
   *  \return PIO_ERR_UNSUPPORTED when the model's state cannot be rewound to n_tokens (e.g.
   *  recurrent layers without checkpoints), leaving the session unchanged. [session-thread] */
  pio_status* (*session_truncate)(pio_session* session, size_t n_tokens);
  /* end of v1.0 - do not modify above */
} pio_plugin_api;

/* v1.0 layout guard: members are pointer-sized after the 8-byte header; session_truncate is the
 * 22nd of them. Appending members in a later minor keeps this assertion true. */
PIO_STATIC_ASSERT(offsetof(pio_plugin_api, plugin_name) == 8, "v1.0 layout of pio_plugin_api changed");
PIO_STATIC_ASSERT(offsetof(pio_plugin_api, session_truncate) == 8 + 21 * sizeof(void*),
                  "v1.0 layout of pio_plugin_api changed");
PIO_STATIC_ASSERT(offsetof(pio_host_api, log) == 8 + sizeof(void*), "v1.0 layout of pio_host_api changed");
PIO_STATIC_ASSERT(offsetof(pio_progress, is_cancelled) == 8 + 2 * sizeof(void*),
                  "v1.0 layout of pio_progress changed");
PIO_STATIC_ASSERT(offsetof(pio_image, data) == 16 + 3 * sizeof(int64_t), "v1.0 layout of pio_image changed");
PIO_STATIC_ASSERT(offsetof(pio_eval_args, reserved) == 12 + 7 * sizeof(void*),
                  "v1.0 layout of pio_eval_args changed");

/** Name of the entry symbol, for dlsym-style lookup. \since 1.0 */
#define PIO_PLUGIN_ENTRY_SYMBOL "pio_plugin_get_api"

/** Type of the entry point. \since 1.0 */
typedef const pio_plugin_api* (*pio_plugin_get_api_fn)(uint32_t host_abi_version,
                                                       const pio_host_api* host);

/** The one symbol a plugin exports.
 *  \param host_abi_version  the host's PIO_ABI_VERSION.
 *  \param host              host services; kept by the plugin until it is unloaded (the host
 *                           keeps it alive). May be NULL (no logging).
 *  \return the plugin's static table, even when the majors differ (the host decides and
 *  reports both versions); NULL only when the plugin cannot initialise at all.
 *  Called once per loaded library image before any other entry; calling again is harmless
 *  and replaces the stored host pointer. [any-thread] \since 1.0
 *
 *  Rationale: returning the table on a major mismatch lets the host log the plugin's version
 *  and name instead of an unexplained NULL. struct_size and abi_version stay first forever. */
PIO_PLUGIN_EXPORT const pio_plugin_api* pio_plugin_get_api(uint32_t host_abi_version,
                                                           const pio_host_api* host);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PIO_PLUGIN_ABI_H */
