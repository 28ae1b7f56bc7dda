# lib/analyzers/request/: the request analyzer (notifications and log lines
# with a request id in; request records out).
noinst_LTLIBRARIES += lib/analyzers/request/librequest.la
lib_analyzers_request_librequest_la_SOURCES = lib/analyzers/request/request.c
lib_analyzers_request_librequest_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/lib/analyzers/oslo
lib_analyzers_request_librequest_la_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
ANALYZER_LIBS += lib/analyzers/request/librequest.la
