# tests/terraform: check_tree.mjs, the validity checker for generated
# Terraform trees, run on hand-written fixtures. Each folder under
# fixtures/ holds .tf files and `expected`, the exact output check_tree
# must print (empty: the tree must pass). One more case proves a missing
# terraform fails the check instead of skipping it.
set(TF_CHECK_DIR ${CMAKE_CURRENT_LIST_DIR})
file(GLOB TF_FIXTURES LIST_DIRECTORIES true CONFIGURE_DEPENDS ${TF_CHECK_DIR}/fixtures/*)
list(SORT TF_FIXTURES)
foreach(fixture ${TF_FIXTURES})
  if(IS_DIRECTORY ${fixture})
    get_filename_component(case ${fixture} NAME)
    add_test(NAME terraform_check_${case}
             COMMAND bash ${TF_CHECK_DIR}/run_fixture.sh ${fixture})
  endif()
endforeach()
add_test(NAME terraform_check_needs_terraform
         COMMAND sh -c "out=$(INFRAC_TERRAFORM=/nonexistent/terraform node ${TF_CHECK_DIR}/check_tree.mjs ${TF_CHECK_DIR}/fixtures/valid); rc=$?; echo \"$out\"; [ $rc -eq 1 ] && echo \"$out\" | grep -q 'terraform is required'")

# The Terraform emitter (src/emit/terraform.c): goldens, conformance of every
# generated tree, injection, CartFul facts, environments, identity, the
# S3 backend's locking, determinism and a broken template. All need node;
# the conformance, injection and backend tests also need terraform.
add_test(NAME golden.terraform COMMAND ${CMAKE_SOURCE_DIR}/tests/tools/golden-check terraform)
foreach(case conformance deterministic bad_template)
  add_test(NAME terraform.${case} COMMAND bash ${TF_CHECK_DIR}/run.sh ${case})
endforeach()
foreach(case facts injection envdiff identity backend)
  add_test(NAME terraform.${case} COMMAND node ${TF_CHECK_DIR}/${case}.mjs)
endforeach()
set_tests_properties(golden.terraform terraform.conformance terraform.deterministic terraform.bad_template
                     terraform.facts terraform.injection terraform.envdiff terraform.identity terraform.backend
                     PROPERTIES ENVIRONMENT "INFRAC=$<TARGET_FILE:infrac>")
# The emitter's guards on plans changed in memory (cmocka).
if(TARGET PkgConfig::CMOCKA)
  add_executable(test_terraform ${TF_CHECK_DIR}/test_terraform.c)
  target_link_libraries(test_terraform PRIVATE infrac_core PkgConfig::CMOCKA)
  target_compile_definitions(test_terraform PRIVATE INFRAC_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  add_test(NAME terraform.guards COMMAND test_terraform)
else()
  add_test(NAME terraform.guards COMMAND sh -c
           "echo 'terraform.guards: cmocka not found (apt-get install libcmocka-dev)' >&2; exit 1")
endif()
