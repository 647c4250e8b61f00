# Writes OUT, a C++ source that holds the bytes of IN (ledger/event.fbs)
# exactly, for EventSchemaText() (ledger/event_schema.h). Run at build time:
#   cmake -DIN=event.fbs -DOUT=event_schema.cc -P embed_schema.cmake
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# Sixteen bytes a line (CMake's regular expressions have no {16}).
string(REPEAT "0x[0-9a-f][0-9a-f]," 16 line)
string(REGEX REPLACE "(${line})" "\\1\n    " bytes "${bytes}")
file(WRITE "${OUT}.tmp"
"// Generated from ledger/event.fbs by ledger/embed_schema.cmake. Do not edit.
#include \"ledger/event_schema.h\"

namespace custody {
namespace {
const unsigned char kSchema[${size}] = {
    ${bytes}};
}  // namespace

std::string_view EventSchemaText() {
  return std::string_view(reinterpret_cast<const char*>(kSchema), sizeof kSchema);
}

}  // namespace custody
")
# Only a changed schema rebuilds what depends on it.
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
