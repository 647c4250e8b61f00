# Writes OUT: a header holding the bytes of IN as a string constant NAME
# (kRunbookJson unless given), exactly.
if(NOT NAME)
  set(NAME kRunbookJson)
endif()
file(READ ${IN} content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${content}")
file(WRITE ${OUT} "// Generated from ${IN}; do not edit.\n#pragma once\n#include <string_view>\n"
     "inline constexpr std::string_view ${NAME} =\n    \"${escaped}\";\n")
