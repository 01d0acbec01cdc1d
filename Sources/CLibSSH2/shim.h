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

// libssh2 takes its socket callbacks as `void *` (`libssh2_session_callback_set`), to which
// Swift cannot convert a C function pointer; this takes them typed and passes them on.
// stackdrift reads and writes the socket itself to bound every byte by the host's deadline
// and to cap what a server may send before its SSH version line (see SSH/SocketWatch.swift).
typedef ssize_t (*stackdrift_ssh2_recv_function)(libssh2_socket_t, void *, size_t, int, void **);
typedef ssize_t (*stackdrift_ssh2_send_function)(libssh2_socket_t, const void *, size_t, int, void **);
static inline void stackdrift_ssh2_set_socket_functions(LIBSSH2_SESSION *session, stackdrift_ssh2_recv_function receive,
                                                        stackdrift_ssh2_send_function send) {
    libssh2_session_callback_set(session, LIBSSH2_CALLBACK_RECV, (void *)receive);
    libssh2_session_callback_set(session, LIBSSH2_CALLBACK_SEND, (void *)send);
}
