# ctest fixture of the server's Qwen3 tests: a small random-weight Qwen3 checkpoint with the real
# Qwen3 tokenizer (vocab 151936, 86 MB of bf16 weights), made in the build tree in about a second.
# -DGEN=<pio-gen-checkpoint> -DTOKENIZER_TAR=<qwen3-tokenizer.tar.xz> -DOUT=<dir>
if(EXISTS ${OUT}/model.safetensors AND EXISTS ${OUT}/tokenizer.json)
  return()
endif()
file(REMOVE_RECURSE ${OUT}.tok)
file(MAKE_DIRECTORY ${OUT}.tok)
execute_process(COMMAND ${CMAKE_COMMAND} -E tar xJf ${TOKENIZER_TAR} WORKING_DIRECTORY ${OUT}.tok
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cannot extract ${TOKENIZER_TAR}")
endif()
execute_process(COMMAND ${GEN} --arch qwen3 --preset small --tokenizer ${OUT}.tok --out ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pio-gen-checkpoint failed")
endif()
file(REMOVE_RECURSE ${OUT}.tok)
