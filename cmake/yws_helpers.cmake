# yws_add_library(NAME SRCS ... DEPS ... [PRIVATE_DEPS ...])
# Builds a static library yws_<NAME>, aliased yws::<NAME>, exported as yws::<NAME>.
function(yws_add_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(yws_${name} STATIC ${ARG_SRCS})
  add_library(yws::${name} ALIAS yws_${name})
  set_target_properties(yws_${name} PROPERTIES EXPORT_NAME ${name} OUTPUT_NAME yws_${name})
  target_include_directories(yws_${name}
    PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_features(yws_${name} PUBLIC cxx_std_20)
  target_link_libraries(yws_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  yws_set_warnings(yws_${name})
  set_property(GLOBAL APPEND PROPERTY YWS_EXPORTED_TARGETS yws_${name})
endfunction()

function(yws_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
  if(YWS_DEVELOPER_MODE)
    target_compile_options(${target} PRIVATE -Werror=unused-result -Werror=return-type)
  endif()
endfunction()

# yws_add_test(NAME SRCS ... DEPS ...): a GoogleTest binary registered with ctest.
function(yws_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(${name} PRIVATE
    YWS_SHARED_FIXTURES="${YWS_SHARED_DIR}/fixtures"
    YWS_TEST_FIXTURES="${PROJECT_SOURCE_DIR}/tests/fixtures"
    YWS_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  yws_set_warnings(${name})
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES TIMEOUT ${ARG_TIMEOUT})
endfunction()
