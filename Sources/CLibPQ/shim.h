#include <libpq-fe.h>

// PG_DIAG_SQLSTATE and PG_DIAG_MESSAGE_PRIMARY are character-literal macros, which Swift
// does not import: expose them as functions so errors can be read by field.
static inline int stackdrift_pg_diag_sqlstate(void) {
    return PG_DIAG_SQLSTATE;
}

static inline int stackdrift_pg_diag_message_primary(void) {
    return PG_DIAG_MESSAGE_PRIMARY;
}

// libpq prints the server's notices ("relation already exists, skipping") on stderr unless
// told otherwise; stackdrift's terminal output is its own, so notices go nowhere.
static void stackdrift_pg_ignore_notice(void *arg, const char *message) {
    (void)arg;
    (void)message;
}

static inline void stackdrift_pg_silence_notices(PGconn *connection) {
    PQsetNoticeProcessor(connection, stackdrift_pg_ignore_notice, 0);
}
