// The one function of the origin_dep plugin's dependency library (see dependency.cpp).
#pragma once

#if defined(__GNUC__)
#define PIO_HOST_TEST_DEPENDENCY_API __attribute__((visibility("default")))
#else
#define PIO_HOST_TEST_DEPENDENCY_API
#endif

// The logit offset the origin_dep plugin gives its toy model: 5, so its logits lie in [4, 6).
extern "C" PIO_HOST_TEST_DEPENDENCY_API float pio_host_test_dependency_offset();
