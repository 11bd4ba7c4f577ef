# Tests of the remote base-policy wire formats and clients (src/io/wire.cmake).
# The client tests start Python peer servers (tests/io/peers) with Debian's /usr/bin/python3 on loopback.

# msgpack-c++ (libmsgpack-cxx-dev) serves as the independent reference implementation in the codec tests.
# Its CMake package is "msgpack" (config in lib/<arch>/cmake/msgpackc-cxx), target msgpackc-cxx;
# MSGPACK_NO_BOOST keeps Boost out of the include graph.
find_package(msgpack CONFIG REQUIRED)

set(OCRES_WIRE_CODEC_TESTS
  ${CMAKE_CURRENT_LIST_DIR}/wire_ndarray_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/wire_npy_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/wire_msgpack_test.cc
  ${CMAKE_CURRENT_LIST_DIR}/wire_fuzz_test.cc)

ocres_add_test(wire_codec_test SOURCES ${OCRES_WIRE_CODEC_TESTS} LIBS ocres_wire_codec msgpackc-cxx)
target_compile_definitions(wire_codec_test PRIVATE MSGPACK_NO_BOOST
                           OCRES_WIRE_PEERS_DIR="${CMAKE_CURRENT_LIST_DIR}/peers")
target_include_directories(wire_codec_test PRIVATE ${CMAKE_CURRENT_LIST_DIR})

# The same tests with the codec sources compiled under AddressSanitizer + UndefinedBehaviorSanitizer: the
# fuzz inputs then prove memory safety, not just "no crash". Cheap (four sources), so on by default.
option(OCRES_WIRE_SANITIZED_TEST "Build the wire codec tests under ASan/UBSan too" ON)
if(OCRES_WIRE_SANITIZED_TEST)
  ocres_add_test(wire_codec_sanitized_test
    SOURCES ${OCRES_WIRE_CODEC_TESTS}
            ${PROJECT_SOURCE_DIR}/src/io/ndarray.cc
            ${PROJECT_SOURCE_DIR}/src/io/npy.cc
            ${PROJECT_SOURCE_DIR}/src/io/msgpack_value.cc
    LIBS ocres_core msgpackc-cxx)
  target_compile_definitions(wire_codec_sanitized_test PRIVATE MSGPACK_NO_BOOST OCRES_WIRE_FUZZ_INPUTS=40000
                             OCRES_WIRE_PEERS_DIR="${CMAKE_CURRENT_LIST_DIR}/peers")
  target_include_directories(wire_codec_sanitized_test PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  target_compile_options(wire_codec_sanitized_test PRIVATE -fsanitize=address,undefined
                         -fno-sanitize-recover=all -fno-omit-frame-pointer -O1)
  target_link_options(wire_codec_sanitized_test PRIVATE -fsanitize=address,undefined)
endif()

foreach(client openpi gr00t)
  ocres_add_test(wire_${client}_client_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/wire_${client}_client_test.cc LIBS ocres_wire)
  target_compile_definitions(wire_${client}_client_test PRIVATE OCRES_WIRE_PEERS_DIR="${CMAKE_CURRENT_LIST_DIR}/peers")
  target_include_directories(wire_${client}_client_test PRIVATE ${CMAKE_CURRENT_LIST_DIR})
endforeach()
