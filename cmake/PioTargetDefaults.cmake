# Per-target defaults for our own targets: language level, warnings, sanitizers.
# Applied target by target (never through global flags) so third-party code is untouched.
function(pio_target_defaults target)
  target_compile_features(${target} PRIVATE cxx_std_20)
  set_target_properties(${target} PROPERTIES CXX_EXTENSIONS OFF POSITION_INDEPENDENT_CODE ON)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:C,CXX>:-Wall -Wextra -Wpedantic>
    $<$<AND:$<BOOL:${PIO_WERROR}>,$<COMPILE_LANGUAGE:C,CXX>>:-Werror>)
  if(PIO_SANITIZE)
    target_compile_options(${target} PRIVATE
      $<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=${PIO_SANITIZE} -fno-omit-frame-pointer>)
    target_link_options(${target} PRIVATE -fsanitize=${PIO_SANITIZE})
  endif()
endfunction()
