/* pq.h: libpq, loaded with dlopen(3) when a command first opens a
 * PostgreSQL store.  Linked in, libpq and the twenty libraries it pulls
 * in (TLS, Kerberos, LDAP) would be mapped and relocated by every jobq
 * process, a plain `jobq submit` on a spool too, which is a short
 * process whose cost is mostly start-up.  Code calls libpq by its own
 * names: the macros below route each call through the table. */
#ifndef PQ_H
#define PQ_H

#include <stdbool.h>

#include <libpq-fe.h>

#define PQ_FUNCTIONS(X) \
	X(PQbackendPID) \
	X(PQclear) \
	X(PQcmdTuples) \
	X(PQconnectdb) \
	X(PQconsumeInput) \
	X(PQerrorMessage) \
	X(PQescapeIdentifier) \
	X(PQexec) \
	X(PQexecParams) \
	X(PQfinish) \
	X(PQfreemem) \
	X(PQftype) \
	X(PQgetisnull) \
	X(PQgetlength) \
	X(PQgetvalue) \
	X(PQnfields) \
	X(PQnotifies) \
	X(PQntuples) \
	X(PQreset) \
	X(PQresultErrorField) \
	X(PQresultErrorMessage) \
	X(PQresultStatus) \
	X(PQsetNoticeProcessor) \
	X(PQsocket) \
	X(PQstatus) \
	X(PQtransactionStatus) \
	X(PQunescapeBytea)

#define PQ_MEMBER(f) __typeof__(f) *f;
struct pq_api {
	PQ_FUNCTIONS(PQ_MEMBER)
};
extern struct pq_api pq;

/* Loads libpq once; false with *cause (malloc'd) if it cannot. */
bool pq_load(char **cause);

#ifndef PQ_IMPLEMENTATION
#define PQbackendPID (pq.PQbackendPID)
#define PQclear (pq.PQclear)
#define PQcmdTuples (pq.PQcmdTuples)
#define PQconnectdb (pq.PQconnectdb)
#define PQconsumeInput (pq.PQconsumeInput)
#define PQerrorMessage (pq.PQerrorMessage)
#define PQescapeIdentifier (pq.PQescapeIdentifier)
#define PQexec (pq.PQexec)
#define PQexecParams (pq.PQexecParams)
#define PQfinish (pq.PQfinish)
#define PQfreemem (pq.PQfreemem)
#define PQftype (pq.PQftype)
#define PQgetisnull (pq.PQgetisnull)
#define PQgetlength (pq.PQgetlength)
#define PQgetvalue (pq.PQgetvalue)
#define PQnfields (pq.PQnfields)
#define PQnotifies (pq.PQnotifies)
#define PQntuples (pq.PQntuples)
#define PQreset (pq.PQreset)
#define PQresultErrorField (pq.PQresultErrorField)
#define PQresultErrorMessage (pq.PQresultErrorMessage)
#define PQresultStatus (pq.PQresultStatus)
#define PQsetNoticeProcessor (pq.PQsetNoticeProcessor)
#define PQsocket (pq.PQsocket)
#define PQstatus (pq.PQstatus)
#define PQtransactionStatus (pq.PQtransactionStatus)
#define PQunescapeBytea (pq.PQunescapeBytea)
#endif

#endif
