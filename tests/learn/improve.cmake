# Self-improvement (ocres_improve) and the multi-task base; `ocres improve` end to end.
ocres_add_test(improve_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/improve_test.cc LIBS ocres_improve nlohmann_json::nlohmann_json)
ocres_add_test(multitask_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/multitask_test.cc LIBS ocres_improve nlohmann_json::nlohmann_json)
if(TARGET ocres)
  ocres_add_test(improve_cli_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/improve_cli_test.cc LIBS ocres_improve nlohmann_json::nlohmann_json)
  target_include_directories(improve_cli_test PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_definitions(improve_cli_test PRIVATE OCRES_CLI="$<TARGET_FILE:ocres>")
  add_dependencies(improve_cli_test ocres)
endif()
