# ocres_render: headless frames (EGL + MuJoCo's OpenGL renderer) and videos (ffmpeg).
find_library(OCRES_EGL_LIB EGL REQUIRED)
find_library(OCRES_OPENGL_LIB OpenGL REQUIRED)
add_library(ocres_render ${CMAKE_CURRENT_LIST_DIR}/render.cc)
ocres_target_defaults(ocres_render)
target_link_libraries(ocres_render PUBLIC ocres_eval PRIVATE ${OCRES_EGL_LIB} ${OCRES_OPENGL_LIB})
# Code that can use the renderer but must build without it (e.g. `ocres demos --images`) tests this.
target_compile_definitions(ocres_render INTERFACE OCRES_HAVE_RENDER=1)
