# systemd/systemd.mk: the systemd units, sysusers.d and tmpfiles.d files,
# the example configurations and the Python logging module, and how they
# are installed (docs/operations.md, "Install").
#
# Directories, each overridable on make's command line:
#   systemdsystemunitdir, sysusersdir, tmpfilesdir: empty means: with
#     prefix /usr or /usr/local what `pkg-config systemd` says (without
#     pkg-config: /lib/systemd/system, /usr/lib/sysusers.d,
#     /usr/lib/tmpfiles.d); with any other prefix (/opt/strata, distcheck)
#     $(prefix)/lib/systemd/system, $(prefix)/lib/sysusers.d and
#     $(prefix)/lib/tmpfiles.d, so that a private tree stays private.
#   strata_pythondir: strata_logging.py (Debian's dist-packages layout).
#   strata_confdir: agent.conf and aggregator.conf, copied from the
#     examples only when missing: an existing configuration is never
#     overwritten, and `make uninstall` removes one only if unmodified.
#   lttng_relayd: the lttng-relayd strata-relayd.service runs.
# `make strata-dirs` prints where everything goes.
systemdsystemunitdir =
sysusersdir =
tmpfilesdir =
strata_pythondir = $(prefix)/lib/python3/dist-packages
strata_confdir = $(sysconfdir)/strata
lttng_relayd = /usr/bin/lttng-relayd

systemd_units = systemd/strata-agent.service \
	systemd/strata-aggregator.service systemd/strata-relayd.service
systemd_confs = agent aggregator

# Built with `make all`; installed by the hooks below.
noinst_DATA = $(systemd_units)
CLEANFILES += $(systemd_units)
EXTRA_DIST += systemd/strata-agent.service.in \
	systemd/strata-aggregator.service.in \
	systemd/strata-relayd.service.in \
	systemd/strata.sysusers systemd/strata.tmpfiles

strata_examplesdir = $(docdir)/examples
dist_strata_examples_DATA = systemd/agent.conf.example \
	systemd/aggregator.conf.example
dist_strata_python_DATA = python/strata_logging.py
dist_doc_DATA += docs/operations.md

systemd_edit = sed -e 's|@sbindir[@]|$(sbindir)|g' \
	-e 's|@bindir[@]|$(bindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g' \
	-e 's|@LTTNG_RELAYD[@]|$(lttng_relayd)|g'

systemd/strata-agent.service: $(srcdir)/systemd/strata-agent.service.in \
	Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && rm -f $@ $@.tmp && \
	$(systemd_edit) $(srcdir)/systemd/strata-agent.service.in >$@.tmp && \
	mv $@.tmp $@
systemd/strata-aggregator.service: \
	$(srcdir)/systemd/strata-aggregator.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && rm -f $@ $@.tmp && \
	$(systemd_edit) $(srcdir)/systemd/strata-aggregator.service.in \
	    >$@.tmp && mv $@.tmp $@
systemd/strata-relayd.service: $(srcdir)/systemd/strata-relayd.service.in \
	Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && rm -f $@ $@.tmp && \
	$(systemd_edit) $(srcdir)/systemd/strata-relayd.service.in >$@.tmp && \
	mv $@.tmp $@

# Sets unitdir, sysusersdir and tmpfilesdir in the shell (see above).
systemd_dirs = \
	unitdir='$(systemdsystemunitdir)'; sysusersdir='$(sysusersdir)'; \
	tmpfilesdir='$(tmpfilesdir)'; \
	case '$(prefix)' in \
	/usr|/usr/|/usr/local|/usr/local/) \
	    pc() { $(PKG_CONFIG) --variable=$$1 systemd 2>/dev/null || :; }; \
	    test -n "$$unitdir" || unitdir=`pc systemdsystemunitdir`; \
	    test -n "$$sysusersdir" || sysusersdir=`pc sysusersdir`; \
	    test -n "$$tmpfilesdir" || tmpfilesdir=`pc tmpfilesdir`; \
	    test -n "$$unitdir" || unitdir=/lib/systemd/system; \
	    test -n "$$sysusersdir" || sysusersdir=/usr/lib/sysusers.d; \
	    test -n "$$tmpfilesdir" || tmpfilesdir=/usr/lib/tmpfiles.d;; \
	*) \
	    test -n "$$unitdir" || unitdir='$(prefix)/lib/systemd/system'; \
	    test -n "$$sysusersdir" || sysusersdir='$(prefix)/lib/sysusers.d'; \
	    test -n "$$tmpfilesdir" || tmpfilesdir='$(prefix)/lib/tmpfiles.d';; \
	esac

strata-dirs:
	@$(systemd_dirs); \
	echo "sbindir=$(sbindir)"; echo "bindir=$(bindir)"; \
	echo "unitdir=$$unitdir"; echo "sysusersdir=$$sysusersdir"; \
	echo "tmpfilesdir=$$tmpfilesdir"; \
	echo "confdir=$(strata_confdir)"; echo "examplesdir=$(strata_examplesdir)"; \
	echo "pythondir=$(strata_pythondir)"; echo "mandir=$(mandir)"

install-data-local: strata-install-systemd
uninstall-local: strata-uninstall-systemd strata-uninstall-conf
install-data-hook: strata-install-conf

strata-install-systemd: $(systemd_units)
	@$(systemd_dirs); \
	$(MKDIR_P) "$(DESTDIR)$$unitdir" "$(DESTDIR)$$sysusersdir" \
	    "$(DESTDIR)$$tmpfilesdir" || exit 1; \
	for u in $(systemd_units); do \
	    echo " $(INSTALL_DATA) $$u '$(DESTDIR)$$unitdir'"; \
	    $(INSTALL_DATA) $$u "$(DESTDIR)$$unitdir" || exit 1; \
	done; \
	echo " $(INSTALL_DATA) strata.sysusers '$(DESTDIR)$$sysusersdir/strata.conf'"; \
	$(INSTALL_DATA) $(srcdir)/systemd/strata.sysusers \
	    "$(DESTDIR)$$sysusersdir/strata.conf" || exit 1; \
	echo " $(INSTALL_DATA) strata.tmpfiles '$(DESTDIR)$$tmpfilesdir/strata.conf'"; \
	$(INSTALL_DATA) $(srcdir)/systemd/strata.tmpfiles \
	    "$(DESTDIR)$$tmpfilesdir/strata.conf"

strata-uninstall-systemd:
	@$(systemd_dirs); \
	for u in $(systemd_units); do \
	    rm -f "$(DESTDIR)$$unitdir/`basename $$u`"; \
	done; \
	rm -f "$(DESTDIR)$$sysusersdir/strata.conf" \
	    "$(DESTDIR)$$tmpfilesdir/strata.conf"

# Never overwrite a configuration: copy the example only when missing.
strata-install-conf:
	@$(MKDIR_P) "$(DESTDIR)$(strata_confdir)" || exit 1; \
	for c in $(systemd_confs); do \
	    dst="$(DESTDIR)$(strata_confdir)/$$c.conf"; \
	    if test -e "$$dst"; then \
	        echo " $$dst exists, left as it is"; \
	    else \
	        echo " $(INSTALL_DATA) $$c.conf.example '$$dst'"; \
	        $(INSTALL_DATA) "$(srcdir)/systemd/$$c.conf.example" "$$dst" || \
	            exit 1; \
	    fi; \
	done

# Removes a configuration only while it is the unmodified example.
strata-uninstall-conf:
	@for c in $(systemd_confs); do \
	    dst="$(DESTDIR)$(strata_confdir)/$$c.conf"; \
	    if cmp -s "$(srcdir)/systemd/$$c.conf.example" "$$dst"; then \
	        rm -f "$$dst"; \
	    elif test -e "$$dst"; then \
	        echo " $$dst was modified, left in place"; \
	    fi; \
	done; \
	rmdir "$(DESTDIR)$(strata_confdir)" 2>/dev/null; :

.PHONY: strata-dirs strata-install-systemd strata-uninstall-systemd \
	strata-install-conf strata-uninstall-conf
