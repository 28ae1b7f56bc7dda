# man/man.mk: the manual pages (roff), installed under $(mandir).
dist_man1_MANS = man/stratactl.1
dist_man5_MANS = man/strata.conf.5
dist_man8_MANS = man/strata-agent.8 man/strata-aggregator.8
