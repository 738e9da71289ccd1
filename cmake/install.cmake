# Installs liblrscope, its public headers under include/lrscope/, a pkg-config file
# and a CMake package config, so outside projects use find_package(lrscope) or
# pkg-config --cflags --libs lrscope.
include(CMakePackageConfigHelpers)

install(TARGETS lrscope EXPORT lrscopeTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${LRS_PUBLIC_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/lrscope)

install(EXPORT lrscopeTargets NAMESPACE lrscope::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/lrscope)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/lrscopeConfig.cmake.in
  ${PROJECT_BINARY_DIR}/lrscopeConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/lrscope)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/lrscopeConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/lrscopeConfig.cmake ${PROJECT_BINARY_DIR}/lrscopeConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/lrscope)

# Relocatable: the .pc file finds the prefix from its own location.
file(RELATIVE_PATH LRS_PC_TO_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" LRS_PC_TO_PREFIX "${LRS_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/lrscope.pc.in ${PROJECT_BINARY_DIR}/lrscope.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/lrscope.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
