/* Elementwise activations and the fused SwiGLU of gated MLPs. f32 in, f32 out. */
#ifndef TENSOR_OPS_ACTIVATION_H
#define TENSOR_OPS_ACTIVATION_H

#include "tensor_ops/context.h"
#include "tensor_ops/tensor.h"

TOPS_EXTERN_C_BEGIN

typedef int32_t tops_activation_kind;
enum tops_activation_kind_values {
  TOPS_ACT_SILU = 0,      /* x * sigmoid(x) */
  TOPS_ACT_GELU_ERF = 1,  /* 0.5 x (1 + erf(x / sqrt 2))          HF "gelu" */
  TOPS_ACT_GELU_TANH = 2, /* 0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3)))  "gelu_pytorch_tanh" */
  TOPS_ACT_SIGMOID = 3,   /* 1 / (1 + exp(-x)) */
  TOPS_ACT_SOFTPLUS = 4   /* log(1 + exp(x)); x for x > 20, as torch.nn.functional.softplus */
};

/* y = act(x) elementwise. x, y [...] f32 with identical shapes (innermost contiguous); y may
 * alias x. Errors: NULL_POINTER, DTYPE, SHAPE_MISMATCH, INVALID_ARG (unknown kind), ... */
TOPS_API tops_status tops_activation(tops_context* ctx, tops_activation_kind kind, const tops_tensor* x,
                                     tops_tensor* y);

/* y = silu(gate) * up.
 * Separate inputs: gate, up, y [..., I] f32, identical shapes.
 * Fused input (up == NULL): gate is [..., 2I] with the gate in [0, I) and up in [I, 2I) of each
 * row (the layout of a fused gate_up projection), y [..., I].
 * y may alias gate or up only when they have the same shape as y (separate inputs).
 * Errors: NULL_POINTER, DTYPE, SHAPE_MISMATCH, ... */
TOPS_API tops_status tops_swiglu(tops_context* ctx, const tops_tensor* gate, const tops_tensor* up,
                                 tops_tensor* y);

TOPS_EXTERN_C_END

#endif /* TENSOR_OPS_ACTIVATION_H */
