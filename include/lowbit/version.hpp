// lowbit: version and the versioned inline namespace (ABI breaks become link errors).
#pragma once

#define LOWBIT_VERSION_MAJOR 0
#define LOWBIT_VERSION_MINOR 1
#define LOWBIT_VERSION_PATCH 0
#define LOWBIT_VERSION (LOWBIT_VERSION_MAJOR * 10000 + LOWBIT_VERSION_MINOR * 100 + LOWBIT_VERSION_PATCH)

#define LOWBIT_BEGIN_NAMESPACE \
  namespace lowbit {           \
  inline namespace v0 {
#define LOWBIT_END_NAMESPACE \
  }                          \
  }
