# `ocres deploy` and `ocres sim-bridge`. The simulated robot (deploy_sim_robot.*: sim + estimator model +
# cameras, in process or behind sim-bridge) lives here because it links sim; src/deploy never does.
find_package(cppzmq REQUIRED)
list(APPEND OCRES_APP_SOURCES deploy_commands.cc deploy_backends.cc deploy_sim_robot.cc deploy_sim_bridge.cc)
list(APPEND OCRES_APP_LIBS ocres_deploy ocres_tasks cppzmq)
