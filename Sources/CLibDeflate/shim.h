// libdeflate, for deflating what the snapshot store keeps (Debian: libdeflate-dev). It writes and
// reads the zlib format whole-buffer, so blobs stored by zlib's compress2 read back unchanged.
#include <libdeflate.h>
