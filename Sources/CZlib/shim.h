// zlib, for deflating what the snapshot store keeps (Debian: zlib1g-dev).
#include <zlib.h>
