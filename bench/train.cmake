add_executable(train_bench ${CMAKE_CURRENT_LIST_DIR}/train_bench.cc)
ocres_target_defaults(train_bench)
target_link_libraries(train_bench PRIVATE ocres_learn ocres_tasks)
target_compile_definitions(train_bench PRIVATE OCRES_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
