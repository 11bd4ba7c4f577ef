list(APPEND OCRES_APP_SOURCES improve_commands.cc)
list(APPEND OCRES_APP_LIBS ocres_improve)
