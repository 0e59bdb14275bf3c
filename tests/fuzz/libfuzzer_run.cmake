# Runs the fuzz targets of the parsers that read untrusted files (safetensors header, tokenizer,
# tokenizer.json) under real libFuzzer + ASan/UBSan for a bounded time, in a nested clang build:
# the main build may use gcc, where fuzz targets only replay mutations (cmake/PioFuzz.cmake).
# cmake -DSOURCE_DIR=... -DBUILD_DIR=... -DGENERATOR=... -P libfuzzer_run.cmake
set(targets fuzz_safetensors_header fuzz_tokenizer fuzz_tokenizer_json)

execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BUILD_DIR} -G ${GENERATOR}
          -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo
          -DPIO_FUZZ=ON -DPIO_ENABLE_CUDA=OFF -DPIO_TEST_HOST_SANITIZERS=OFF
          # Instrument the libraries too, so coverage guides the fuzzer into the parsers.
          -DPIO_SANITIZE=fuzzer-no-link,address,undefined
          # Debian's RapidJSON 1.1 offsets a null pointer in internal/stack.h (harmless, not ours):
          # UBSan's pointer-overflow check would stop every fuzz run that parses JSON.
          -DCMAKE_CXX_FLAGS=-fno-sanitize=pointer-overflow
  RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring the clang fuzz build failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${targets} RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the fuzz targets failed (${rc})")
endif()
list(JOIN targets "|" pattern)
execute_process(
  COMMAND ${CMAKE_CTEST_COMMAND} --test-dir ${BUILD_DIR} --output-on-failure -R "^fuzz\\.(${pattern})$"
  RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "libFuzzer found a problem (${rc}); reproducers are in ${BUILD_DIR}")
endif()
