// Reads DT_NEEDED and DT_RUNPATH/DT_RPATH from an ELF64 file (see origin_dependencies.h).
#include "origin_dependencies.h"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

namespace pio::host {
namespace {

namespace fs = std::filesystem;

// A bounds-checked view of the file's bytes: every read of a header goes through here, so a
// truncated or hostile file yields "no dependencies", not an out-of-bounds read.
class Bytes {
 public:
  explicit Bytes(std::string data) : data_(std::move(data)) {}

  template <typename T>
  std::optional<T> read(uint64_t offset) const {
    if (offset > data_.size() || data_.size() - offset < sizeof(T)) return std::nullopt;
    T value;
    std::memcpy(&value, data_.data() + offset, sizeof(T));
    return value;
  }

  std::optional<std::string_view> c_string(uint64_t offset) const {
    if (offset >= data_.size()) return std::nullopt;
    const char* begin = data_.data() + offset;
    const void* nul = std::memchr(begin, '\0', data_.size() - offset);
    if (nul == nullptr) return std::nullopt;
    return std::string_view(begin, static_cast<const char*>(nul) - begin);
  }

 private:
  std::string data_;
};

// "$ORIGIN/../lib" -> "<origin>/../lib"; entries without $ORIGIN give nullopt.
std::optional<fs::path> expand_origin(std::string_view entry, const fs::path& origin) {
  for (std::string_view token : {std::string_view("${ORIGIN}"), std::string_view("$ORIGIN")}) {
    if (const auto pos = entry.find(token); pos != std::string_view::npos) {
      std::string expanded(entry.substr(0, pos));
      expanded += origin.string();
      expanded += entry.substr(pos + token.size());
      return fs::path(expanded).lexically_normal();
    }
  }
  return std::nullopt;
}

}  // namespace

std::vector<fs::path> origin_relative_dependencies(const fs::path& elf_file, const fs::path& origin_dir) {
  std::vector<fs::path> found;
  std::error_code ec;
  const auto size = fs::file_size(elf_file, ec);
  std::ifstream in(elf_file, std::ios::binary);
  if (ec || !in) return found;
  std::string data(size, '\0');  // one read: plugins are MBs and this runs on every load
  in.read(data.data(), static_cast<std::streamsize>(size));
  data.resize(static_cast<size_t>(in.gcount()));
  const Bytes bytes(std::move(data));

  const auto header = bytes.read<Elf64_Ehdr>(0);
  if (!header || std::memcmp(header->e_ident, ELFMAG, SELFMAG) != 0 || header->e_ident[EI_CLASS] != ELFCLASS64 ||
      header->e_phentsize != sizeof(Elf64_Phdr)) {
    return found;
  }

  // Program headers: the dynamic segment, and the loadable segments to map addresses to offsets.
  std::optional<Elf64_Phdr> dynamic;
  std::vector<Elf64_Phdr> loads;
  for (uint16_t i = 0; i < header->e_phnum; ++i) {
    const auto ph = bytes.read<Elf64_Phdr>(header->e_phoff + uint64_t{i} * sizeof(Elf64_Phdr));
    if (!ph) return found;
    if (ph->p_type == PT_DYNAMIC) dynamic = ph;
    if (ph->p_type == PT_LOAD) loads.push_back(*ph);
  }
  if (!dynamic) return found;
  auto file_offset = [&](uint64_t vaddr) -> std::optional<uint64_t> {
    for (const Elf64_Phdr& load : loads) {
      if (vaddr >= load.p_vaddr && vaddr - load.p_vaddr < load.p_filesz) return vaddr - load.p_vaddr + load.p_offset;
    }
    return std::nullopt;
  };

  std::vector<uint64_t> needed;                 // string-table offsets
  std::optional<uint64_t> runpath, rpath, strtab_vaddr;
  for (uint64_t offset = dynamic->p_offset; offset + sizeof(Elf64_Dyn) <= dynamic->p_offset + dynamic->p_filesz;
       offset += sizeof(Elf64_Dyn)) {
    const auto entry = bytes.read<Elf64_Dyn>(offset);
    if (!entry || entry->d_tag == DT_NULL) break;
    switch (entry->d_tag) {
      case DT_NEEDED: needed.push_back(entry->d_un.d_val); break;
      case DT_RUNPATH: runpath = entry->d_un.d_val; break;
      case DT_RPATH: rpath = entry->d_un.d_val; break;
      case DT_STRTAB: strtab_vaddr = entry->d_un.d_ptr; break;
      default: break;
    }
  }
  if (!strtab_vaddr || (!runpath && !rpath)) return found;
  const auto strtab = file_offset(*strtab_vaddr);
  if (!strtab) return found;
  // DT_RUNPATH wins over DT_RPATH when both exist, as in the dynamic loader.
  const auto search = bytes.c_string(*strtab + (runpath ? *runpath : *rpath));
  if (!search) return found;

  std::vector<fs::path> origin_dirs;
  const fs::path origin = fs::absolute(origin_dir);
  std::string_view rest = *search;
  while (true) {
    const auto colon = rest.find(':');
    if (auto dir = expand_origin(rest.substr(0, colon), origin)) origin_dirs.push_back(*dir);
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }

  for (uint64_t name_offset : needed) {
    const auto name = bytes.c_string(*strtab + name_offset);
    if (!name || name->empty() || name->find('/') != std::string_view::npos) continue;
    for (const fs::path& dir : origin_dirs) {
      std::error_code ec;
      if (fs::is_regular_file(dir / *name, ec)) {
        found.push_back(dir / *name);
        break;
      }
    }
  }
  return found;
}

}  // namespace pio::host
