/*
 * spool.h: the agent's on-disk queue of records not yet acknowledged by the
 * aggregator.  An append-only, size-capped file of lines (docs/protocol.md,
 * "Spool"): records are appended as they come, read back into batches,
 * marked acknowledged, and compacted away; a restarted agent reopens the
 * file and resends only what was never acknowledged.
 */
#ifndef STRATA_SPOOL_H
#define STRATA_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

struct spool;

/* Called by spool_read() for each record: 0, or -1 to stop with an error. */
typedef int (*spool_cb)(void *arg, uint64_t seq, const char *rec, size_t len);

/*
 * Opens (or creates) the spool at path, NULL for one in memory only.  A
 * spool that holds more than max_bytes drops its oldest records (logged and
 * counted).  NULL with a log line on failure, also when path exists but is
 * not a spool.
 */
struct spool	*spool_open(const char *path, uint64_t max_bytes);
/* Writes out what is buffered and closes; unacknowledged records stay. */
void		 spool_close(struct spool *);
/* Appends one serialized record (one line of JSON); its seq, 0 if refused. */
uint64_t	 spool_append(struct spool *, const char *rec, size_t len);
/*
 * Hands the next records not yet sent to cb: at most max records and, past
 * the first, at most maxbytes of record text.  They are then in flight as
 * one batch whose seq is *last.  Returns how many, or -1.
 */
int		 spool_read(struct spool *, unsigned max, size_t maxbytes,
		    spool_cb cb, void *arg, uint64_t *last);
/*
 * The batch ending at seq is stored: it and every record before it are done.
 * 0 (also for a seq already acked), -1 if seq ends no batch in flight.
 */
int		 spool_ack(struct spool *, uint64_t seq);
/* The connection is gone: every record in flight is to be sent again. */
void		 spool_rewind(struct spool *);
/* Writes buffered records to the file (the page cache). */
int		 spool_flush(struct spool *);
/* spool_flush() and fdatasync(): what was appended survives a power loss. */
int		 spool_sync(struct spool *);

uint64_t	 spool_unacked(const struct spool *);	/* records not acked */
uint64_t	 spool_unsent(const struct spool *);	/* of those, not in flight */
uint64_t	 spool_bytes(const struct spool *);	/* file size */
uint64_t	 spool_dropped(const struct spool *);	/* lost to the size cap */
unsigned	 spool_batches(const struct spool *);	/* batches in flight */
/* Adds the spool's counters (spool_*) to obj. */
void		 spool_stats(const struct spool *, struct json_object *obj);

#endif
