# medpipe_add_module(NAME SOURCES ... DEPENDS ... PRIVATE_DEPENDS ...)
# One library target per module: medpipe_<name>, aliased medpipe::<name>, exported as medpipe::<name>.
function(medpipe_add_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS;PRIVATE_DEPENDS" ${ARGN})
  set(target medpipe_${name})
  add_library(${target} ${ARG_SOURCES})
  add_library(medpipe::${name} ALIAS ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name} OUTPUT_NAME medpipe_${name})
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:include>)
  target_link_libraries(${target} PUBLIC ${ARG_DEPENDS} PRIVATE ${ARG_PRIVATE_DEPENDS})
  target_link_options(${target} INTERFACE ${MEDPIPE_SANITIZE_LINK_FLAGS})  # empty unless instrumented
  medpipe_set_warnings(${target})
  set_property(GLOBAL APPEND PROPERTY MEDPIPE_MODULE_TARGETS ${target})
  install(DIRECTORY include/ DESTINATION include)
endfunction()
