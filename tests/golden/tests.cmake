# Plan goldens: the plan of every spec and example in every environment,
# compared with tests/golden/examples/ and out/ (see tests/tools/golden-check).
add_test(NAME golden.plan COMMAND ${CMAKE_SOURCE_DIR}/tests/tools/golden-check plan)
set_tests_properties(golden.plan PROPERTIES ENVIRONMENT "INFRAC=$<TARGET_FILE:infrac>")
