/* pio/abi/eval.h — the request of session_eval: tokens, optional images, and where the logits
 * go. Part of the Inference-PIO plugin ABI (plain C11; see pio/plugin_abi.h).
 */
#ifndef PIO_ABI_EVAL_H
#define PIO_ABI_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "pio/abi/host_api.h"
#include "pio/abi/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A token id of the model's vocabulary. \since 1.0 */
typedef int32_t pio_token;

/** Pixel layout of a pio_image. \since 1.0 */
typedef int32_t pio_pixel_format;
enum {
  PIO_PIXEL_FORMAT_RGB8 = 1 /**< 3 bytes per pixel, R G B, row-major, top row first */
};

/** One decoded image, borrowed for the duration of a session_eval call. \since 1.0 */
typedef struct pio_image {
  uint32_t struct_size;    /**< sizeof(pio_image) as the host compiled it */
  uint32_t abi_version;    /**< the host's PIO_ABI_VERSION */
  pio_pixel_format format; /**< PIO_PIXEL_FORMAT_RGB8 */
  uint32_t reserved;       /**< must be 0 (explicit padding) */
  int64_t width;           /**< pixels, > 0 */
  int64_t height;          /**< pixels, > 0 */
  int64_t stride_bytes;    /**< bytes from one row to the next, >= 3 * width */
  const uint8_t* data;     /**< height * stride_bytes bytes */
  /* end of v1.0 - do not modify above */
} pio_image;

/** Which logits session_eval writes. \since 1.0 */
typedef int32_t pio_logits_mode;
enum {
  PIO_LOGITS_NONE = 0, /**< none: only extend the cache (prompt prefill) */
  PIO_LOGITS_LAST = 1, /**< one row: the position after the last token of this call */
  PIO_LOGITS_ALL = 2   /**< one row per token of this call, in order */
};

/** Arguments of session_eval. All pointers are borrowed for the call. \since 1.0 */
typedef struct pio_eval_args {
  uint32_t struct_size; /**< sizeof(pio_eval_args) as the host compiled it */
  uint32_t abi_version; /**< the host's PIO_ABI_VERSION */

  /** The tokens appended to the session, n_tokens >= 1. */
  const pio_token* tokens;
  size_t n_tokens;

  /** Optional images (NULL / 0 for text). Image i belongs to the i-th image placeholder token
   *  (describe JSON: special_tokens.image) in `tokens`; the plugin expands each placeholder into
   *  the image's patch positions inside its cache, so session_length may grow by more than
   *  n_tokens. An array of pointers, not of structs, so pio_image may grow in later minors. A
   *  text-only model returns PIO_ERR_UNSUPPORTED when n_images > 0. */
  const pio_image* const* images;
  size_t n_images;

  /** Caller-allocated output, row-major float32 [rows, vocab_size] where rows is 0, 1 or
   *  n_tokens for PIO_LOGITS_NONE / LAST / ALL and vocab_size is the describe JSON's
   *  "vocab_size" (the logits width). logits_capacity counts floats; when it is smaller than
   *  rows * vocab_size the call fails with PIO_ERR_INVALID_ARGUMENT before touching the cache.
   *  May be NULL with PIO_LOGITS_NONE. */
  float* logits;
  size_t logits_capacity;

  /** Optional progress/cancellation for long prefills; NULL for none. */
  const pio_progress* progress;

  /** A PIO_LOGITS_* value. */
  pio_logits_mode logits_mode;
  uint32_t reserved; /**< must be 0 (explicit padding) */
  /* end of v1.0 - do not modify above */
} pio_eval_args;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PIO_ABI_EVAL_H */
