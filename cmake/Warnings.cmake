# lowbit_warnings(target): the warning set our own code is held to.
option(LOWBIT_WERROR "Treat warnings as errors in lowbit's own targets" OFF)
function(lowbit_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic $<$<BOOL:${LOWBIT_WERROR}>:-Werror>)
endfunction()
