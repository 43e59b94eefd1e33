# tests/hcl: the HCL writer (src/emit/hcl.c).
#   hcl_unit                 cmocka: escaping, alignment, nesting, templates, keys
#   hcl_fmt_conformance      generated documents (fixed and seeded random) pass
#                            `terraform fmt -check` unchanged
#   hcl_injection_roundtrip  hostile strings come back as the same literals
#                            from @cdktf/hcl2json and from terraform itself
set(HCL_TEST_DIR ${CMAKE_CURRENT_LIST_DIR})

if(TARGET PkgConfig::CMOCKA)
  add_executable(test_hcl ${HCL_TEST_DIR}/test_hcl.c)
  target_link_libraries(test_hcl PRIVATE infrac_core PkgConfig::CMOCKA)
  add_test(NAME hcl_unit COMMAND test_hcl)
else()
  # A missing test library is a failure, not a skip.
  add_test(NAME hcl_unit COMMAND sh -c
           "echo 'hcl_unit: cmocka not found (apt-get install libcmocka-dev)' >&2; exit 1")
endif()

add_executable(hcl_gen ${HCL_TEST_DIR}/hcl_gen.c)
target_link_libraries(hcl_gen PRIVATE infrac_core)

if(TARGET test_hcl)
  set(HCL_UNIT_DUMP $<TARGET_FILE:test_hcl>)
endif()
add_test(NAME hcl_fmt_conformance
         COMMAND bash ${HCL_TEST_DIR}/fmt_conformance.sh $<TARGET_FILE:hcl_gen>
                 ${CMAKE_BINARY_DIR}/tests/hcl/fmt ${HCL_UNIT_DUMP})
add_test(NAME hcl_injection_roundtrip
         COMMAND bash ${HCL_TEST_DIR}/roundtrip.sh $<TARGET_FILE:hcl_gen>
                 ${CMAKE_BINARY_DIR}/tests/hcl/roundtrip)
