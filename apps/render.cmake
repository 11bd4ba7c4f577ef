list(APPEND OCRES_APP_SOURCES render_commands.cc)
list(APPEND OCRES_APP_LIBS ocres_render)
