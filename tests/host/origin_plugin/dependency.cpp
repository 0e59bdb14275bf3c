// A shared library that the origin_dep test plugin finds only through RPATH $ORIGIN/deps, like an
// installed plugin finds libtensor_ops.so through $ORIGIN/../../..
#include "dependency.h"

extern "C" float pio_host_test_dependency_offset() { return 5.0f; }
