# aggregator/kinds/request/: the request kind (kind.c registers it):
# requests across services and nodes, and what each caused.
noinst_LTLIBRARIES += aggregator/kinds/request/libkind_request.la
aggregator_kinds_request_libkind_request_la_SOURCES = \
	aggregator/kinds/request/kind.c \
	aggregator/kinds/request/req_store.h \
	aggregator/kinds/request/req_int.h \
	aggregator/kinds/request/req_schema.c \
	aggregator/kinds/request/req_ingest.c \
	aggregator/kinds/request/req_query.c \
	aggregator/kinds/request/req_tree.c \
	aggregator/kinds/request/cmds.c \
	aggregator/kinds/request/cmd_requests.c \
	aggregator/kinds/request/cmd_request.c
aggregator_kinds_request_libkind_request_la_CPPFLAGS = $(APP_KIND_CPPFLAGS) \
	-I$(top_srcdir)/aggregator/kinds/vm \
	-I$(top_srcdir)/aggregator/kinds/migration \
	-I$(top_srcdir)/aggregator/kinds/kernel
aggregator_kinds_request_libkind_request_la_CFLAGS = $(AM_CFLAGS) \
	$(JSON_C_CFLAGS) $(SQLITE3_CFLAGS) $(LIBEVENT_CFLAGS)
KIND_LIBS += aggregator/kinds/request/libkind_request.la

# Its stratactl formatters (fmt_request.c) are compiled into stratactl
# (clients/clients.mk).

# Its web view (kind.c, .web): pages and script served as /kinds/request/.
webkindrequestdir = $(webdir)/kinds/request
dist_webkindrequest_DATA = aggregator/kinds/request/web/requests.html \
	aggregator/kinds/request/web/request.html \
	aggregator/kinds/request/web/request.js
