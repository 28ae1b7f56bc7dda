# aggregator/cmd/: the control socket's commands (one file each), their
# table (cmd.c, which adds each record kind's commands) and the request
# parser (cmd_parse.c).
noinst_LTLIBRARIES += aggregator/cmd/libcmd.la
aggregator_cmd_libcmd_la_SOURCES = aggregator/cmd/cmd.h aggregator/cmd/cmd.c \
	aggregator/cmd/cmd_parse.c aggregator/cmd/cmd_help.c \
	aggregator/cmd/cmd_status.c aggregator/cmd/cmd_nodes.c \
	aggregator/cmd/cmd_alerts.c aggregator/cmd/cmd_alerts_follow.c \
	aggregator/cmd/cmd_alert_ack.c
aggregator_cmd_libcmd_la_CPPFLAGS = $(AGGREGATOR_CPPFLAGS)
aggregator_cmd_libcmd_la_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(JSON_C_CFLAGS)
