add_executable(deploy_bench ${CMAKE_CURRENT_LIST_DIR}/deploy_bench.cc)
ocres_target_defaults(deploy_bench)
target_link_libraries(deploy_bench PRIVATE ocres_deploy)
