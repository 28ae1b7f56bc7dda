# lib/analyzers/port/: the port analyzer (Neutron port/network/subnet/router
# notifications in; port, network, subnet and router records out).
noinst_LTLIBRARIES += lib/analyzers/port/libport.la
lib_analyzers_port_libport_la_SOURCES = lib/analyzers/port/port.c
lib_analyzers_port_libport_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/lib/analyzers/oslo
lib_analyzers_port_libport_la_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
ANALYZER_LIBS += lib/analyzers/port/libport.la
