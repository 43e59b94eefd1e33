# infrac diff: one test per case folder (tests/diff/<case>/ with old.yaml,
# new.yaml, optional args and expected.{txt,json,md}; see run-case), the
# markdown of every case checked with CommonMark parsers, --base against a
# temporary git repository, bad input, the replacement table against the
# kinds plan.c makes, and the sample CI workflow. Regenerate the expected files of a case with
#   INFRAC=build/infrac tests/diff/run-case --update tests/diff/<case>
# and read them before committing.
file(GLOB DIFF_CASES LIST_DIRECTORIES true CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/diff/*)
list(SORT DIFF_CASES)
set(DIFF_CASE_DIRS "")
foreach(dir ${DIFF_CASES})
  if(IS_DIRECTORY ${dir} AND EXISTS ${dir}/new.yaml)
    get_filename_component(case ${dir} NAME)
    add_test(NAME diff.${case} COMMAND ${CMAKE_SOURCE_DIR}/tests/diff/run-case ${dir})
    list(APPEND DIFF_CASE_DIRS ${dir})
  endif()
endforeach()
add_test(NAME diff.markdown COMMAND ${CMAKE_SOURCE_DIR}/tests/diff/check-markdown ${DIFF_CASE_DIRS})
add_test(NAME diff.git-base COMMAND ${CMAKE_SOURCE_DIR}/tests/diff/git-base.sh)
add_test(NAME diff.errors COMMAND ${CMAKE_SOURCE_DIR}/tests/diff/errors.sh)
find_program(INFRAC_PYTHON3 NAMES python3 REQUIRED DOC "Python 3 for the tests")
add_test(NAME diff.kinds COMMAND ${INFRAC_PYTHON3} -m unittest -v kinds_covered
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/diff)
# examples/ci/infrac-diff.yml: its diff step run in a temporary repository
add_test(NAME diff.ci-example COMMAND ${INFRAC_PYTHON3} -m unittest -v ci_example
         WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/diff)
set(DIFF_TESTS diff.markdown diff.git-base diff.errors diff.kinds diff.ci-example)
foreach(dir ${DIFF_CASE_DIRS})
  get_filename_component(case ${dir} NAME)
  list(APPEND DIFF_TESTS diff.${case})
endforeach()
set_tests_properties(${DIFF_TESTS} PROPERTIES
                     ENVIRONMENT "INFRAC=$<TARGET_FILE:infrac>;PYTHONDONTWRITEBYTECODE=1" LABELS diff)
