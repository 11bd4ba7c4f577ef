add_executable(bc_bench ${CMAKE_CURRENT_LIST_DIR}/bc_bench.cc)
ocres_target_defaults(bc_bench)
target_link_libraries(bc_bench PRIVATE ocres_learn ocres_bc_policy benchmark::benchmark)
if(TARGET ocres_render)  # optional: BM_RenderStepImages
  target_link_libraries(bc_bench PRIVATE ocres_render)
endif()
