ocres_add_test(safetensors_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/safetensors_test.cc LIBS ocres_safetensors)
