include(CMakePackageConfigHelpers)

get_property(yws_targets GLOBAL PROPERTY YWS_EXPORTED_TARGETS)
install(TARGETS ${yws_targets} EXPORT ywsTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/yws DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT ywsTargets NAMESPACE yws:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/yws)

configure_package_config_file(cmake/ywsConfig.cmake.in
  ${PROJECT_BINARY_DIR}/ywsConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/yws)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ywsConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ywsConfig.cmake ${PROJECT_BINARY_DIR}/ywsConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/yws)
