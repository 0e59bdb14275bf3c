// TOPS_HD marks a small inline helper that both the host code and the CUDA kernels call, so that
// one definition serves the CPU path and the device (e.g. rope_angle, key_range): __host__
// __device__ when the translation unit is compiled by nvcc, nothing for the host compiler.
#pragma once

#if defined(__CUDACC__)
#define TOPS_HD __host__ __device__
#else
#define TOPS_HD
#endif
