# The installed package: what `cmake --install` puts under the prefix so that an out-of-tree
# plugin can do
#   find_package(InferencePIO 1 REQUIRED)
#   pio_add_plugin(my_model SOURCES ... MANIFEST ...)
# and get pio::abi (C headers), pio::sdk (SDK headers + static libraries) and pio::kernels
# (libtensor_ops). Included at the end of the top-level CMakeLists, once every target exists.
#
# Layout under the prefix:
#   include/pio/plugin_abi.h, include/pio/abi/*.h, include/pio/sdk/*.h, include/tensor_ops/*.h
#   lib/libtensor_ops.so*, lib/libpio_sdk_*.a
#   lib/cmake/InferencePIO/{InferencePIOConfig,InferencePIOConfigVersion,InferencePIOTargets*,
#                            PioPlugin}.cmake
#   lib/inference-pio/plugins/<name>/{libpio_<name>.so, plugin_manifest.json}
include(CMakePackageConfigHelpers)
include(PioPlugin)  # for the ABI version (a no-op when plugins/ included it already)

# Headers. The SDK's public headers all live in plugins/sdk/include; component sources keep
# their private headers next to the .cpp files.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/abi/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/plugins/sdk/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")

# Exported targets. Names in the package: pio::abi, pio::sdk (all components), pio::kernels,
# and pio::sdk_<component> for plugins that want only a part. The SDK's components are found by
# walking pio_sdk's link graph, so a new component needs no edit here.
set(pio_package_targets pio_abi)
set(pending pio_sdk)
while(pending)
  list(POP_FRONT pending target)
  if(target IN_LIST pio_package_targets OR NOT TARGET ${target})
    continue()
  endif()
  list(APPEND pio_package_targets ${target})
  string(REGEX REPLACE "^pio_" "" export_name ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${export_name})
  get_target_property(type ${target} TYPE)
  set(links)
  if(NOT type STREQUAL "INTERFACE_LIBRARY")
    get_target_property(links ${target} LINK_LIBRARIES)
  endif()
  get_target_property(interface_links ${target} INTERFACE_LINK_LIBRARIES)
  foreach(link IN LISTS links interface_links)
    string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" link "${link}")
    if(TARGET "${link}")
      get_target_property(aliased "${link}" ALIASED_TARGET)
      if(aliased)
        set(link ${aliased})
      endif()
    endif()
    if(link MATCHES "^pio_sdk")
      list(APPEND pending ${link})
    endif()
  endforeach()
endwhile()
# libtensor_ops installs itself into the same export set (kernels/CMakeLists.txt); its name in
# the package is pio::kernels, as in the build tree's alias.
if(TARGET tensor_ops)
  set_target_properties(tensor_ops PROPERTIES EXPORT_NAME kernels)
endif()
install(TARGETS ${pio_package_targets} EXPORT InferencePIOTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT InferencePIOTargets NAMESPACE pio:: DESTINATION ${PIO_INSTALL_CMAKE_DIR})

# Dependencies the installed config must find again: fmt (SDK public headers), Threads, and the
# pkg-config modules that static SDK components link privately (static libraries carry their
# private link dependencies to the final plugin link). The pkg-config imported targets are
# collected from the components so that a new dependency needs no edit here.
set(PIO_PACKAGE_PKG_MODULES "")
set(PIO_PACKAGE_DEPENDENCIES "")
foreach(target IN LISTS pio_package_targets)
  get_target_property(links ${target} LINK_LIBRARIES)
  get_target_property(interface_links ${target} INTERFACE_LINK_LIBRARIES)
  foreach(link IN LISTS links interface_links)
    if(link MATCHES "^PkgConfig::(.+)$")
      set(prefix ${CMAKE_MATCH_1})
      if(NOT ${prefix}_MODULE_NAME)
        message(FATAL_ERROR "PioPackage: ${target} links ${link} but ${prefix}_MODULE_NAME is unknown")
      endif()
      string(APPEND PIO_PACKAGE_PKG_MODULES
             "pkg_check_modules(${prefix} REQUIRED QUIET IMPORTED_TARGET ${${prefix}_MODULE_NAME})\n")
    elseif(link MATCHES "^CUDA::")
      list(APPEND PIO_PACKAGE_DEPENDENCIES CUDAToolkit)
    elseif(link MATCHES "^spdlog::")
      list(APPEND PIO_PACKAGE_DEPENDENCIES spdlog)
    elseif(link MATCHES "^Boost::")
      list(APPEND PIO_PACKAGE_DEPENDENCIES Boost)
    endif()
  endforeach()
endforeach()
list(REMOVE_DUPLICATES PIO_PACKAGE_DEPENDENCIES)

get_property(PIO_PACKAGE_ABI_VERSION GLOBAL PROPERTY PIO_ABI_VERSION)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/InferencePIOConfig.cmake.in
  ${PROJECT_BINARY_DIR}/InferencePIOConfig.cmake
  INSTALL_DESTINATION ${PIO_INSTALL_CMAKE_DIR}
  PATH_VARS PIO_INSTALL_PLUGIN_DIR)
# The package major is the ABI major: a plugin asking for InferencePIO 1 gets ABI 1.x.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/InferencePIOConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/InferencePIOConfig.cmake
  ${PROJECT_BINARY_DIR}/InferencePIOConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/PioPlugin.cmake
  DESTINATION ${PIO_INSTALL_CMAKE_DIR})
