# aggregator/http/: the aggregator's HTTP side (--http): the listener and
# its routes (http.c), /metrics (http_metrics.c), /api/ (http_api.c) and
# the web files (http_static.c), over lib/httpd.c and lib/prom.c.  The
# generic web files are web/ below; each kind installs its own into
# $(webdir)/kinds/KIND (its fragment).  Chart.js is Debian's
# libjs-chart.js: chartjs names the file served as /static/chart.js.
webdir = $(pkgdatadir)/web
chartjs = /usr/share/javascript/chart.js/chart.min.js

noinst_LTLIBRARIES += aggregator/http/libhttp.la
aggregator_http_libhttp_la_SOURCES = aggregator/http/http.h \
	aggregator/http/http_int.h aggregator/http/http.c \
	aggregator/http/http_metrics.c aggregator/http/http_api.c \
	aggregator/http/http_static.c
aggregator_http_libhttp_la_CPPFLAGS = $(AGGREGATOR_CPPFLAGS) \
	-DSTRATA_WEBDIR='"$(webdir)"' -DSTRATA_CHARTJS='"$(chartjs)"'
aggregator_http_libhttp_la_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) \
	$(JSON_C_CFLAGS)

dist_web_DATA = aggregator/http/web/index.html \
	aggregator/http/web/nodes.html aggregator/http/web/alerts.html \
	aggregator/http/web/strata.css aggregator/http/web/strata.js

dist_doc_DATA += docs/http.md
