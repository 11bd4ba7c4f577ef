add_executable(env_bench ${CMAKE_CURRENT_LIST_DIR}/env_bench.cc)
ocres_target_defaults(env_bench)
target_link_libraries(env_bench PRIVATE ocres_eval)
