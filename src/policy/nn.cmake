# ocres_net: the MLP (header-only template) and Adam; a target so users link Eigen and flags once.
add_library(ocres_net INTERFACE)
target_link_libraries(ocres_net INTERFACE ocres_core)
add_library(ocres_net_io ${CMAKE_CURRENT_LIST_DIR}/network_io.cc)
ocres_target_defaults(ocres_net_io)
target_link_libraries(ocres_net_io PUBLIC ocres_net ocres_safetensors PRIVATE nlohmann_json::nlohmann_json)
add_library(ocres_bc_policy ${CMAKE_CURRENT_LIST_DIR}/bc_policy.cc)
ocres_target_defaults(ocres_bc_policy)
target_link_libraries(ocres_bc_policy PUBLIC ocres_net_io ocres_bc_features ocres_perception PRIVATE nlohmann_json::nlohmann_json)
# ocres_residual_file: a trained residual as shipped (weights + layout + scales); used by training,
# evaluation and the deployment runtime alike.
add_library(ocres_residual_file ${CMAKE_CURRENT_LIST_DIR}/residual_file.cc)
ocres_target_defaults(ocres_residual_file)
target_link_libraries(ocres_residual_file PUBLIC ocres_net_io ocres_bc_policy ocres_residual PRIVATE nlohmann_json::nlohmann_json)
