ocres_add_test(render_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/render_test.cc LIBS ocres_render)
