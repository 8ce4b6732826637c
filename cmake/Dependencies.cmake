# Dependencies, all from Debian 12 packages: libeigen3-dev, libhwy-dev (the library itself);
# catch2 v2, libbenchmark-dev, zlib1g-dev (our tests, benches and demo only).
include(GNUInstallDirs)
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(hwy REQUIRED)
if(LOWBIT_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
endif()
if(LOWBIT_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
if(LOWBIT_BUILD_TOOLS)
  find_package(ZLIB REQUIRED)
endif()
