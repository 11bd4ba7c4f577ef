#pragma once
// Files are written atomically: to `path.tmp.<pid>`, flushed and fsync'ed, then renamed over `path`,
// so a reader (or a resumed run after a kill) sees either the old file or the new one, never half.
#include <string>
#include <string_view>

namespace ocres {

// Throws InputError (naming the path) if the file cannot be written.
void write_file_atomic(const std::string& path, std::string_view bytes);
// Reads a whole file; throws InputError if missing.
std::string read_file(const std::string& path);

}  // namespace ocres
