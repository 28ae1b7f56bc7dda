/*
 * fuzz_store.h: what fuzz_ingest and fuzz_ctl do to the store they fuzz
 * against.  store_open() makes it as the aggregator does, on a file (the
 * schema, its upgrade steps, WAL); then the database is moved into memory
 * whole, on the same connection (sqlite3_deserialize()), so the inputs'
 * transactions cost no system calls: on a file (even on /dev/shm) an
 * input of fuzz_ingest made some 70 pwrite(2) calls, and its system time
 * halves.  The store's SQL, statements and transactions are the same;
 * only the pager is SQLite's in-memory one, with an in-memory rollback
 * journal in place of WAL.  Include after fuzz.h and sqlite3.h.
 */
#ifndef STRATA_FUZZ_STORE_H
#define STRATA_FUZZ_STORE_H

/* Moves the main database of db into memory; -1 if it cannot. */
static int
fuzz_store_memory(sqlite3 *db)
{
	unsigned char *img;
	sqlite3_int64 size;

	if ((img = sqlite3_serialize(db, "main", &size, 0)) == NULL ||
	    size < 100)
		return -1;
	/* The file format bytes say WAL (2); the in-memory pager wants 1. */
	img[18] = img[19] = 1;
	if (sqlite3_deserialize(db, "main", img, size, size,
	    SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE) !=
	    SQLITE_OK)
		return -1;
	return sqlite3_exec(db, "PRAGMA journal_mode = MEMORY;"
	    "PRAGMA locking_mode = EXCLUSIVE", NULL, NULL, NULL) == SQLITE_OK ?
	    0 : -1;
}

#endif
