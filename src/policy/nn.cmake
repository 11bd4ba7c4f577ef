# ocres_net: the MLP (header-only template) and Adam; a target so users link Eigen and flags once.
add_library(ocres_net INTERFACE)
target_link_libraries(ocres_net INTERFACE ocres_core)
