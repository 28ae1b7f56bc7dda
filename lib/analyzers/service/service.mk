# lib/analyzers/service/: the service analyzer (.start/.end/.error
# notifications in; per service and operation counts, errors, rates and
# latency percentiles out as `service` records).
noinst_LTLIBRARIES += lib/analyzers/service/libservice.la
lib_analyzers_service_libservice_la_SOURCES = lib/analyzers/service/service.c
lib_analyzers_service_libservice_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/lib/analyzers/oslo
lib_analyzers_service_libservice_la_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
ANALYZER_LIBS += lib/analyzers/service/libservice.la
