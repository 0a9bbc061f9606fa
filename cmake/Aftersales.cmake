# One short way to declare every library, binary, test and proto library.
#   as_library(NAME x SOURCES a.cc ... [DEPS ...] [HEADER_ONLY])
#   as_binary(NAME x SOURCES main.cc [DEPS ...])
#   as_test(NAME x LABEL unit|integration|e2e SOURCES t.cc [DEPS ...])
#   as_proto_library(NAME x PROTOS a.proto ... [DEPS other_proto_lib] [GRPC])
# -Wno-restrict: GCC 12 at -O2 reports std::string copies inside libstdc++
# as overlapping memcpy (GCC bug 105329), a false positive that -Werror
# would turn into a failed optimised build.
set(AFTERSALES_WARNINGS -Wall -Wextra -Wpedantic -Werror -Wno-unused-parameter -Wno-restrict)

function(_as_parse)
  cmake_parse_arguments(PARSE_ARGV 0 ARG "HEADER_ONLY;GRPC" "NAME;LABEL;TIMEOUT" "SOURCES;DEPS;PROTOS")
  foreach(v NAME LABEL TIMEOUT SOURCES DEPS PROTOS HEADER_ONLY GRPC)
    set(ARG_${v} "${ARG_${v}}" PARENT_SCOPE)
  endforeach()
endfunction()

function(as_library)
  _as_parse(${ARGN})
  if(ARG_HEADER_ONLY OR NOT ARG_SOURCES)
    add_library(${ARG_NAME} INTERFACE)
    target_include_directories(${ARG_NAME} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${ARG_NAME} INTERFACE ${ARG_DEPS})
    return()
  endif()
  add_library(${ARG_NAME} STATIC ${ARG_SOURCES})
  target_include_directories(${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(${ARG_NAME} PRIVATE ${AFTERSALES_WARNINGS})
  target_link_libraries(${ARG_NAME} PUBLIC ${ARG_DEPS})
endfunction()

function(as_binary)
  _as_parse(${ARGN})
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_compile_options(${ARG_NAME} PRIVATE ${AFTERSALES_WARNINGS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
  set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
endfunction()

# Every Catch2 TEST_CASE becomes its own ctest test, labelled by tier.
function(as_test)
  _as_parse(${ARGN})
  if(NOT ARG_LABEL MATCHES "^(unit|integration|e2e)$")
    message(FATAL_ERROR "as_test(${ARG_NAME}): LABEL must be unit, integration or e2e")
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_compile_options(${ARG_NAME} PRIVATE ${AFTERSALES_WARNINGS})
  target_link_libraries(${ARG_NAME} PRIVATE aftersales_catch_main ${ARG_DEPS})
  set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
  # --warn NoTests: a name that ctest mangles (a ';' splits it) must fail,
  # not pass by running nothing.
  catch_discover_tests(${ARG_NAME}
    TEST_PREFIX "${ARG_LABEL}:${ARG_NAME}:"
    EXTRA_ARGS --warn NoTests
    # One ENVIRONMENT entry only: catch_discover_tests splits a list value
    # apart (a test needing the source tree takes it as a compile definition).
    PROPERTIES LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT}
               ENVIRONMENT "AFTERSALES_BIN_DIR=${PROJECT_BINARY_DIR}/bin")
endfunction()

# Generates C++ (and gRPC stubs with GRPC) from .proto files under proto/.
function(as_proto_library)
  _as_parse(${ARGN})
  set(out_dir ${PROJECT_BINARY_DIR}/gen)
  file(MAKE_DIRECTORY ${out_dir})
  set(srcs)
  foreach(p ${ARG_PROTOS})
    get_filename_component(abs ${p} ABSOLUTE)
    file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR}/proto ${abs})
    string(REGEX REPLACE "\\.proto$" "" base ${rel})
    set(gen ${out_dir}/${base}.pb.cc ${out_dir}/${base}.pb.h)
    set(cmd ${Protobuf_PROTOC_EXECUTABLE} -I${PROJECT_SOURCE_DIR}/proto --cpp_out=${out_dir})
    if(ARG_GRPC)
      list(APPEND gen ${out_dir}/${base}.grpc.pb.cc ${out_dir}/${base}.grpc.pb.h)
      list(APPEND cmd --grpc_out=${out_dir} --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>)
    endif()
    add_custom_command(OUTPUT ${gen} COMMAND ${cmd} ${abs} DEPENDS ${abs}
                       COMMENT "protoc ${rel}" VERBATIM)
    foreach(g ${gen})
      if(g MATCHES "\\.cc$")
        list(APPEND srcs ${g})
      endif()
    endforeach()
  endforeach()
  add_library(${ARG_NAME} STATIC ${srcs})
  target_include_directories(${ARG_NAME} PUBLIC ${out_dir})
  target_link_libraries(${ARG_NAME} PUBLIC protobuf::libprotobuf gRPC::grpc++ ${ARG_DEPS})
endfunction()
