# tests/policy: the IAM documents (src/policy.c, src/emit/policies.c).
#   golden.policies   policies/ of every spec and example in every environment
#                     matches out/ and tests/golden/examples/
#   policy_unit       cmocka: references, placeholders, roles and their documents
#   policy.documents  iam_eval.lint on every generated document; moto accepts all
#   policy.semantics  the evaluator proves what CartFul's documents allow
#   policy.command    `infrac policy`: output, ROLE selection, errors, templates
#   policy.targets_agree  CloudFormation and Terraform carry exactly the same
#                     documents (Terraform read with @cdktf/hcl2json)
set(POLICY_TEST_DIR ${CMAKE_CURRENT_LIST_DIR})

add_test(NAME golden.policies COMMAND ${CMAKE_SOURCE_DIR}/tests/tools/golden-check policies)
set_tests_properties(golden.policies PROPERTIES ENVIRONMENT "INFRAC=$<TARGET_FILE:infrac>")

if(TARGET PkgConfig::CMOCKA)
  add_executable(test_policy ${POLICY_TEST_DIR}/test_policy.c)
  target_link_libraries(test_policy PRIVATE infrac_core PkgConfig::CMOCKA)
  add_test(NAME policy_unit COMMAND test_policy)
else()
  # A missing test library is a failure, not a skip.
  add_test(NAME policy_unit COMMAND sh -c
           "echo 'policy_unit: cmocka not found (apt-get install libcmocka-dev)' >&2; exit 1")
endif()

# Python unittest modules (iam_eval and moto_accepts live in tests/iam);
# each builds what it needs with one infrac run.
find_program(INFRAC_PYTHON3 NAMES python3 REQUIRED DOC "Python 3 for the Python test suites")
set(POLICY_SUITES documents semantics command targets_agree)
foreach(suite ${POLICY_SUITES})
  add_test(NAME policy.${suite}
           COMMAND ${INFRAC_PYTHON3} -m unittest -v test_${suite}
           WORKING_DIRECTORY ${POLICY_TEST_DIR})
  set_tests_properties(policy.${suite} PROPERTIES
                       ENVIRONMENT "INFRAC=$<TARGET_FILE:infrac>;PYTHONDONTWRITEBYTECODE=1"
                       LABELS policy)
endforeach()
