#include <libssh2.h>
#include <libssh2_sftp.h>

// libssh2's convenience calls are function-like macros, which Swift cannot import.
// Each wrapper below stands for one of them and says why it exists; everything
// else is called through libssh2's `_ex` functions directly from Swift.

// `libssh2_channel_open_session` is a macro over `libssh2_channel_open_ex` whose
// window and packet defaults are themselves macro expressions; keep libssh2's defaults.
static inline LIBSSH2_CHANNEL *stackdrift_ssh2_channel_open_session(LIBSSH2_SESSION *session) {
    return libssh2_channel_open_session(session);
}
