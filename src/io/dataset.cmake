# ocres_dataset: robomimic-layout HDF5 datasets (HDF5 C API, Debian's serial build via pkg-config:
# CMake's FindHDF5 needs the C language enabled, this project is C++ only).
find_package(PkgConfig REQUIRED)
pkg_check_modules(OCRES_HDF5 REQUIRED IMPORTED_TARGET hdf5-serial)
add_library(ocres_dataset ${CMAKE_CURRENT_LIST_DIR}/dataset.cc)
ocres_target_defaults(ocres_dataset)
target_link_libraries(ocres_dataset PUBLIC ocres_core PRIVATE PkgConfig::OCRES_HDF5)
