# ocres_residual: residual observation layout, composition and safety clamp (no simulator).
add_library(ocres_residual ${CMAKE_CURRENT_LIST_DIR}/residual_action.cc ${CMAKE_CURRENT_LIST_DIR}/scripted_residual.cc)
ocres_target_defaults(ocres_residual)
target_link_libraries(ocres_residual PUBLIC ocres_core)
# ocres_bc_features: the BC stand-in's input/output encodings (no simulator).
add_library(ocres_bc_features ${CMAKE_CURRENT_LIST_DIR}/bc_features.cc)
ocres_target_defaults(ocres_bc_features)
target_link_libraries(ocres_bc_features PUBLIC ocres_core)
