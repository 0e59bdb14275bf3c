// Compile-only: pio/plugin_abi.h is valid C++20 (-Wall -Wextra -Werror -pedantic) and its C
// declarations have C linkage there.
#include "pio/plugin_abi.h"

#include <type_traits>

static_assert(std::is_standard_layout_v<pio_plugin_api> && std::is_trivial_v<pio_plugin_api>);
static_assert(std::is_standard_layout_v<pio_eval_args> && std::is_trivial_v<pio_eval_args>);
static_assert(std::is_same_v<decltype(&pio_plugin_get_api), pio_plugin_get_api_fn>);
static_assert(PIO_ABI_VERSION == PIO_ABI_MAKE_VERSION(1, 0));
