list(APPEND OCRES_APP_SOURCES eval_commands.cc)
list(APPEND OCRES_APP_LIBS ocres_eval_report)
