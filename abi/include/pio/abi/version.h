/* pio/abi/version.h — ABI version numbers, struct-size negotiation helpers and the export
 * attribute. Part of the Inference-PIO plugin ABI (plain C11; see pio/plugin_abi.h).
 *
 * Versioning rules (append only):
 *  - Every table and option struct begins with `uint32_t struct_size; uint32_t abi_version;`.
 *    `struct_size` is sizeof() of the struct as its producer compiled it; `abi_version` is the
 *    producer's PIO_ABI_VERSION.
 *  - A minor bump only appends members at the end of structs. A reader therefore reads a member
 *    only when the producer's struct_size covers it (PIO_STRUCT_COVERS), and calls a function
 *    pointer only when it is covered and non-NULL (PIO_API_HAS).
 *  - A major bump is a new, incompatible contract: the host refuses a plugin whose major differs
 *    from its own, logging both versions and the library path.
 */
#ifndef PIO_ABI_VERSION_H
#define PIO_ABI_VERSION_H

#include <stddef.h>
#include <stdint.h>

/** ABI major: changes only when an existing member changes meaning, type or position. \since 1.0 */
#define PIO_ABI_VERSION_MAJOR 1
/** ABI minor: bumped when members are appended. \since 1.0 */
#define PIO_ABI_VERSION_MINOR 0

/** Packs a version as (major << 16 | minor). \since 1.0 */
#define PIO_ABI_MAKE_VERSION(major, minor) ((uint32_t)(((uint32_t)(major) << 16) | ((uint32_t)(minor) & 0xFFFFu)))
/** Major part of a packed version. \since 1.0 */
#define PIO_ABI_VERSION_GET_MAJOR(version) ((uint32_t)(version) >> 16)
/** Minor part of a packed version. \since 1.0 */
#define PIO_ABI_VERSION_GET_MINOR(version) ((uint32_t)(version) & 0xFFFFu)
/** The version this header describes, packed. \since 1.0 */
#define PIO_ABI_VERSION PIO_ABI_MAKE_VERSION(PIO_ABI_VERSION_MAJOR, PIO_ABI_VERSION_MINOR)

/** Non-zero when two packed versions can talk to each other: same major, any minors (the side
 *  with the newer minor reads the older side's structs through struct_size only). \since 1.0 */
#define PIO_ABI_IS_COMPATIBLE(version_a, version_b) \
  (PIO_ABI_VERSION_GET_MAJOR(version_a) == PIO_ABI_VERSION_GET_MAJOR(version_b))

/** Non-zero when the struct at `ptr` (of C type `type`, first member `struct_size`) is large
 *  enough to contain `member`. Use it before reading any member added after v1.0. \since 1.0 */
#define PIO_STRUCT_COVERS(ptr, type, member) \
  ((size_t)(ptr)->struct_size >= offsetof(type, member) + sizeof(((const type*)0)->member))

/** Non-zero when the function-pointer `member` of table `ptr` exists in the producer's version
 *  and is set. Call an entry only when this holds. \since 1.0 */
#define PIO_API_HAS(ptr, type, member) (PIO_STRUCT_COVERS(ptr, type, member) && (ptr)->member != NULL)

/* Marks the one symbol a plugin exports. Plugins are built with -fvisibility=hidden. */
#if defined(_WIN32)
#define PIO_PLUGIN_EXPORT __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define PIO_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define PIO_PLUGIN_EXPORT
#endif

/* Compile-time layout guards, usable from C11 and C++. */
#ifdef __cplusplus
#define PIO_STATIC_ASSERT(condition, message) static_assert(condition, message)
#else
#define PIO_STATIC_ASSERT(condition, message) _Static_assert(condition, message)
#endif

#endif /* PIO_ABI_VERSION_H */
