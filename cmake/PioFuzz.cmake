# pio_add_fuzz_target(NAME SOURCES src... LIBS lib... [CORPUS dir] [SECONDS n])
#
# A fuzz target is a file defining LLVMFuzzerTestOneInput. With clang (configure with
# CC=clang CXX=clang++ -DPIO_FUZZ=ON) it becomes a real libFuzzer binary and a ctest that fuzzes
# for SECONDS (default 20) from the seed corpus. With any other compiler it is linked with a small
# replay driver (tests/fuzz/replay_main.cpp) that feeds the corpus plus deterministic random
# mutations of it, so the target is exercised in every build.
option(PIO_FUZZ "Build fuzz targets with libFuzzer (needs clang)" OFF)
set(PIO_FUZZ_DRIVER ${CMAKE_CURRENT_LIST_DIR}/../tests/fuzz/replay_main.cpp)

function(pio_add_fuzz_target name)
  cmake_parse_arguments(arg "" "CORPUS;SECONDS" "SOURCES;LIBS" ${ARGN})
  if(NOT arg_SECONDS)
    set(arg_SECONDS 20)
  endif()
  if(PIO_FUZZ AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    add_executable(${name} ${arg_SOURCES})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    # A fixed seed keeps CI runs reproducible; explore further by running the binary by hand.
    set(run_args -seed=1 -max_total_time=${arg_SECONDS} -rss_limit_mb=2048 -timeout=10)
  else()
    add_executable(${name} ${arg_SOURCES} ${PIO_FUZZ_DRIVER})
    set(run_args --iterations 20000)
  endif()
  pio_target_defaults(${name})
  target_link_libraries(${name} PRIVATE ${arg_LIBS})
  set(corpus_args)
  if(PIO_FUZZ AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    # libFuzzer writes new inputs into the first corpus folder: keep that one in the build tree
    # so fuzzing never writes into the source tree's seed corpus.
    set(scratch ${CMAKE_CURRENT_BINARY_DIR}/${name}_corpus)
    file(MAKE_DIRECTORY ${scratch})
    list(APPEND corpus_args ${scratch})
  endif()
  if(arg_CORPUS AND PIO_FUZZ AND CMAKE_CXX_COMPILER_ID MATCHES "Clang" AND NOT IS_DIRECTORY ${arg_CORPUS})
    file(COPY ${arg_CORPUS} DESTINATION ${scratch})  # libFuzzer takes corpus folders only
  elseif(arg_CORPUS)
    list(APPEND corpus_args ${arg_CORPUS})
  endif()
  add_test(NAME fuzz.${name} COMMAND ${name} ${run_args} ${corpus_args})
  set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz TIMEOUT 300)
endfunction()
