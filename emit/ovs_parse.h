/*
 * ovs_parse.h: the readers of strata-ovs-bridge (emit/ovs_parse.c): Open
 * vSwitch's control-plane answers in, what changed since the last reading
 * out, through callbacks.  The OVSDB transact select of Bridge, Port and
 * Interface, `dpctl/show`, `dpctl/dump-flows -m`, `coverage/read-counter
 * bridge_reconfigure` and the dpif module's debug lines of ovs-vswitchd's
 * log.  No sockets and no tracepoints: the bridge (or
 * tests/fuzz/fuzz_ovs_bridge.c) reads the answers and hands them over, and
 * turns the calls into ovs:* events (emit/ovs_tp.h).  Strings passed to
 * the callbacks may be empty: the bridge writes "-" for those.
 */
#ifndef STRATA_OVS_PARSE_H
#define STRATA_OVS_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#define OVSP_NAME_LEN	128
#define OVSP_RUNS_MAX	1000	/* reconfigure "run" calls a reading */

struct ovsp_iface {
	char		 name[OVSP_NAME_LEN];
	char		 bridge[OVSP_NAME_LEN];
	int		 ofport;
	char		 iface_id[OVSP_NAME_LEN];
	char		 attached_mac[32];
	char		 vm_uuid[OVSP_NAME_LEN];
	char		 mac[32];
	int		 seen;		/* in this reading */
};

struct ovsp_bport {
	char		 bridge[OVSP_NAME_LEN];
	char		 port[OVSP_NAME_LEN];
	int		 seen;
};

struct ovsp_flow {
	char		*ufid;
	char		 bridge[OVSP_NAME_LEN];
	int		 seen;		/* -1: deleted (the log), compacted later */
};

/* A datapath port: number and name, from dpctl/show. */
struct ovsp_dport {
	char		 dp[OVSP_NAME_LEN];
	unsigned	 no;
	char		 name[OVSP_NAME_LEN];
};

/* What the readers tell; arg is ovsp_init()'s. */
struct ovsp_cb {
	void	(*port_map)(void *arg, const struct ovsp_iface *f,
		    int present);
	void	(*reconfigure)(void *arg, const char *what,
		    const char *bridge, const char *port);
	void	(*dp_stats)(void *arg, const char *dp, const char *bridge,
		    unsigned long long hit, unsigned long long missed,
		    unsigned long long lost, unsigned long long flows);
	void	(*flow_put)(void *arg, const char *bridge, const char *ufid,
		    const char *text);
	void	(*flow_del)(void *arg, const char *bridge, const char *ufid,
		    const char *reason);
};

/* What is known of one ovs-vswitchd, from reading to reading. */
struct ovsp {
	const struct ovsp_cb *cb;
	void		*arg;
	struct ovsp_iface *ifs;
	size_t		 nifs, capifs;
	struct ovsp_bport *ports;
	size_t		 nports, capports;
	struct ovsp_flow *flows;
	size_t		 nflows, capflows;
	/* Open addressing over flows[] by ufid: a dump of 100k flows is O(n). */
	size_t		*fidx;			/* index + 1; 0 free */
	size_t		 fidx_cap;
	struct ovsp_dport *dports;
	size_t		 ndports, capdports;
	int		 have_db, have_dump;	/* baselines taken */
	int64_t		 reconf;		/* bridge_reconfigure, -1 unknown */
	uint64_t	 events;		/* callbacks made */
};

void	 ovsp_init(struct ovsp *, const struct ovsp_cb *, void *);
void	 ovsp_free(struct ovsp *);

/* The params of the OVSDB transact whose result ovsp_db() reads. */
struct json_object *ovsp_db_params(void);
int	 ovsp_db(struct ovsp *, struct json_object *);

/* dpctl/show's text (cut up); *dps: the datapaths' names, malloc'd. */
void	 ovsp_dps(struct ovsp *, char *, char ***, size_t *);

/* One round of dumps: begin, the text (cut up) of each that answered, end. */
void	 ovsp_flows_begin(struct ovsp *);
void	 ovsp_flows_dump(struct ovsp *, const char *, char *);
void	 ovsp_flows_end(struct ovsp *, size_t, size_t);

void	 ovsp_coverage(struct ovsp *, const char *);

/* One line of ovs-vswitchd's log as fgets() reads it (cut up). */
void	 ovsp_log_line(struct ovsp *, char *);

#endif
