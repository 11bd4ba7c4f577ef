ocres_add_test(network_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/network_test.cc LIBS ocres_net_io)
ocres_add_test(network_alloc_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/alloc_test.cc LIBS ocres_net)
ocres_add_test(residual_file_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/residual_file_test.cc LIBS ocres_residual_file)
