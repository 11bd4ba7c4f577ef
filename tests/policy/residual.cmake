ocres_add_test(residual_action_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/residual_action_test.cc LIBS ocres_residual)
