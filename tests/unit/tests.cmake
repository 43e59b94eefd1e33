# Unit tests (cmocka), one executable per area of the front end and plan:
#   unit.cidr      CIDR parsing, alignment, containment, overlap, carving
#   unit.merge     includes and overlays: maps merge, lists and scalars
#                  replace, null deletes, positions survive
#   unit.names     name_fit, the hash suffix
#   unit.secrets   credential shapes and their near misses
#   unit.load      YAML 1.2 scalar resolution, JSON positions, limits
#   unit.identity  reordering keys, adding an AZ or a service renames
#                  nothing; the same spec plans to the same bytes
#   unit.tags      AWS tag text: characters, lengths in characters, UTF-8
set(UNIT_TEST_DIR ${CMAKE_CURRENT_LIST_DIR})
set(UNIT_TESTS cidr merge names secrets load identity tags)

foreach(t ${UNIT_TESTS})
  if(TARGET PkgConfig::CMOCKA AND EXISTS ${UNIT_TEST_DIR}/test_${t}.c)
    add_executable(test_${t} ${UNIT_TEST_DIR}/test_${t}.c)
    target_link_libraries(test_${t} PRIVATE infrac_core PkgConfig::CMOCKA)
    target_compile_definitions(test_${t} PRIVATE INFRAC_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
    add_test(NAME unit.${t} COMMAND test_${t})
    # a hang guard, not a speed measurement (speed is measured in bench/)
    set_tests_properties(unit.${t} PROPERTIES TIMEOUT 120)
  elseif(NOT TARGET PkgConfig::CMOCKA)
    # A missing test library is a failure, not a skip.
    add_test(NAME unit.${t} COMMAND sh -c
             "echo 'unit.${t}: cmocka not found (apt-get install libcmocka-dev)' >&2; exit 1")
  endif()
endforeach()
