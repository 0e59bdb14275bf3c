// Which shared libraries a plugin finds through `$ORIGIN` in its RPATH/RUNPATH (host-internal).
//
// Why: the host loads a private copy of each plugin (library_copy.h). For the copy, `$ORIGIN` is
// the copy's folder, so a dependency the original finds relative to itself (an installed plugin
// has RPATH `$ORIGIN/../../..` to reach libtensor_ops.so) would not be found. The loader
// therefore opens those dependencies from the original's location first; the copy's DT_NEEDED
// entry then matches the already loaded library by its soname.
#pragma once

#include <filesystem>
#include <vector>

namespace pio::host {

// For each DT_NEEDED entry of the ELF file `elf_file` that one of its `$ORIGIN`-relative
// RPATH/RUNPATH folders (with $ORIGIN = `origin_dir`, the original library's folder) contains,
// that file's path, in
// DT_NEEDED order. Needed libraries found elsewhere (absolute RPATH entries, the system) are not
// listed: they resolve the same way for the copy. Returns an empty list for a file that is not
// a 64-bit ELF shared object or has no such entries; never throws for malformed input.
std::vector<std::filesystem::path> origin_relative_dependencies(const std::filesystem::path& elf_file,
                                                                const std::filesystem::path& origin_dir);

}  // namespace pio::host
