# Error cases: one folder per case, each a spec and its exact expected
# stderr (see tests/tools/error-case). A case with a ./generate script
# writes inputs too big to commit into a scratch copy first
# (tests/errors/run-generated).
file(GLOB ERROR_CASES LIST_DIRECTORIES true ${CMAKE_SOURCE_DIR}/tests/errors/*)
list(SORT ERROR_CASES)
foreach(dir ${ERROR_CASES})
  if(IS_DIRECTORY ${dir})
    get_filename_component(case ${dir} NAME)
    if(EXISTS ${dir}/generate)
      add_test(NAME errors.${case}
               COMMAND ${CMAKE_SOURCE_DIR}/tests/errors/run-generated ${dir})
    else()
      add_test(NAME errors.${case}
               COMMAND ${CMAKE_SOURCE_DIR}/tests/tools/error-case ${dir})
    endif()
    set_tests_properties(errors.${case} PROPERTIES ENVIRONMENT "INFRAC=$<TARGET_FILE:infrac>")
  endif()
endforeach()
