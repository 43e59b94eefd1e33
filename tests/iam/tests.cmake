# IAM policy evaluator (tests/iam/iam_eval.py) and its moto cross-check.
# Both suites are Python unittest modules and run from this folder.
find_program(INFRAC_PYTHON3 NAMES python3 REQUIRED DOC "Python 3 for the tests/iam suites")
if(INFRAC_PYTHON3)
  add_test(NAME iam.evaluator
           COMMAND ${INFRAC_PYTHON3} -m unittest -v test_iam_eval
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/iam)
  add_test(NAME iam.moto
           COMMAND ${INFRAC_PYTHON3} -m unittest -v test_moto_accepts
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/iam)
  set_tests_properties(iam.evaluator iam.moto PROPERTIES
                       ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1" LABELS iam)
else()
  message(WARNING "python3 not found: the iam.* tests are not registered")
endif()
