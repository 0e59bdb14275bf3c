# Configures a build tree with -DPIO_SANITIZE=<SANITIZER>, builds only the host hot-swap test
# (pio_host + the test) and runs it against the test plugins in TEST_PLUGIN_DIR (built by the
# calling build). Called by ctest (tests/host/CMakeLists.txt):
#   cmake -DSOURCE_DIR=.. -DBUILD_DIR=.. -DSANITIZER=thread|address -DGENERATOR=..
#         -DCXX_COMPILER=.. -DC_COMPILER=.. -DTEST_PLUGIN_DIR=.. -P sanitizer_run.cmake
cmake_minimum_required(VERSION 3.25)
foreach(var SOURCE_DIR BUILD_DIR SANITIZER GENERATOR TEST_PLUGIN_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "sanitizer_run.cmake: ${var} is required")
  endif()
endforeach()

function(run_step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " command "${ARGN}")
    message(FATAL_ERROR "sanitizer_run.cmake: '${command}' failed (${rc})")
  endif()
endfunction()

cmake_host_system_information(RESULT cores QUERY NUMBER_OF_LOGICAL_CORES)
run_step(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BUILD_DIR} -G ${GENERATOR}
         -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPIO_SANITIZE=${SANITIZER} -DPIO_ENABLE_CUDA=OFF
         -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_C_COMPILER=${C_COMPILER}
         -DPIO_HOST_TEST_PLUGIN_DIR=${TEST_PLUGIN_DIR})
run_step(${CMAKE_COMMAND} --build ${BUILD_DIR} --target test_host_hot_swap --parallel ${cores})

# halt_on_error: the first report fails the test. second_deadlock_stack: readable lock reports.
set(ENV{TSAN_OPTIONS} "halt_on_error=1 second_deadlock_stack=1")
set(ENV{ASAN_OPTIONS} "halt_on_error=1 detect_leaks=1")
run_step(${BUILD_DIR}/bin/test_host_hot_swap)
