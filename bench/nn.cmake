add_executable(nn_bench ${CMAKE_CURRENT_LIST_DIR}/nn_bench.cc)
ocres_target_defaults(nn_bench)
target_link_libraries(nn_bench PRIVATE ocres_net benchmark::benchmark)
