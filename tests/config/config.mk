# tests/config/: golden files of `strata-agent -nv` and `strata-aggregator
# -nv` (golden.sh loops over agent-*.conf and aggregator-*.conf).
TESTS += tests/config/golden.sh
EXTRA_DIST += tests/config/golden.sh \
	tests/config/agent-both-inputs.conf \
	tests/config/agent-both-inputs.out \
	tests/config/agent-deprecated.conf \
	tests/config/agent-deprecated.out \
	tests/config/agent-errors.conf \
	tests/config/agent-errors.out \
	tests/config/agent-full.conf \
	tests/config/agent-full.out \
	tests/config/agent-http-exposed.conf \
	tests/config/agent-http-exposed.out \
	tests/config/agent-minimal.conf \
	tests/config/agent-minimal.out \
	tests/config/agent-one-thread.conf \
	tests/config/agent-one-thread.out \
	tests/config/agent-one-thread-live.conf \
	tests/config/agent-one-thread-live.out \
	tests/config/agent-tls-partial.conf \
	tests/config/agent-tls-partial.out \
	tests/config/agent-tls.conf \
	tests/config/agent-tls.out \
	tests/config/aggregator-alertmanager-args.conf \
	tests/config/aggregator-alertmanager-args.out \
	tests/config/aggregator-alertmanager-errors.conf \
	tests/config/aggregator-alertmanager-errors.out \
	tests/config/aggregator-alertmanager.conf \
	tests/config/aggregator-alertmanager.out \
	tests/config/aggregator-ctl-errors.conf \
	tests/config/aggregator-ctl-errors.out \
	tests/config/aggregator-ctl.conf \
	tests/config/aggregator-ctl.out \
	tests/config/aggregator-errors.conf \
	tests/config/aggregator-errors.out \
	tests/config/aggregator-full.conf \
	tests/config/aggregator-full.out \
	tests/config/aggregator-http-exposed.conf \
	tests/config/aggregator-http-exposed.out \
	tests/config/aggregator-minimal.conf \
	tests/config/aggregator-minimal.out \
	tests/config/aggregator-tls-errors.conf \
	tests/config/aggregator-tls-errors.out \
	tests/config/aggregator-tls-partial.conf \
	tests/config/aggregator-tls-partial.out \
	tests/config/aggregator-tls.conf \
	tests/config/aggregator-tls.out \
	tests/config/tls/README \
	tests/config/tls/ca.crt \
	tests/config/tls/aggregator.crt \
	tests/config/tls/aggregator.key
