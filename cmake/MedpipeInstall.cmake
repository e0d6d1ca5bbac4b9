# install() rules and an exported medpipeConfig.cmake so another project can find_package(medpipe).
include(CMakePackageConfigHelpers)
include(GNUInstallDirs)

get_property(module_targets GLOBAL PROPERTY MEDPIPE_MODULE_TARGETS)
install(TARGETS ${module_targets} EXPORT medpipeTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS medpipe RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET medpipe-render)
  install(TARGETS medpipe-render RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})  # beside medpipe: it runs it
endif()

set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/medpipe)
install(EXPORT medpipeTargets NAMESPACE medpipe:: DESTINATION ${config_dir})
configure_package_config_file(cmake/medpipeConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/medpipeConfig.cmake INSTALL_DESTINATION ${config_dir})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/medpipeConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/medpipeConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/medpipeConfigVersion.cmake DESTINATION ${config_dir})
