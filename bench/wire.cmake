add_executable(wire_bench ${CMAKE_CURRENT_LIST_DIR}/wire_bench.cc)
ocres_target_defaults(wire_bench)
target_link_libraries(wire_bench PRIVATE ocres_wire)
