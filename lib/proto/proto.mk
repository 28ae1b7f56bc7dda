# lib/proto/: the agent <-> aggregator wire format (one header, versioned).
noinst_LTLIBRARIES += lib/proto/libproto.la
lib_proto_libproto_la_SOURCES = lib/proto/proto.h lib/proto/proto.c \
	lib/jscan.h lib/jscan.c
lib_proto_libproto_la_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
