// Header-only C++ wrapper of libtensor_ops (namespace pio::ops): RAII for contexts and buffers,
// a Tensor view type with shape helpers, and one function per op that throws
// pio::ops::KernelError (carrying the tops_status code and message) on failure.
// Only the C API crosses the library boundary; everything here is inline.
//
// Thread-safety: as the C API — a Context is used by one thread at a time.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tensor_ops/tensor_ops.h"

namespace pio::ops {

// A failed libtensor_ops call: code() is the tops_status, what() the library's message.
class KernelError : public std::runtime_error {
 public:
  KernelError(tops_status code, const std::string& message) : std::runtime_error(message), code_(code) {}
  tops_status code() const noexcept { return code_; }

 private:
  tops_status code_;
};

// Throws KernelError for any status other than TOPS_OK.
inline void check(tops_status status) {
  if (status != TOPS_OK) throw KernelError(status, tops_last_error_message());
}

enum class DType : int32_t { F32 = TOPS_F32, F16 = TOPS_F16, BF16 = TOPS_BF16, I32 = TOPS_I32 };
enum class Device : int32_t { CPU = TOPS_DEVICE_CPU, CUDA = TOPS_DEVICE_CUDA };

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() { return DType::F32; }
template <>
constexpr DType dtype_of<int32_t>() { return DType::I32; }

// A non-owning strided view (a tops_tensor with helpers). Copy freely; it borrows the memory.
class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(const tops_tensor& desc) : desc_(desc) {}

  // Contiguous view of `data` with the given shape.
  Tensor(void* data, DType dtype, std::span<const int64_t> shape, Device device = Device::CPU) {
    check(tops_tensor_init(&desc_, data, static_cast<tops_dtype>(dtype), static_cast<tops_device>(device),
                           static_cast<int32_t>(shape.size()), shape.data()));
  }
  Tensor(void* data, DType dtype, std::initializer_list<int64_t> shape, Device device = Device::CPU)
      : Tensor(data, dtype, std::span<const int64_t>(shape.begin(), shape.size()), device) {}

  // View of a host span of float / int32_t; the shape must cover exactly span.size() elements.
  template <class T>
  static Tensor of(std::span<T> data, std::initializer_list<int64_t> shape) {
    using U = std::remove_const_t<T>;
    Tensor t(const_cast<U*>(data.data()), dtype_of<U>(), shape);
    if (t.numel() != static_cast<int64_t>(data.size()))
      throw KernelError(TOPS_ERR_SHAPE_MISMATCH, "Tensor::of: shape has " + std::to_string(t.numel()) +
                                                     " elements but the span has " + std::to_string(data.size()));
    return t;
  }
  template <class T>
  static Tensor of(std::vector<T>& data, std::initializer_list<int64_t> shape) {
    return of(std::span<T>(data), shape);
  }
  template <class T>
  static Tensor of(const std::vector<T>& data, std::initializer_list<int64_t> shape) {
    return of(std::span<const T>(data), shape);
  }

  const tops_tensor* c() const { return &desc_; }
  // The C API takes outputs as non-const descriptors; the view itself is never modified.
  tops_tensor* c_out() const { return const_cast<tops_tensor*>(&desc_); }

  int32_t ndim() const { return desc_.ndim; }
  int64_t dim(int32_t d) const { return desc_.shape[d < 0 ? d + desc_.ndim : d]; }
  int64_t stride(int32_t d) const { return desc_.strides[d < 0 ? d + desc_.ndim : d]; }
  int64_t numel() const { return tops_tensor_numel(&desc_); }
  DType dtype() const { return static_cast<DType>(desc_.dtype); }
  Device device() const { return static_cast<Device>(desc_.device); }
  void* raw() const { return desc_.data; }
  template <class T>
  T* data() const { return static_cast<T*>(desc_.data); }
  bool contiguous() const { return tops_tensor_is_contiguous(&desc_) != 0; }

  // Elements [start, start + length) of dimension d (a view; no copy).
  Tensor narrow(int32_t d, int64_t start, int64_t length) const {
    d = norm_dim(d);
    if (start < 0 || length < 0 || start + length > desc_.shape[d])
      throw KernelError(TOPS_ERR_SHAPE_MISMATCH, "Tensor::narrow: [" + std::to_string(start) + ", " +
                                                     std::to_string(start + length) + ") outside dimension " +
                                                     std::to_string(d) + " of size " + std::to_string(desc_.shape[d]));
    Tensor t = *this;
    t.desc_.data = offset_ptr(start * desc_.strides[d]);
    t.desc_.shape[d] = length;
    return t;
  }
  // Index `index` of dimension d, removing that dimension.
  Tensor select(int32_t d, int64_t index) const {
    Tensor t = narrow(d, index, 1);
    d = norm_dim(d);
    for (int32_t i = d; i + 1 < t.desc_.ndim; ++i) {
      t.desc_.shape[i] = t.desc_.shape[i + 1];
      t.desc_.strides[i] = t.desc_.strides[i + 1];
    }
    --t.desc_.ndim;
    return t;
  }
  // Same memory, new shape; the view must be contiguous.
  Tensor reshape(std::initializer_list<int64_t> shape) const {
    if (!contiguous()) throw KernelError(TOPS_ERR_UNSUPPORTED, "Tensor::reshape: view is not contiguous");
    Tensor t(desc_.data, dtype(), shape, device());
    if (t.numel() != numel())
      throw KernelError(TOPS_ERR_SHAPE_MISMATCH, "Tensor::reshape: element count changes from " +
                                                     std::to_string(numel()) + " to " + std::to_string(t.numel()));
    return t;
  }
  // Splits the (contiguous) last dimension into [a, b], keeping the other strides: turns a row
  // view [T, H*D] (possibly inside a wider qkv row) into heads [T, H, D].
  Tensor split_last(int64_t a, int64_t b) const {
    const int32_t last = desc_.ndim - 1;
    if (desc_.ndim < 1 || desc_.ndim >= TOPS_MAX_DIMS || a * b != desc_.shape[last] ||
        (desc_.shape[last] > 1 && desc_.strides[last] != 1))
      throw KernelError(TOPS_ERR_SHAPE_MISMATCH, "Tensor::split_last: cannot split the last dimension into " +
                                                     std::to_string(a) + " x " + std::to_string(b));
    Tensor t = *this;
    t.desc_.shape[last] = a;
    t.desc_.strides[last] = b;
    t.desc_.shape[last + 1] = b;
    t.desc_.strides[last + 1] = 1;
    ++t.desc_.ndim;
    return t;
  }

 private:
  int32_t norm_dim(int32_t d) const {
    if (d < 0) d += desc_.ndim;
    if (d < 0 || d >= desc_.ndim)
      throw KernelError(TOPS_ERR_SHAPE_MISMATCH, "Tensor: dimension index out of range");
    return d;
  }
  void* offset_ptr(int64_t elements) const {
    return static_cast<char*>(desc_.data) + elements * static_cast<int64_t>(tops_dtype_size(desc_.dtype));
  }
  tops_tensor desc_{};
};

// Owning handle of a tops_context.
class Context {
 public:
  // CPU context: threads 0 = all cores; path AUTO = best the CPU supports (or env TOPS_CPU_PATH).
  static Context cpu(int32_t threads = 0, tops_cpu_path path = TOPS_CPU_PATH_AUTO) {
    tops_context_options o;
    tops_context_options_init(&o);
    o.num_threads = threads;
    o.cpu_path = path;
    return Context(o);
  }
  // CUDA context on `device`; stream NULL = own stream, else a borrowed cudaStream_t.
  static Context cuda(int32_t device = 0, void* stream = nullptr) {
    tops_context_options o;
    tops_context_options_init(&o);
    o.device = TOPS_DEVICE_CUDA;
    o.device_index = device;
    o.cuda_stream = stream;
    return Context(o);
  }
  explicit Context(const tops_context_options& options) {
    tops_context* raw = nullptr;
    check(tops_context_create(&options, &raw));
    ctx_.reset(raw);
  }

  tops_context* get() const { return ctx_.get(); }
  operator tops_context*() const { return ctx_.get(); }
  Device device() const { return static_cast<Device>(tops_context_device(get())); }
  int32_t num_threads() const { return tops_context_num_threads(get()); }
  tops_cpu_path cpu_path() const { return tops_context_cpu_path(get()); }
  void synchronize() const { check(tops_context_synchronize(get())); }

 private:
  struct Release {
    void operator()(tops_context* c) const { tops_context_release(c); }
  };
  std::unique_ptr<tops_context, Release> ctx_;
};

// Owning device (or host) allocation made through a context; move-only. The context must
// outlive the buffer.
class Buffer {
 public:
  Buffer() = default;
  Buffer(const Context& ctx, size_t bytes) : ctx_(ctx.get()), bytes_(bytes) { check(tops_malloc(ctx_, bytes, &ptr_)); }
  Buffer(Buffer&& o) noexcept : ctx_(o.ctx_), ptr_(std::exchange(o.ptr_, nullptr)), bytes_(std::exchange(o.bytes_, 0)) {}
  Buffer& operator=(Buffer&& o) noexcept {
    if (this != &o) {
      reset();
      ctx_ = o.ctx_;
      ptr_ = std::exchange(o.ptr_, nullptr);
      bytes_ = std::exchange(o.bytes_, 0);
    }
    return *this;
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { reset(); }

  void* data() const { return ptr_; }
  size_t size() const { return bytes_; }
  // A contiguous view of the buffer's start with this dtype and shape (must fit).
  Tensor tensor(DType dtype, std::initializer_list<int64_t> shape) const {
    Tensor t(ptr_, dtype, shape, static_cast<Device>(tops_context_device(ctx_)));
    if (static_cast<size_t>(t.numel()) * tops_dtype_size(static_cast<tops_dtype>(dtype)) > bytes_)
      throw KernelError(TOPS_ERR_SHAPE_MISMATCH, "Buffer::tensor: view larger than the buffer");
    return t;
  }
  // Host <-> buffer copies (synchronous).
  void upload(const void* host, size_t bytes, size_t offset = 0) const {
    check(tops_memcpy(ctx_, static_cast<char*>(ptr_) + offset, tops_context_device(ctx_), host, TOPS_DEVICE_CPU, bytes));
  }
  void download(void* host, size_t bytes, size_t offset = 0) const {
    check(tops_memcpy(ctx_, host, TOPS_DEVICE_CPU, static_cast<const char*>(ptr_) + offset, tops_context_device(ctx_), bytes));
  }

 private:
  void reset() {
    if (ptr_ != nullptr) tops_free(ctx_, ptr_);
    ptr_ = nullptr;
    bytes_ = 0;
  }
  tops_context* ctx_ = nullptr;
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

inline const tops_tensor* opt(const Tensor* t) { return t ? t->c() : nullptr; }

// ---- ops (see the C headers for shapes, dtypes and errors) ---------------------------------

// y = x · Wᵀ (+ bias). x [..., in] f32, weight [out, in] f32/bf16/f16, y [..., out] f32.
inline void linear(const Context& ctx, const Tensor& x, const Tensor& weight, const Tensor& y,
                   const Tensor* bias = nullptr) {
  check(tops_linear(ctx, x.c(), weight.c(), opt(bias), y.c_out()));
}

// RMSNorm over the last dim: y = x * rsqrt(mean(x²) + eps) * w (or (1 + w) when zero_centered).
// Per-head q/k norm: pass x as [T, H, D] (e.g. Tensor::split_last) and weight [D].
inline void rmsnorm(const Context& ctx, const Tensor& x, const Tensor& weight, const Tensor& y, float eps,
                    bool zero_centered = false) {
  check(tops_rmsnorm(ctx, x.c(), weight.c(), nullptr, eps, zero_centered ? uint32_t{TOPS_RMSNORM_ZERO_CENTERED} : 0u, y.c_out()));
}
// Gated RMSNorm: y = rmsnorm(x) * w * silu(gate).
inline void gated_rmsnorm(const Context& ctx, const Tensor& x, const Tensor& gate, const Tensor& weight,
                          const Tensor& y, float eps) {
  check(tops_rmsnorm(ctx, x.c(), weight.c(), gate.c(), eps, 0u, y.c_out()));
}
inline void layernorm(const Context& ctx, const Tensor& x, const Tensor* weight, const Tensor* bias, const Tensor& y,
                      float eps) {
  check(tops_layernorm(ctx, x.c(), opt(weight), opt(bias), eps, y.c_out()));
}

// inv_freq table + attention factor for RoPE (host memory).
struct RopeFrequencies {
  std::vector<float> inv_freq;
  float attention_factor = 1.0f;
};
inline RopeFrequencies rope_frequencies(const tops_rope_freq_params& params) {
  RopeFrequencies f;
  f.inv_freq.resize(params.dim > 0 ? static_cast<size_t>(params.dim / 2) : 0);
  check(tops_rope_inv_freq(&params, f.inv_freq.data(), &f.attention_factor));
  return f;
}
// Plain RoPE frequencies: theta^(-2i/dim).
inline RopeFrequencies rope_frequencies(int32_t rotary_dim, double theta) {
  tops_rope_freq_params p;
  tops_rope_freq_params_init(&p);
  p.dim = rotary_dim;
  p.theta = theta;
  return rope_frequencies(p);
}
inline tops_rope_params rope_params(int32_t rotary_dim, tops_rope_pairing pairing = TOPS_ROPE_NEOX,
                                    float attention_factor = 1.0f) {
  tops_rope_params p;
  tops_rope_params_init(&p);
  p.rotary_dim = rotary_dim;
  p.pairing = pairing;
  p.attention_factor = attention_factor;
  return p;
}
// Rotates x [T, H, D] in place at `positions` (i32 [T], or [3, T] / [2, T] for M-RoPE / vision).
inline void rope(const Context& ctx, const Tensor& x, const Tensor& positions, const Tensor& inv_freq,
                 const tops_rope_params& params) {
  check(tops_rope(ctx, x.c_out(), positions.c(), inv_freq.c(), &params));
}

// Attention of q [nq, Hq, Dk] over k [nk, Hkv, Dk], v [nk, Hkv, Dv] into out [nq, Hq, Dv].
// With a KV cache, pass the cache prefix: cache.narrow(0, 0, start + nq) (truncating a session's
// cache is just using a shorter prefix). Causal queries sit at positions nk - nq + i.
struct AttentionOptions {
  bool causal = true;
  const Tensor* gate = nullptr;        // [nq, Hq, Dv]: out *= sigmoid(gate)
  const Tensor* cu_seqlens = nullptr;  // i32 [n_seg + 1]: packed independent segments (nq == nk)
};
inline void attention(const Context& ctx, const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& out,
                      float scale, const AttentionOptions& options = {}) {
  tops_attention_params p{scale, options.causal ? 1 : 0};
  check(tops_attention(ctx, q.c(), k.c(), v.c(), opt(options.gate), opt(options.cu_seqlens), &p, out.c_out()));
}
// cache [capacity, H, D] rows [start, start + src.dim(0)) = src.
inline void kv_append(const Context& ctx, const Tensor& cache, int64_t start, const Tensor& src) {
  check(tops_kv_append(ctx, cache.c_out(), start, src.c()));
}
inline void paged_kv_append(const Context& ctx, const Tensor& k_pool, const Tensor& v_pool, const Tensor& block_table,
                            int64_t start, const Tensor& k_new, const Tensor& v_new) {
  check(tops_paged_kv_append(ctx, k_pool.c_out(), v_pool.c_out(), block_table.c(), start, k_new.c(), v_new.c()));
}
inline void paged_attention(const Context& ctx, const Tensor& q, const Tensor& k_pool, const Tensor& v_pool,
                            const Tensor& block_table, int64_t kv_len, const Tensor& out, float scale,
                            bool causal = true, const Tensor* gate = nullptr) {
  tops_attention_params p{scale, causal ? 1 : 0};
  check(tops_paged_attention(ctx, q.c(), k_pool.c(), v_pool.c(), block_table.c(), kv_len, opt(gate), &p, out.c_out()));
}

inline void activation(const Context& ctx, tops_activation_kind kind, const Tensor& x, const Tensor& y) {
  check(tops_activation(ctx, kind, x.c(), y.c_out()));
}
// y = silu(gate) * up.
inline void swiglu(const Context& ctx, const Tensor& gate, const Tensor& up, const Tensor& y) {
  check(tops_swiglu(ctx, gate.c(), up.c(), y.c_out()));
}
// gate_up [..., 2I] (gate first, then up) -> y [..., I].
inline void swiglu_fused(const Context& ctx, const Tensor& gate_up, const Tensor& y) {
  check(tops_swiglu(ctx, gate_up.c(), nullptr, y.c_out()));
}

// out [n, D] f32 = table[ids].
inline void embedding(const Context& ctx, const Tensor& table, const Tensor& ids, const Tensor& out) {
  check(tops_embedding(ctx, table.c(), ids.c(), out.c_out()));
}

inline void softmax(const Context& ctx, const Tensor& x, const Tensor& y) { check(tops_softmax(ctx, x.c(), y.c_out())); }
inline void argmax(const Context& ctx, const Tensor& x, const Tensor& indices) {
  check(tops_argmax(ctx, x.c(), indices.c_out()));
}
// Convenience for host logits: index of the largest value.
inline int32_t argmax(const Context& ctx, std::span<const float> logits) {
  int32_t index = -1;
  check(tops_argmax(ctx, Tensor::of(logits, {static_cast<int64_t>(logits.size())}).c(),
                    Tensor(&index, DType::I32, {1}).c_out()));
  return index;
}
inline void topk(const Context& ctx, const Tensor& x, int32_t k, const Tensor* values, const Tensor& indices) {
  check(tops_topk(ctx, x.c(), k, values ? values->c_out() : nullptr, indices.c_out()));
}

inline void add(const Context& ctx, const Tensor& a, const Tensor& b, const Tensor& y) {
  check(tops_add(ctx, a.c(), b.c(), y.c_out()));
}
inline void mul(const Context& ctx, const Tensor& a, const Tensor& b, const Tensor& y) {
  check(tops_mul(ctx, a.c(), b.c(), y.c_out()));
}
inline void scale(const Context& ctx, const Tensor& x, float s, const Tensor& y) {
  check(tops_scale(ctx, x.c(), s, y.c_out()));
}
inline void copy(const Context& ctx, const Tensor& src, const Tensor& dst) { check(tops_copy(ctx, src.c(), dst.c_out())); }

}  // namespace pio::ops
