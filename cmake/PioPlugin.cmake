# pio_add_plugin(<name>
#                SOURCES src...
#                MANIFEST <manifest.json.in>
#                [LIBRARIES lib...]         # extra libraries; pio::sdk is always linked
#                [VERSION x.y.z]            # plugin version; default: PROJECT_VERSION
#                [TARGET <target>]          # CMake target name; default: <name>
#                [OUTPUT_DIR <dir>]         # default: ${PIO_PLUGIN_OUTPUT_DIR}/<name>
#                [NO_INSTALL]               # test plugins: build tree only
#                [ALLOW_UNDEFINED])         # drop -z defs (only for the loader's negative tests)
#
# Builds a plugin the way the ABI expects (abi/include/pio/plugin_abi.h):
#  - a MODULE library, libpio_<name>.so, compiled with hidden visibility and linked with a
#    version script that exports only pio_plugin_get_api, and with -z defs so that a missing
#    symbol fails the link instead of the host's dlopen;
#  - placed with its manifest in OUTPUT_DIR, so the host finds it in the build tree with no
#    install step. The manifest template is configured with
#      @PIO_PLUGIN_NAME@ @PIO_PLUGIN_VERSION@ @PIO_PLUGIN_ABI_VERSION@ @PIO_PLUGIN_LIBRARY@
#    (library = the module's file name) and written as OUTPUT_DIR/plugin_manifest.json;
#  - installed to ${PIO_INSTALL_PLUGIN_DIR}/<name>/ with its manifest.
#
# Works in this project and, through find_package(InferencePIO), out of tree: there
# PIO_PLUGIN_OUTPUT_DIR defaults to ${PROJECT_BINARY_DIR}/plugins and PIO_INSTALL_PLUGIN_DIR to
# ${CMAKE_INSTALL_LIBDIR}/inference-pio/plugins.
include_guard(GLOBAL)
include(GNUInstallDirs)

# ABI version written into manifests, kept in a global property so that pio_add_plugin sees it
# from any directory: the installed package config sets PIO_ABI_VERSION before including this
# file; in the source tree it is read from the header, so the two can never disagree.
if(DEFINED PIO_ABI_VERSION)
  set_property(GLOBAL PROPERTY PIO_ABI_VERSION "${PIO_ABI_VERSION}")
else()
  set(_pio_abi_header "${CMAKE_CURRENT_LIST_DIR}/../abi/include/pio/abi/version.h")
  file(STRINGS "${_pio_abi_header}" _pio_abi_major REGEX "^#define PIO_ABI_VERSION_MAJOR [0-9]+")
  file(STRINGS "${_pio_abi_header}" _pio_abi_minor REGEX "^#define PIO_ABI_VERSION_MINOR [0-9]+")
  string(REGEX REPLACE ".* ([0-9]+)$" "\\1" _pio_abi_major "${_pio_abi_major}")
  string(REGEX REPLACE ".* ([0-9]+)$" "\\1" _pio_abi_minor "${_pio_abi_minor}")
  set_property(GLOBAL PROPERTY PIO_ABI_VERSION "${_pio_abi_major}.${_pio_abi_minor}")
endif()

function(pio_add_plugin name)
  cmake_parse_arguments(arg "NO_INSTALL;ALLOW_UNDEFINED" "MANIFEST;VERSION;TARGET;OUTPUT_DIR"
                        "SOURCES;LIBRARIES" ${ARGN})
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "pio_add_plugin(${name}): SOURCES is required")
  endif()
  if(NOT arg_MANIFEST)
    message(FATAL_ERROR "pio_add_plugin(${name}): MANIFEST is required")
  endif()
  if(NOT name MATCHES "^[a-z][a-z0-9_]*$")
    message(FATAL_ERROR "pio_add_plugin(${name}): a plugin name is lower_snake_case")
  endif()
  set(target ${name})
  if(arg_TARGET)
    set(target ${arg_TARGET})
  endif()
  set(version ${PROJECT_VERSION})
  if(arg_VERSION)
    set(version ${arg_VERSION})
  endif()
  set(output_root ${PIO_PLUGIN_OUTPUT_DIR})
  if(NOT output_root)
    set(output_root ${PROJECT_BINARY_DIR}/plugins)
  endif()
  set(output_dir ${output_root}/${name})
  if(arg_OUTPUT_DIR)
    set(output_dir ${arg_OUTPUT_DIR})
  endif()
  set(install_root ${PIO_INSTALL_PLUGIN_DIR})
  if(NOT install_root)
    set(install_root ${CMAKE_INSTALL_LIBDIR}/inference-pio/plugins)
  endif()

  add_library(${target} MODULE ${arg_SOURCES})
  if(COMMAND pio_target_defaults)
    pio_target_defaults(${target})  # in-tree: warnings, sanitizers
  else()
    target_compile_features(${target} PRIVATE cxx_std_20)
  endif()
  target_link_libraries(${target} PRIVATE pio::sdk ${arg_LIBRARIES})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME pio_${name}
    PREFIX lib
    LIBRARY_OUTPUT_DIRECTORY ${output_dir}
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    CUDA_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    POSITION_INDEPENDENT_CODE ON
    # Installed at <prefix>/lib/inference-pio/plugins/<name>/: libtensor_ops is three levels up.
    INSTALL_RPATH "$ORIGIN/../../..")

  # Export exactly one symbol (the ABI's entry point); everything else stays local.
  set(version_script ${CMAKE_BINARY_DIR}/pio_plugin_exports.map)
  file(CONFIGURE OUTPUT ${version_script}
       CONTENT "{\n  global: pio_plugin_get_api;\n  local: *;\n};\n")
  target_link_options(${target} PRIVATE "LINKER:--version-script=${version_script}")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${version_script})
  # -z defs: every symbol resolved at link time. Clang's sanitizer runtimes are not linked into
  # shared objects, so their symbols would count as undefined: skip the check there.
  if(NOT arg_ALLOW_UNDEFINED AND NOT (PIO_SANITIZE AND CMAKE_CXX_COMPILER_ID MATCHES "Clang"))
    target_link_options(${target} PRIVATE "LINKER:-z,defs")
  endif()

  # Manifest: @VARS@ now, the library file name at generate time.
  set(PIO_PLUGIN_NAME ${name})
  set(PIO_PLUGIN_VERSION ${version})
  get_property(PIO_PLUGIN_ABI_VERSION GLOBAL PROPERTY PIO_ABI_VERSION)
  set(PIO_PLUGIN_LIBRARY "$<TARGET_FILE_NAME:${target}>")
  get_filename_component(manifest_in ${arg_MANIFEST} ABSOLUTE)
  set(manifest_stage ${CMAKE_CURRENT_BINARY_DIR}/${target}.plugin_manifest.json.in)
  configure_file(${manifest_in} ${manifest_stage} @ONLY)
  file(GENERATE OUTPUT ${output_dir}/plugin_manifest.json INPUT ${manifest_stage} TARGET ${target})

  if(NOT arg_NO_INSTALL)
    install(TARGETS ${target} LIBRARY DESTINATION ${install_root}/${name})
    install(FILES ${output_dir}/plugin_manifest.json DESTINATION ${install_root}/${name})
  endif()
endfunction()
