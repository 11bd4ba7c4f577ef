ocres_add_test(dataset_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/dataset_test.cc LIBS ocres_dataset)
# tools/hdf5_to_lerobot.py --check on files written by ocres_dataset (needs only python3-h5py/numpy).
ocres_add_test(lerobot_export_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/lerobot_export_test.cc
               LIBS ocres_dataset nlohmann_json::nlohmann_json)
# `ocres demos --images` / `ocres replay --images`: only in builds with the renderer.
if(TARGET ocres AND TARGET ocres_render)
  ocres_add_test(demo_images_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/demo_images_test.cc)
  target_compile_definitions(demo_images_test PRIVATE OCRES_CLI="$<TARGET_FILE:ocres>")
  add_dependencies(demo_images_test ocres)
endif()
