// Linux system calls that glibc has no wrapper for (Debian: linux-libc-dev, with libc6-dev).
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#ifndef O_PATH
// glibc names it only under _GNU_SOURCE; the kernel's value on x86-64 and arm64 (asm-generic).
#define O_PATH 010000000
#endif

// The directory `path` names inside the tree whose root is open as `root`, as an O_PATH
// descriptor (for *at calls only), by openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS:
// `path` is looked up as if `root` were the file system's root, so absolute links and `..`
// never leave it, and /proc's magic links are refused. -1 with errno set on failure, ENOSYS
// where the kernel (or a seccomp filter) lacks openat2.
static inline int stackdrift_open_directory_in_root(int root, const char *path) {
#ifdef SYS_openat2
    struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC, .mode = 0,
                            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
    return (int)syscall(SYS_openat2, root, path, &how, sizeof how);
#else
    errno = ENOSYS;
    return -1;
#endif
}

// Starts writing a file's dirty pages in [offset, offset + count) to disk without waiting
// (sync_file_range(2) with SYNC_FILE_RANGE_WRITE, which glibc declares only under _GNU_SOURCE):
// a large report is then mostly on disk when its fsync comes. Only a hint; -1 with errno set
// where the file system or kernel cannot.
static inline int stackdrift_start_writeback(int descriptor, long long offset, long long count) {
#ifdef SYS_sync_file_range
    return (int)syscall(SYS_sync_file_range, descriptor, offset, count, 2u /* SYNC_FILE_RANGE_WRITE */);
#else
    errno = ENOSYS;
    return -1;
#endif
}
