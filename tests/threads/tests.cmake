# tests/threads: build and diff run their pieces on several threads (see
# src/jobs.h); what they print and write must not depend on it.
#   threads.same            every spec, example and error case built, and
#                           every diff case compared, with --jobs 1 and
#                           --jobs 8: the same files, bytes, stderr and exit
#                           status
#   threads.tsan            the same runs by a ThreadSanitizer build of its
#                           own (made by threads.tsan.build): no data race
set(THREADS_DIR ${CMAKE_CURRENT_LIST_DIR})
add_test(NAME threads.same COMMAND ${INFRAC_PYTHON3} -m unittest -v test_threads
         WORKING_DIRECTORY ${THREADS_DIR})
set_tests_properties(threads.same PROPERTIES
                     ENVIRONMENT "INFRAC=$<TARGET_FILE:infrac>;PYTHONDONTWRITEBYTECODE=1"
                     LABELS threads TIMEOUT 900)

set(TSAN_BUILD ${CMAKE_BINARY_DIR}/tsan-build)
add_test(NAME threads.tsan.build COMMAND sh -c
         "cmake -S '${CMAKE_SOURCE_DIR}' -B '${TSAN_BUILD}' -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINFRAC_TESTS=OFF '-DCMAKE_C_FLAGS=-fsanitize=thread' -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread >/dev/null && cmake --build '${TSAN_BUILD}' --target infrac -j2 >/dev/null")
set_tests_properties(threads.tsan.build PROPERTIES FIXTURES_SETUP tsan-build
                     LABELS threads TIMEOUT 900)
add_test(NAME threads.tsan COMMAND ${INFRAC_PYTHON3} -m unittest -v test_threads.Races
         WORKING_DIRECTORY ${THREADS_DIR})
set_tests_properties(threads.tsan PROPERTIES
                     ENVIRONMENT "INFRAC=${TSAN_BUILD}/infrac;INFRAC_TSAN=1;PYTHONDONTWRITEBYTECODE=1;TSAN_OPTIONS=halt_on_error=1 exitcode=66 report_signal_unsafe=0"
                     FIXTURES_REQUIRED tsan-build LABELS threads TIMEOUT 900)
