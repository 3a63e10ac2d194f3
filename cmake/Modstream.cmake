# Shared compile settings for every modstream target.
add_library(modstream_build_flags INTERFACE)
target_compile_options(modstream_build_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wimplicit-fallthrough)
if(MODSTREAM_WERROR)
  target_compile_options(modstream_build_flags INTERFACE -Werror)
endif()
target_include_directories(modstream_build_flags INTERFACE ${PROJECT_SOURCE_DIR})

# gcc 12 reports false maybe-uninitialized warnings inside libstdc++ (std::regex, std::function)
# when sanitizers are on, so that one warning is not an error in sanitizer builds.
if(MODSTREAM_SANITIZE)
  target_compile_options(modstream_build_flags INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
    -Wno-maybe-uninitialized)
  target_link_options(modstream_build_flags INTERFACE -fsanitize=address,undefined)
endif()
# Fuzzing (clang): every library is instrumented for libFuzzer's coverage, with ASan and UBSan.
if(MODSTREAM_FUZZ)
  target_compile_options(modstream_build_flags INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  target_link_options(modstream_build_flags INTERFACE -fsanitize=address,undefined)
endif()
if(MODSTREAM_TSAN)
  target_compile_options(modstream_build_flags INTERFACE -fsanitize=thread -fno-omit-frame-pointer
    -Wno-maybe-uninitialized)
  target_link_options(modstream_build_flags INTERFACE -fsanitize=thread)
endif()

# modstream_library(NAME SOURCES... DEPS ...): one static library per module.
function(modstream_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_link_libraries(${name} PUBLIC modstream_build_flags ${ARG_DEPS})
endfunction()

# Catch2's main is compiled once and shared by every test binary (it is slow to compile).
add_library(modstream_catch_main STATIC ${PROJECT_SOURCE_DIR}/tests/support/catch_main.cc)
target_link_libraries(modstream_catch_main PUBLIC Catch2::Catch2 PRIVATE modstream_build_flags)

# modstream_test(NAME LABELS labels SOURCES... DEPS ...): one Catch2 binary per area, registered with ctest.
function(modstream_test name)
  cmake_parse_arguments(ARG "" "" "LABELS;SOURCES;DEPS;FIXTURES" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE modstream_build_flags modstream_catch_main ${ARG_DEPS})
  target_compile_definitions(${name} PRIVATE
    MODSTREAM_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    MODSTREAM_SHARED_DIR="${PROJECT_SOURCE_DIR}/../shared")
  set(properties ENVIRONMENT "MODSTREAM_BROKER_DIR=${PROJECT_BINARY_DIR}/kafka-broker")
  if(ARG_FIXTURES)
    list(APPEND properties FIXTURES_REQUIRED "${ARG_FIXTURES}")
  endif()
  # --warn NoTests: a ctest whose filter matches no test case fails instead of passing empty
  # (catch_discover_tests splits a test name at ';', which leaves a filter that matches nothing).
  catch_discover_tests(${name} EXTRA_ARGS --warn NoTests TEST_LIST ${name}_TESTS
                       PROPERTIES ${properties})
  # Labels are set by a ctest include file of our own, run after Catch's: passed through
  # PROPERTIES, a list such as "unit;config" was flattened and every label after the first lost.
  set(labels_file "${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake")
  file(WRITE "${labels_file}"
       "if(${name}_TESTS)\n"
       "  set_tests_properties(\${${name}_TESTS} PROPERTIES LABELS \"${ARG_LABELS}\")\n"
       "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${labels_file}")
endfunction()
