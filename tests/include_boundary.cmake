# Checks one module's boundary (src/CMakeLists.txt) with the compiler itself: a one-line source
# that includes a header is compiled (syntax only) with the include path and definitions the
# module's own files are compiled with. Each header of REACHABLE must compile; each of UNREACHABLE
# must fail because the file is not found, and for no other reason.
#
#   cmake -DCOMPILER=c++ -DINCLUDES="dir|dir" -DDEFINITIONS="A|B=1" -DWORK_DIR=dir
#         -DREACHABLE="api/api_types.h" -DUNREACHABLE="store/slot_table.h" -P include_boundary.cmake
foreach(variable COMPILER INCLUDES WORK_DIR REACHABLE UNREACHABLE)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "include_boundary.cmake needs -D${variable}=...")
  endif()
endforeach()

set(flags -std=c++20 -fsyntax-only)
string(REPLACE "|" ";" include_dirs "${INCLUDES}")
foreach(dir IN LISTS include_dirs)
  list(APPEND flags -I${dir})
endforeach()
string(REPLACE "|" ";" definitions "${DEFINITIONS}")
foreach(definition IN LISTS definitions)
  list(APPEND flags -D${definition})
endforeach()

# The probe lives alone in its directory: a quoted include looks beside the including file first.
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(probe ${WORK_DIR}/probe.cpp)

function(compile_probe header result_variable errors_variable)
  file(WRITE ${probe} "#include \"${header}\"\n")
  execute_process(COMMAND ${COMPILER} ${flags} ${probe} RESULT_VARIABLE result
                  OUTPUT_VARIABLE output ERROR_VARIABLE errors)
  set(${result_variable} ${result} PARENT_SCOPE)
  set(${errors_variable} "${output}${errors}" PARENT_SCOPE)
endfunction()

string(REPLACE "|" ";" reachable "${REACHABLE}")
foreach(header IN LISTS reachable)
  compile_probe(${header} result errors)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "#include \"${header}\" should compile here and does not:\n${errors}")
  endif()
  message(STATUS "reachable, as it should be: ${header}")
endforeach()

string(REPLACE "|" ";" unreachable "${UNREACHABLE}")
foreach(header IN LISTS unreachable)
  compile_probe(${header} result errors)
  if(result EQUAL 0)
    message(FATAL_ERROR "#include \"${header}\" compiles here: the module boundary is open")
  endif()
  # GCC says "x/y.h: No such file or directory", clang "'x/y.h' file not found".
  string(REGEX MATCH "${header}'?:? (No such file or directory|file not found)" not_found
         "${errors}")
  if(NOT not_found)
    message(FATAL_ERROR "#include \"${header}\" failed for another reason than a missing file:\n"
                        "${errors}")
  endif()
  message(STATUS "unreachable, as it should be: ${header}")
endforeach()
