ocres_add_test(residual_action_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/residual_action_test.cc LIBS ocres_residual)
ocres_add_test(bc_features_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/bc_features_test.cc LIBS ocres_bc_features)
ocres_add_test(scripted_residual_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/scripted_residual_test.cc LIBS ocres_residual)
