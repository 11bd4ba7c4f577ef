list(APPEND OCRES_APP_SOURCES learn_commands.cc)
list(APPEND OCRES_APP_LIBS ocres_learn)
list(APPEND OCRES_APP_SOURCES train_commands.cc)
