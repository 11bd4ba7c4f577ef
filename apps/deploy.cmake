# `ocres deploy` and `ocres sim-bridge` (the simulation served as a robot; it links sim, deploy never).
find_package(cppzmq REQUIRED)
list(APPEND OCRES_APP_SOURCES deploy_commands.cc deploy_sim_bridge.cc)
list(APPEND OCRES_APP_LIBS ocres_deploy ocres_tasks cppzmq)
