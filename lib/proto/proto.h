/*
 * proto.h: the agent protocol, the one wire format between strata-agent and
 * strata-aggregator (docs/protocol.md), and the control socket's constants.  Frames are a fixed header followed
 * by a JSON body; this header is the only place the format is defined.
 *
 * proto.c is pure: it encodes messages into a memory buffer and decodes
 * frames incrementally from bytes; it knows nothing of sockets.
 */
#ifndef STRATA_PROTO_H
#define STRATA_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/*
 * Bump PROTO_VERSION if any of these change: the header layout, a message
 * type number, a body member's name or meaning.  Adding an optional body
 * member that an older peer may ignore is not a change.
 */
#define PROTO_VERSION		1

#define PROTO_MAGIC		0x53545241U	/* "STRA" */
#define PROTO_HDRLEN		12		/* see struct proto_hdr */
#define PROTO_MAX_FRAME		(16U * 1024 * 1024)	/* default cap, header included */
#define PROTO_MIN_FRAME		(256U * 1024)	/* smallest cap an aggregator takes */
#define PROTO_RECORD_MAX	(64U * 1024)	/* one serialized record, at most */
/*
 * Cap of the frames that are small by nature: the first frame an
 * aggregator reads (a HELLO is a few hundred bytes, so a stranger cannot
 * make it buffer more before the handshake) and every frame an agent
 * reads (WELCOME, ACK, REFUSE).
 */
#define PROTO_SMALL_FRAME	(4U * 1024)
#define PROTO_NODE_MAX		255		/* node name length */
#define PROTO_REASON_MAX	256		/* refusal reason length */

/*
 * The control socket (docs/control.md): newline-delimited JSON.  Bump
 * CTL_PROTOCOL_VERSION if a request or response shape changes.
 */
#define CTL_PROTOCOL_VERSION	1
#define CTL_SOCKET_DEFAULT	"/run/strata/aggregator.sock"
#define CTL_LINE_MAX		65536	/* longest request line, bytes */

/*
 * Frame header, every member in network byte order.  The body follows and is
 * exactly length bytes of JSON text (one object).
 */
struct proto_hdr {
	uint32_t	magic;		/* PROTO_MAGIC */
	uint16_t	version;	/* PROTO_VERSION of the sender */
	uint16_t	type;		/* enum proto_type */
	uint32_t	length;		/* body bytes */
};

/*
 * Message types.  A number is never reused: a retired type keeps its line
 * here, commented out, so the next type takes the next free number.
 */
enum proto_type {
	PROTO_HELLO = 1,	/* agent: version, node, agent_version, token, wall_ns */
	PROTO_WELCOME = 2,	/* aggregator: version, max_frame, aggregator_version */
	PROTO_REFUSE = 3,	/* either side: reason; the connection then closes */
	PROTO_BATCH = 4,	/* agent: seq, records (array of objects) */
	PROTO_ACK = 5,		/* aggregator: seq (every batch up to seq is stored) */
	PROTO_HEARTBEAT = 6,	/* agent: wall_ns, stats (object of counters) */
	/* next free number: 7 */
};

enum proto_status {
	PROTO_ERROR = -1,	/* the stream is bad; see proto_dec.err */
	PROTO_NEED_MORE = 0,	/* no whole frame yet; proto_dec.need bytes wanted */
	PROTO_OK = 1,		/* one frame decoded into the proto_msg */
};

/* Why decoding failed (proto_dec.code). */
enum proto_errcode {
	PROTO_E_NONE = 0,
	PROTO_E_MAGIC,		/* not a Strata frame */
	PROTO_E_VERSION,	/* header version is not PROTO_VERSION */
	PROTO_E_SIZE,		/* frame over the size cap */
	PROTO_E_TYPE,		/* unknown message type */
	PROTO_E_JSON,		/* body is not one JSON object */
	PROTO_E_SHAPE,		/* body members missing or of the wrong type */
};

/* One decoded message.  The pointers point into body and live as long as it. */
/* A BATCH record: its JSON text, scanned (an object, valid JSON). */
struct proto_rec {
	const char		*text;
	size_t			 len;
};

/*
 * A BATCH's records, pointing into a copy of the body (lib/jscan.c scans
 * the body; no json-c tree is built of it).  Counted references: ingest
 * keeps a batch it stores slice by slice after the frame is gone.
 */
struct proto_batch {
	int			 refs;
	size_t			 n;
	struct proto_rec	*recs;
	char			*text;		/* the body */
};

struct proto_msg {
	enum proto_type		 type;
	size_t			 framelen;	/* header + body bytes */
	struct json_object	*body;		/* owned; proto_msg_clear() drops it */

	int64_t			 version;	/* HELLO, WELCOME: body version */
	const char		*node;		/* HELLO */
	const char		*agent_version;	/* HELLO; WELCOME: aggregator_version */
	const char		*token;		/* HELLO, NULL when absent */
	int64_t			 wall_ns;	/* HELLO, HEARTBEAT */
	uint64_t		 seq;		/* BATCH, ACK */
	struct proto_batch	*batch;		/* BATCH: its records (body NULL) */
	struct json_object	*stats;		/* HEARTBEAT: object */
	const char		*reason;	/* REFUSE */
	uint32_t		 max_frame;	/* WELCOME */
};

/* Decoder state of one connection. */
struct proto_dec {
	uint32_t		 max_frame;	/* cap, header included */
	size_t			 need;		/* after NEED_MORE: bytes the frame needs */
	enum proto_errcode	 code;		/* after ERROR */
	char			 err[192];	/* after ERROR: the reason, for logs */
	struct json_tokener	*tok;
};

/* A growable byte buffer frames are encoded into. */
struct proto_buf {
	uint8_t		*data;
	size_t		 len;
	size_t		 size;
};

/* proto.c */
int		 proto_dec_init(struct proto_dec *, uint32_t max_frame);
void		 proto_dec_free(struct proto_dec *);
/*
 * Decodes the first frame of buf[0..len).  PROTO_OK fills *msg and sets *used
 * to the bytes it took; PROTO_NEED_MORE sets dec->need; PROTO_ERROR sets
 * dec->code and dec->err.  Errors are found as early as the bytes allow
 * (magic, version and size from the header alone).
 */
int		 proto_decode(struct proto_dec *, const void *buf, size_t len,
		    struct proto_msg *msg, size_t *used);
void		 proto_msg_clear(struct proto_msg *);
struct proto_batch *proto_batch_ref(struct proto_batch *);
void		 proto_batch_unref(struct proto_batch *);
const char	*proto_type_name(int type);

void		 proto_buf_reset(struct proto_buf *);
void		 proto_buf_free(struct proto_buf *);
int		 proto_buf_add(struct proto_buf *, const void *, size_t);

/* Appends one frame; body is any text (tests use it to forge frames). */
int		 proto_encode_raw(struct proto_buf *, uint16_t version,
		    uint16_t type, const void *body, size_t len);
/* Appends one frame whose body is obj serialized. */
int		 proto_encode(struct proto_buf *, enum proto_type,
		    struct json_object *obj);
int		 proto_hello(struct proto_buf *, const char *node,
		    const char *agent_version, const char *token, int64_t wall_ns);
int		 proto_welcome(struct proto_buf *, uint32_t max_frame,
		    const char *aggregator_version);
int		 proto_refuse(struct proto_buf *, const char *reason);
int		 proto_ack(struct proto_buf *, uint64_t seq);
int		 proto_heartbeat(struct proto_buf *, int64_t wall_ns,
		    struct json_object *stats);
/*
 * A BATCH is built from records already serialized (the agent's spool holds
 * them as text): begin, add each record, end with the batch's sequence.
 * begin returns the frame's offset in the buffer, which add and end take.
 */
size_t		 proto_batch_begin(struct proto_buf *);
int		 proto_batch_add(struct proto_buf *, size_t start,
		    const char *rec, size_t len);
int		 proto_batch_end(struct proto_buf *, size_t start, uint64_t seq);
/* Node names: 1..PROTO_NODE_MAX of [A-Za-z0-9._:-]. */
int		 proto_valid_node(const char *);
/* Splits "HOST:PORT" or "[V6]:PORT"; HOST may be empty or "*" (any). */
int		 proto_hostport(const char *, char *host, size_t hostlen,
		    char *port, size_t portlen);

#endif
