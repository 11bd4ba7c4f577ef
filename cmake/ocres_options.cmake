# Shared compile settings for every ocres target: call ocres_target_defaults(<target>).
function(ocres_target_defaults target)
  # -Wno-array-bounds / -Wno-maybe-uninitialized: GCC 12 false positives inside Eigen's AVX kernels.
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter
                                           -Wno-array-bounds -Wno-maybe-uninitialized)
  if(OCRES_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(OCRES_NATIVE_AVX2)
    target_compile_options(${target} PRIVATE -march=x86-64-v3)
  endif()
  target_compile_options(${target} PRIVATE $<$<CONFIG:Release>:-O3>)
endfunction()

# ocres_add_test(<name> SOURCES ... LIBS ...): one gtest executable registered with ctest.
function(ocres_add_test name)
  # SERIAL: tests that compare timing-sensitive runs (loopback protocols in lockstep with a simulator)
  # run alone, not beside the rest of a parallel ctest.
  cmake_parse_arguments(T "SERIAL" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  ocres_target_defaults(${name})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main)
  set(serial FALSE)
  if(T_SERIAL)
    set(serial TRUE)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES ENVIRONMENT "OCRES_SOURCE_DIR=${PROJECT_SOURCE_DIR}" RUN_SERIAL ${serial})
endfunction()
