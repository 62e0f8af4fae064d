# Installs the yws build at YWS_BUILD_DIR into a scratch prefix and builds the consumer against
# it with find_package(yws), then runs the consumer. Any failing step fails the test.
file(REMOVE_RECURSE ${YWS_WORK_DIR})
set(prefix ${YWS_WORK_DIR}/prefix)
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}")
  endif()
endfunction()
run(${CMAKE_COMMAND} --install ${YWS_BUILD_DIR} --prefix ${prefix})
run(${CMAKE_COMMAND} -S ${YWS_CONSUMER_SOURCE} -B ${YWS_WORK_DIR}/build -G Ninja
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}
    "-DCMAKE_CXX_FLAGS=${YWS_CXX_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${YWS_LINKER_FLAGS}")
run(${CMAKE_COMMAND} --build ${YWS_WORK_DIR}/build)
run(${YWS_WORK_DIR}/build/consumer)
