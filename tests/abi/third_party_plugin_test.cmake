# ctest script: install this build into a temporary prefix, build tests/third_party_plugin
# against that prefix only (find_package(InferencePIO 1)), then open the plugin as a host does,
# and, when the pio CLI exists, let `pio plugins` discover it through PIO_PLUGIN_PATH.
# Variables: PIO_BUILD_DIR WORK_DIR EXAMPLE_DIR GENERATOR CXX_COMPILER DLOPEN_CHECK [PIO_CLI] [SANITIZE]

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "${what}: ok")
  set(run_output "${out}${err}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)
file(REMOVE_RECURSE ${WORK_DIR})

run("install into ${prefix}" ${CMAKE_COMMAND} --install ${PIO_BUILD_DIR} --prefix ${prefix})
foreach(file include/pio/plugin_abi.h include/pio/sdk/plugin.h lib/cmake/InferencePIO/InferencePIOConfig.cmake
             lib/cmake/InferencePIO/InferencePIOConfigVersion.cmake lib/cmake/InferencePIO/PioPlugin.cmake)
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "the installed package lacks ${file}")
  endif()
endforeach()

set(flags)
if(SANITIZE)
  list(APPEND flags -DCMAKE_CXX_FLAGS=-fsanitize=${SANITIZE} -DCMAKE_MODULE_LINKER_FLAGS=-fsanitize=${SANITIZE})
endif()
# CMAKE_FIND_USE_PACKAGE_REGISTRY / system paths off: only the temporary prefix may satisfy it.
run("configure the example against the prefix" ${CMAKE_COMMAND} -S ${EXAMPLE_DIR} -B ${build} -G ${GENERATOR}
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF ${flags})
file(STRINGS ${build}/CMakeCache.txt package_dir REGEX "^InferencePIO_DIR:")
if(NOT package_dir MATCHES "${prefix}")
  message(FATAL_ERROR "the example found the package outside the prefix: ${package_dir}")
endif()
run("build the example" ${CMAKE_COMMAND} --build ${build})

set(plugin_dir ${build}/plugins/echo_example)
set(library ${plugin_dir}/libpio_echo_example.so)
foreach(file ${library} ${plugin_dir}/plugin_manifest.json)
  if(NOT EXISTS ${file})
    message(FATAL_ERROR "the example build did not produce ${file}")
  endif()
endforeach()
file(READ ${plugin_dir}/plugin_manifest.json manifest)
foreach(expected "\"name\": \"echo_example\"" "\"version\": \"0.3.0\"" "\"library\": \"libpio_echo_example.so\""
                 "\"abi_version\": \"1.0\"")
  string(FIND "${manifest}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "manifest lacks ${expected}:\n${manifest}")
  endif()
endforeach()

run("dlopen the example and evaluate a token" ${DLOPEN_CHECK} ${library} echo_example ${EXAMPLE_DIR}/model)
message(STATUS "${run_output}")

if(PIO_CLI)
  run("pio plugins --json with PIO_PLUGIN_PATH" ${CMAKE_COMMAND} -E env PIO_PLUGIN_PATH=${build}/plugins
      ${PIO_CLI} plugins --json)
  string(FIND "${run_output}" "echo_example" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "pio plugins did not list echo_example:\n${run_output}")
  endif()
  message(STATUS "${run_output}")
endif()
