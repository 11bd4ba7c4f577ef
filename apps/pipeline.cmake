list(APPEND OCRES_APP_SOURCES pipeline_commands.cc)
