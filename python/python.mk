# python/: the Python side of the application layer, installed where the
# OpenStack services' python3 finds it (strata_pythondir, systemd.mk):
# strata_lttngust.py (imports the lttng-ust Python agent into a service,
# keeps its handler on the root logger, JSONHandler for oslo.log's JSON)
# and strata-lttngust.pth, which imports it at every Python start when
# STRATA_LTTNGUST is set (docs/openstack.md); and emit/strata_os.py, the
# library of the OpenStack emitters (emit/emit.mk), which must sit beside
# strata_lttngust.py.
dist_strata_python_DATA += python/strata_lttngust.py \
	python/strata-lttngust.pth emit/strata_os.py
