# tests/kubernetes: the Kubernetes target (src/emit/kubernetes.c).
#   golden.kubernetes        every spec and example, every environment, against
#                            out/ and tests/golden/examples/
#   kubernetes.schema        every document against the kubernetes-models
#                            schemas (and external-secrets models), unknown
#                            fields included
#   kubernetes.consistency   selectors, references, DNS-1123 names, the
#                            kustomization, agreement with the plan, defaults
#   kubernetes.yaml11        js-yaml (YAML 1.2) and PyYAML (YAML 1.1) read the
#                            same documents; hostile env values read back exactly
#   kubernetes.errors        bad input and broken templates fail cleanly;
#                            tuned templates change the output
#   kubernetes.errors.<case> errors/<case>/: a spec the other targets build
#                            and this one refuses, with its exact message
#   kubernetes_unit          cmocka: key quoting, secret ARNs, CPU units
set(K8S_TEST_DIR ${CMAKE_CURRENT_LIST_DIR})

add_test(NAME golden.kubernetes COMMAND ${CMAKE_SOURCE_DIR}/tests/tools/golden-check kubernetes)
set_tests_properties(golden.kubernetes PROPERTIES ENVIRONMENT "INFRAC=$<TARGET_FILE:infrac>")

foreach(check schema consistency yaml11 errors)
  add_test(NAME kubernetes.${check} COMMAND bash ${K8S_TEST_DIR}/run ${check})
  set_tests_properties(kubernetes.${check} PROPERTIES
                       ENVIRONMENT "INFRAC=$<TARGET_FILE:infrac>;PYTHONDONTWRITEBYTECODE=1"
                       LABELS kubernetes)
endforeach()

file(GLOB K8S_ERROR_CASES LIST_DIRECTORIES true ${K8S_TEST_DIR}/errors/*)
list(SORT K8S_ERROR_CASES)
foreach(dir ${K8S_ERROR_CASES})
  if(IS_DIRECTORY ${dir})
    get_filename_component(case ${dir} NAME)
    add_test(NAME kubernetes.errors.${case} COMMAND bash ${K8S_TEST_DIR}/error-case ${dir})
    set_tests_properties(kubernetes.errors.${case} PROPERTIES
                         ENVIRONMENT "INFRAC=$<TARGET_FILE:infrac>" LABELS kubernetes)
  endif()
endforeach()

if(TARGET PkgConfig::CMOCKA)
  add_executable(test_kubernetes ${K8S_TEST_DIR}/test_kubernetes.c)
  target_link_libraries(test_kubernetes PRIVATE infrac_core PkgConfig::CMOCKA)
  add_test(NAME kubernetes_unit COMMAND test_kubernetes)
else()
  add_test(NAME kubernetes_unit COMMAND sh -c
           "echo 'kubernetes_unit: cmocka not found (apt-get install libcmocka-dev)' >&2; exit 1")
endif()
