# tests/check: `infrac check` (src/check.c, src/rules/, templates/checks/).
#   check.case.<name>  one folder per case under cases/: a spec, its exact
#                      text output (and JSON where useful), its exit status
#                      (tests/check/run-case)
#   check.sarif        every case's SARIF validates against the SARIF 2.1.0
#                      schema (ajv) and reports what its JSON reports
#   check.registry     --explain for every rule of the registry, the rule
#                      list of docs/checks.md, and a firing and a clean case
#                      for every rule
#   check.unit         cmocka: the secret corpus, INF-NET-001 on a tampered
#                      plan, image references, the registry
set(CHECK_TEST_DIR ${CMAKE_CURRENT_LIST_DIR})

file(GLOB CHECK_CASES LIST_DIRECTORIES true ${CHECK_TEST_DIR}/cases/*)
list(SORT CHECK_CASES)
foreach(dir ${CHECK_CASES})
  if(IS_DIRECTORY ${dir})
    get_filename_component(case ${dir} NAME)
    add_test(NAME check.case.${case} COMMAND ${CHECK_TEST_DIR}/run-case ${dir})
    set_tests_properties(check.case.${case} PROPERTIES ENVIRONMENT "INFRAC=$<TARGET_FILE:infrac>"
                         LABELS check)
  endif()
endforeach()

add_test(NAME check.sarif COMMAND ${CHECK_TEST_DIR}/sarif-check ${CHECK_TEST_DIR}/cases)
set_tests_properties(check.sarif PROPERTIES ENVIRONMENT "INFRAC=$<TARGET_FILE:infrac>" LABELS check)

find_program(INFRAC_PYTHON3 NAMES python3 REQUIRED DOC "Python 3 for the tests")
add_test(NAME check.registry COMMAND ${INFRAC_PYTHON3} -m unittest -v test_registry
         WORKING_DIRECTORY ${CHECK_TEST_DIR})
set_tests_properties(check.registry PROPERTIES
                     ENVIRONMENT "INFRAC=$<TARGET_FILE:infrac>;PYTHONDONTWRITEBYTECODE=1" LABELS check)

if(TARGET PkgConfig::CMOCKA)
  add_executable(test_check ${CHECK_TEST_DIR}/test_check.c)
  target_link_libraries(test_check PRIVATE infrac_core PkgConfig::CMOCKA)
  target_compile_definitions(test_check PRIVATE INFRAC_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  add_test(NAME check.unit COMMAND test_check)
else()
  # A missing test library is a failure, not a skip.
  add_test(NAME check.unit COMMAND sh -c
           "echo 'check.unit: cmocka not found (apt-get install libcmocka-dev)' >&2; exit 1")
endif()
