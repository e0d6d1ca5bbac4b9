# Instrumented builds. ITK, GDCM and the other Debian libraries stay uninstrumented: these flags
# only reach medpipe's own targets (libraries, CLI, tests, fuzz harnesses).
#   MEDPIPE_SANITIZE  AddressSanitizer + UndefinedBehaviorSanitizer (gcc or clang); scripts/test.sh
#                     runs the whole suite this way in build-asan/.
#   MEDPIPE_FUZZ      the same plus libFuzzer's coverage instrumentation (clang only), and the
#                     harnesses in fuzz/; see CMakePresets.json (preset "fuzz") and scripts/fuzz.sh.
set(MEDPIPE_SANITIZE_LINK_FLAGS "")
if(MEDPIPE_SANITIZE OR MEDPIPE_FUZZ)
  # -g1: line tables only, enough for file:line in sanitizer reports at a fraction of -g's cost
  # on ITK-heavy translation units.
  # UB stays recoverable so that cmake/ubsan-suppressions.txt (third-party header code) can apply;
  # the scripts set UBSAN_OPTIONS=halt_on_error=1, so any other report stops the program.
  set(sanitize_flags -fsanitize=address,undefined -fno-omit-frame-pointer -g1)
  if(MEDPIPE_SANITIZE AND NOT MEDPIPE_FUZZ)
    # CI's pass leaves out three of UBSan's checks that instrument nearly every statement of ITK's
    # inlined templates: together 55% of an instrumented unit's compile time (fill_holes.cxx 148 s ->
    # 66 s; AddressSanitizer alone 45 s). null: AddressSanitizer reports the dereference itself;
    # alignment: x86 loads need none and medpipe's vector loads go through memcpy; vptr: medpipe's
    # casts are static on its own types. The fuzz harnesses keep every check.
    list(APPEND sanitize_flags -fno-sanitize=vptr,alignment,null)
  endif()
  if(MEDPIPE_FUZZ)
    if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
      message(FATAL_ERROR "MEDPIPE_FUZZ needs clang >= 16 (libFuzzer; clang 14 rejects lambdas capturing "
                          "structured bindings): configure with the 'fuzz' preset (clang-16, Debian packages "
                          "clang-16 libclang-rt-16-dev)")
    endif()
    list(APPEND sanitize_flags -fsanitize=fuzzer-no-link)
  endif()
  add_compile_options(${sanitize_flags})
  # Carried by every module target (and so by anything linking one, including a find_package
  # consumer of an instrumented install): instrumented code needs the sanitizer runtimes.
  set(MEDPIPE_SANITIZE_LINK_FLAGS -fsanitize=address,undefined)
endif()
