ocres_add_test(dataset_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/dataset_test.cc LIBS ocres_dataset)
