# Remote base-policy wire formats and clients (SPEC §9).
#   ocres_wire_codec  msgpack values, ndarray conventions (openpi msgpack-numpy, GR00T .npy); no network
#   ocres_wire        openpi websocket client and GR00T ZeroMQ client (links ocres_wire_codec)
#   ocres_wire_ws     private: the one translation unit that includes websocketpp (see below)
find_package(cppzmq REQUIRED)

add_library(ocres_wire_codec
  ${CMAKE_CURRENT_LIST_DIR}/ndarray.cc
  ${CMAKE_CURRENT_LIST_DIR}/npy.cc
  ${CMAKE_CURRENT_LIST_DIR}/msgpack_value.cc)
ocres_target_defaults(ocres_wire_codec)
target_link_libraries(ocres_wire_codec PUBLIC ocres_core)

# websocketpp 0.8.2 (Debian 12) declares constructors and destructors with template-ids
# (`basic<concurrency,names>(...)`, `~endpoint<connection,config>()`), which C++20 rejects (CWG 2237)
# and GCC 12 treats as hard errors. The websocket transport is therefore a separate C++17 library whose
# header exposes only standard types; nothing else includes websocketpp.
add_library(ocres_wire_ws ${CMAKE_CURRENT_LIST_DIR}/ws_transport.cc)
ocres_target_defaults(ocres_wire_ws)
set_target_properties(ocres_wire_ws PROPERTIES CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON)
target_compile_definitions(ocres_wire_ws PRIVATE ASIO_STANDALONE)
target_include_directories(ocres_wire_ws PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(ocres_wire_ws PRIVATE Threads::Threads)

add_library(ocres_wire
  ${CMAKE_CURRENT_LIST_DIR}/remote_status.cc
  ${CMAKE_CURRENT_LIST_DIR}/openpi_client.cc
  ${CMAKE_CURRENT_LIST_DIR}/gr00t_client.cc)
ocres_target_defaults(ocres_wire)
target_link_libraries(ocres_wire PUBLIC ocres_wire_codec PRIVATE ocres_wire_ws cppzmq)
