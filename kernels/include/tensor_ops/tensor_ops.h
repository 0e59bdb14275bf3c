/* libtensor_ops: every public C header at once. See kernels/README.md. */
#ifndef TENSOR_OPS_TENSOR_OPS_H
#define TENSOR_OPS_TENSOR_OPS_H

#include "tensor_ops/status.h"
#include "tensor_ops/tensor.h"
#include "tensor_ops/context.h"
#include "tensor_ops/activation.h"
#include "tensor_ops/attention.h"
#include "tensor_ops/deltanet.h"
#include "tensor_ops/elementwise.h"
#include "tensor_ops/embedding.h"
#include "tensor_ops/matmul.h"
#include "tensor_ops/moe.h"
#include "tensor_ops/norm.h"
#include "tensor_ops/rope.h"
#include "tensor_ops/softmax.h"
#include "tensor_ops/topk.h"

#endif
