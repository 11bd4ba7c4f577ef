# ocres_residual: residual observation layout, composition and safety clamp (no simulator).
add_library(ocres_residual ${CMAKE_CURRENT_LIST_DIR}/residual_action.cc)
ocres_target_defaults(ocres_residual)
target_link_libraries(ocres_residual PUBLIC ocres_core)
