# tests/cloudformation: the CloudFormation emitter (src/emit/cloudformation.c).
#   cloudformation.unit       cmocka: quotas at their boundaries, logical IDs,
#                             container definitions, documents around
#                             references, every plan attribute rendered
#   golden.cloudformation     every spec and example, every environment,
#                             against out/ and tests/golden/examples/
#   cloudformation.template   each template's shape against its plan
#   cloudformation.lint       cfn-lint: no error and no warning (one run)
#   cloudformation.deploy     every template deploys into moto (one process);
#                             CartFul's network facts through moto's APIs
#   cloudformation.injection  hostile strings come back byte for byte
#   cloudformation.limits     past a quota: a clear error, nothing written
#   cloudformation.identity   growing a spec by neighbours whose names meet
#                             once cleaned renames no logical ID or export
set(CFN_TEST_DIR ${CMAKE_CURRENT_LIST_DIR})

if(TARGET PkgConfig::CMOCKA)
  add_executable(test_cfn ${CFN_TEST_DIR}/test_cfn.c)
  target_link_libraries(test_cfn PRIVATE infrac_core PkgConfig::CMOCKA)
  target_compile_definitions(test_cfn PRIVATE SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  add_test(NAME cloudformation.unit COMMAND test_cfn)
else()
  # A missing test library is a failure, not a skip.
  add_test(NAME cloudformation.unit COMMAND sh -c
           "echo 'cloudformation.unit: cmocka not found (apt-get install libcmocka-dev)' >&2; exit 1")
endif()

add_test(NAME golden.cloudformation COMMAND ${CMAKE_SOURCE_DIR}/tests/tools/golden-check cloudformation)
set_tests_properties(golden.cloudformation PROPERTIES ENVIRONMENT "INFRAC=$<TARGET_FILE:infrac>")

find_program(INFRAC_PYTHON3 NAMES python3 REQUIRED DOC "Python 3 for the tests/cloudformation suites")
foreach(suite template lint deploy injection limits identity)
  add_test(NAME cloudformation.${suite}
           COMMAND ${INFRAC_PYTHON3} -m unittest -v test_${suite}
           WORKING_DIRECTORY ${CFN_TEST_DIR})
  set_tests_properties(cloudformation.${suite} PROPERTIES
                       ENVIRONMENT "INFRAC=$<TARGET_FILE:infrac>;PYTHONDONTWRITEBYTECODE=1"
                       LABELS cloudformation TIMEOUT 300)
endforeach()
