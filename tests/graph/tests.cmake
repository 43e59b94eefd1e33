# tests/graph: the architecture diagram (src/graph.c, `infrac graph`, the
# graph target writing diagram.dot and diagram.mmd).
#   golden.graph      diagram.dot and diagram.mmd of every spec and example in
#                     every environment match out/ and tests/golden/examples/
#   graph_unit        cmocka: DOT and Mermaid escaping, Mermaid IDs, edges
#   graph.render      Graphviz renders every diagram to SVG without a warning
#   graph.structure   the DOT, read back through `dot -Tjson0`, holds a node per
#                     subnet, NAT, service, database, table, registry and role,
#                     in the right boxes, and exactly the edges the plan wires
#   graph.intent      the same diagrams against what each spec asks for
#   graph.mermaid     the npm mermaid parser reads every diagram.mmd as the
#                     same picture as its DOT
#   graph.escaping    hostile IDs and labels survive dot and mermaid exactly
#   graph.fresh       docs/cartful.svg is what dot renders from CartFul today
set(GRAPH_TEST_DIR ${CMAKE_CURRENT_LIST_DIR})

add_test(NAME golden.graph COMMAND ${CMAKE_SOURCE_DIR}/tests/tools/golden-check graph)
set_tests_properties(golden.graph PROPERTIES ENVIRONMENT "INFRAC=$<TARGET_FILE:infrac>")

if(TARGET PkgConfig::CMOCKA)
  add_executable(test_graph ${GRAPH_TEST_DIR}/test_graph.c)
  target_link_libraries(test_graph PRIVATE infrac_core PkgConfig::CMOCKA)
  add_test(NAME graph_unit COMMAND test_graph)
  set(GRAPH_HOSTILE "$<TARGET_FILE:test_graph>")
else()
  # A missing test library is a failure, not a skip.
  add_test(NAME graph_unit COMMAND sh -c
           "echo 'graph_unit: cmocka not found (apt-get install libcmocka-dev)' >&2; exit 1")
  set(GRAPH_HOSTILE "")
endif()

find_program(INFRAC_PYTHON3 NAMES python3 REQUIRED DOC "Python 3 for the Python test suites")
foreach(suite Render Structure Intent Mermaid Escaping Fresh)
  string(TOLOWER ${suite} name)
  add_test(NAME graph.${name}
           COMMAND ${INFRAC_PYTHON3} -m unittest -v test_graph.${suite}
           WORKING_DIRECTORY ${GRAPH_TEST_DIR})
  set_tests_properties(graph.${name} PROPERTIES
                       ENVIRONMENT "INFRAC=$<TARGET_FILE:infrac>;GRAPH_HOSTILE=${GRAPH_HOSTILE};PYTHONDONTWRITEBYTECODE=1"
                       LABELS graph)
endforeach()
