# Runs `buf lint` in proto/ for the ctest test unit:proto:buf-lint.
#   cmake -DSOURCE_DIR=<project source dir> -P buf_lint.cmake
find_program(BUF_EXECUTABLE buf HINTS ${SOURCE_DIR}/.tools/node_modules/.bin)
if(NOT BUF_EXECUTABLE)
  message(FATAL_ERROR "buf not installed: ./dev test installs it with npm "
                      "(npm install --prefix .tools @bufbuild/buf)")
endif()
execute_process(COMMAND ${BUF_EXECUTABLE} lint
                WORKING_DIRECTORY ${SOURCE_DIR}/proto
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "buf lint failed (${BUF_EXECUTABLE}): ${rc}")
endif()
