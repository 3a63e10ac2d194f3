#pragma once
// Untrusted text made safe for an operator's terminal. Account ids, post ids, quotes and error
// messages arrive from the input topics as users wrote them; printed raw, an ESC ] 0 ; ... BEL
// would retitle the terminal, ESC [ 2 J clear it, ESC [ 31 m forge colours and OSC 52 write the
// clipboard, and U+202E would reverse what the operator reads.

#include <string>
#include <string_view>

namespace modstream::cli {

// `text` with every C0 and C1 control character, DEL, bidirectional control (U+061C, U+200E,
// U+200F, U+202A-U+202E, U+2066-U+2069) and byte of invalid UTF-8 replaced by a visible escape
// (\x1b, \u202e); a backslash becomes \\ so an escape cannot be forged. Everything else, emoji and
// other scripts included, is kept as it is. The result is one line.
std::string terminalSafe(std::string_view text);

}  // namespace modstream::cli
