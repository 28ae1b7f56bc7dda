#!/bin/bash
# tests/integration/chain-crash-tls.sh: chain-crash.sh over mutual TLS
# (agent and aggregator with certificates of a test CA): the spool and
# exactly-once hold across a kill -9 of the aggregator and of the agent,
# and a certificate rotated with SIGHUP is the one the agent presents next.
STRATA_CHAIN_TLS=1 exec bash "$(dirname "$0")/chain-crash.sh"
