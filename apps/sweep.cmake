list(APPEND OCRES_APP_SOURCES sweep_commands.cc)
list(APPEND OCRES_APP_LIBS ocres_eval_report)
