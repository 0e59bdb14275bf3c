// Argument checks shared by every op's dispatch function. Each check throws tops::Error with a
// message naming the tensor and the problem; the guard prefixes the op name. Tensor names are
// the parameter names of the public header ("x", "weight", ...).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

#include "core/context_impl.h"
#include "tensor_ops/tensor.h"

namespace tops {

std::string shape_string(const tops_tensor& t);  // "[2, 3, 4]"

// ctx is non-NULL.
tops_context& require_context(tops_context* ctx);

// t is non-NULL, its ndim is in range and reserved is 0, its dtype is one of `dtypes`, it lives on
// ctx's device, and data is non-NULL unless it has no elements. Returns *t.
const tops_tensor& require_tensor(const tops_context& ctx, const tops_tensor* t, const char* name,
                                  std::initializer_list<tops_dtype> dtypes);

// Same for an optional argument: returns nullptr if t is NULL.
const tops_tensor* optional_tensor(const tops_context& ctx, const tops_tensor* t, const char* name,
                                   std::initializer_list<tops_dtype> dtypes);

void require_ndim(const tops_tensor& t, const char* name, int32_t ndim);
void require_min_ndim(const tops_tensor& t, const char* name, int32_t min_ndim);
// t.shape[dim] == value; `what` explains where the expected value comes from ("x's last dimension").
void require_dim(const tops_tensor& t, const char* name, int32_t dim, int64_t value, const std::string& what);
void require_same_shape(const tops_tensor& a, const char* a_name, const tops_tensor& b, const char* b_name);
// Innermost dimension has stride 1 (or size <= 1).
void require_inner_contiguous(const tops_tensor& t, const char* name);
// Fully row-major contiguous.
void require_contiguous(const tops_tensor& t, const char* name);

// Leading dims (all but the last) flattened into rows with one constant row stride; throws
// TOPS_ERR_UNSUPPORTED if the leading dims cannot be flattened.
struct Rows {
  int64_t rows;       // product of leading dims (1 for a 1-D tensor)
  int64_t cols;       // last dim
  int64_t row_stride; // elements between consecutive rows
};
Rows flatten_rows(const tops_tensor& t, const char* name);

}  // namespace tops
