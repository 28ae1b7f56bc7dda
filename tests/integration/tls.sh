#!/bin/bash
# tests/integration/tls.sh: mutual TLS between agents and the aggregator,
# with a PKI the test makes with the openssl CLI (it_pki: a CA, the
# aggregator's certificate for 127.0.0.1, node certificates, an expired
# one, one of another CA).  Records flow over TLS from the real agent (the
# recorded qemu-mig trace) and the agent stand-in; TLS 1.1 is refused;
# a client with no certificate, another CA's, an expired one, or a HELLO
# naming a node its certificate does not name is refused (each through
# the agent's code and through `openssl s_client` too), nothing of theirs
# stored, and an agent retrying with an expired certificate is logged once;
# the agent refuses an aggregator of another CA or whose certificate does
# not name the address it dialled; a TCP connection that never starts TLS
# is closed 10 s after accept; the token still works over TLS; a
# non-loopback listener without TLS or token is refused at start, with
# TLS it starts; -n finds a key that is not the certificate's; SIGHUP rotates the certificate for new connections
# without dropping a connected agent, and a broken file changes nothing.
# The spool and exactly-once over TLS across kill -9: chain-crash-tls.sh.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

it_init tls 240
PUSH="$top_builddir/tests/helpers/strata-push"
it_need_prog "$IT_AGGREGATOR" "$IT_STRATACTL" "$PUSH" "$IT_AGENT"
command -v openssl >/dev/null 2>&1 || tap_skip_all "openssl not found"
command -v python3 >/dev/null 2>&1 || tap_skip_all "python3 not found"
tap_plan 39

PKI=$IT_DIR/pki
PROBE=(python3 "$IT_LIBDIR/ingest_probe.py")
# tlsopt NAME [CA]: the agent options for NAME's certificate.
tlsopt() { echo "--tls-cert $PKI/$1.crt --tls-key $PKI/$1.key --tls-ca ${2:-$PKI/ca.crt}"; }
# push NAME NODE LOG [OPTS...]: the agent stand-in as NODE with NAME's
# certificate, pushing one record; its status.
push()
{
	local name=$1 node=$2 log=$3
	shift 3
	echo "{\"kind\":\"probe\",\"id\":\"$node-$RANDOM\",\"t_ns\":1}" >"$IT_DIR/rec-$node.jsonl"
	# shellcheck disable=SC2046
	"$PUSH" $(tlsopt "$name") "$@" "127.0.0.1:$IT_AGG_PORT" "$node" \
	    "$IT_DIR/rec-$node.jsonl" "" "${PUSH_TIMEOUT:-3}" >"$IT_DIR/$log.log" 2>&1
}
# sclient OUT NODE [OPTS...]: a HELLO of NODE through openssl s_client
# (OPTS: -cert, -key, ...), what it printed in OUT.
sclient()
{
	local out=$1 node=$2
	shift 2
	"${PROBE[@]}" hello "$node" >"$IT_DIR/hello-$node.bin"
	timeout 4 openssl s_client -connect "127.0.0.1:$IT_AGG_PORT" \
	    -CAfile "$PKI/ca.crt" -verify_return_error -ign_eof "$@" \
	    <"$IT_DIR/hello-$node.bin" >"$IT_DIR/$out" 2>&1
}
welcomed() { grep -q '"max_frame"' "$IT_DIR/$1"; }
j() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
ig()
{
	it_ctl --json status >"$IT_DIR/status.json" &&
	    j "$IT_DIR/status.json" 'j["aggregator"]["ingest"].get("'"$1"'")'
}
alog() { grep -c -- "$1" "$IT_DIR/aggregator.log"; }

if ! it_pki "$PKI" cmp1 cmp2 cmp3; then
	tap_ok 1 "a test PKI made with openssl"
	tap_diag "$(tail -n 5 "$PKI/openssl.log")"
	tap_skip_rest "no PKI"
	tap_done
fi
tap_ok 0 "a test PKI made with openssl: CA, aggregator (127.0.0.1), cmp1-3, expired, another CA's"
IT_AGG_ARGS=("${IT_AGG_TLS[@]}")
if ! it_start_aggregator; then
	tap_ok 1 "aggregator with TLS"
	tap_skip_rest "the aggregator did not start"
	tap_done
fi
tap_ok "$(grep -q 'listening on 127.0.0.1:[0-9]* with TLS (certificate CN=aggregator' \
    "$IT_DIR/aggregator.log"; echo $?)" "aggregator with TLS on 127.0.0.1:$IT_AGG_PORT says so"

# ---- records over TLS -----------------------------------------------------
# shellcheck disable=SC2046
timeout -k 5 30 "$IT_AGENT" --node cmp1 --once \
    --trace "$top_srcdir/tests/data/traces/qemu-mig" --spool "$IT_DIR/spool-cmp1" \
    --aggregator "127.0.0.1:$IT_AGG_PORT" $(tlsopt cmp1) >"$IT_DIR/agent-cmp1.log" 2>&1
tap_ok $? "strata-agent --tls-cert/--tls-key/--tls-ca pushes the qemu-mig trace and exits once acknowledged"
it_ctl --json migrations >"$IT_DIR/migs.json"
tap_is "$(j "$IT_DIR/migs.json" '[m["src_node"] for m in j]')" "['cmp1']" \
    "stratactl: the trace's migration is stored, from node cmp1"
tap_ok "$(grep -q 'node cmp1 connected from .* TLS, certificate CN=cmp1, DNS:cmp1' \
    "$IT_DIR/aggregator.log"; echo $?)" "the aggregator took cmp1 over TLS, named by its certificate"
push cmp2 cmp2 push-cmp2
tap_ok $? "the agent stand-in as cmp2 with cmp2's certificate: acknowledged"
sclient s-ok cmp3 -cert "$PKI/cmp3.crt" -key "$PKI/cmp3.key" -tls1_2
tap_ok "$(welcomed s-ok && grep -q 'Protocol *: TLSv1.2' "$IT_DIR/s-ok"; echo $?)" \
    "openssl s_client -tls1_2 with cmp3's certificate: WELCOME to its HELLO"
sclient s-old cmp3 -cert "$PKI/cmp3.crt" -key "$PKI/cmp3.key" -tls1_1
tap_ok "$(! welcomed s-old; echo $?)" "TLS 1.1 is refused"

# ---- refused peers ---------------------------------------------------------
N0=$(ig tls_failed)
push expired expired push-expired
tap_ok "$(test $? -ne 0 && grep -q 'certificate expired' "$IT_DIR/push-expired.log"; echo $?)" \
    "an expired certificate is refused; the agent says: $(grep -o 'TLS: [^;]*' "$IT_DIR/push-expired.log" | head -n 1)"
tap_is "$(alog 'certificate refused: certificate has expired (CN=expired')" 1 \
    "the aggregator says why, and whose"
push foreign foreign push-foreign
tap_ok "$(test $? -ne 0 && grep -q 'unknown ca' "$IT_DIR/push-foreign.log"; echo $?)" \
    "another CA's certificate is refused; the agent says: $(grep -o 'TLS: [^;]*' "$IT_DIR/push-foreign.log" | head -n 1)"
tap_is "$(alog 'certificate refused: unable to get local issuer certificate (CN=foreign')" 1 \
    "the aggregator says why, and whose"
echo '{"kind":"probe","id":"plain-1","t_ns":1}' >"$IT_DIR/rec-plain.jsonl"
"$PUSH" "127.0.0.1:$IT_AGG_PORT" plain "$IT_DIR/rec-plain.jsonl" "" 2 >"$IT_DIR/push-plain.log" 2>&1
tap_ok "$(test $? -ne 0; echo $?)" "an agent without TLS gets nowhere"
push cmp2 cmp1 push-mismatch
tap_ok "$(test $? -ne 0 && grep -q 'refused: node cmp1 is not a name of its certificate (CN=cmp2, DNS:cmp2)' \
    "$IT_DIR/push-mismatch.log"; echo $?)" \
    "cmp2's certificate saying HELLO as cmp1 is refused, and told why"
tap_is "$(alog 'closing: node cmp1 is not a name of its certificate')" 1 \
    "the aggregator logs the impersonation"
sclient s-nocert cmp1
tap_ok "$(! welcomed s-nocert; echo $?)" "openssl s_client without a certificate: no WELCOME"
tap_is "$(alog 'TLS handshake failed: peer did not return a certificate')" 1 \
    "the aggregator: peer did not return a certificate"
sclient s-foreign foreign -cert "$PKI/foreign.crt" -key "$PKI/foreign.key"
tap_ok "$(! welcomed s-foreign; echo $?)" "openssl s_client with another CA's certificate: no WELCOME"
sclient s-expired expired -cert "$PKI/expired.crt" -key "$PKI/expired.key"
tap_ok "$(! welcomed s-expired; echo $?)" "openssl s_client with an expired certificate: no WELCOME"
sclient s-mismatch cmp1 -cert "$PKI/cmp2.crt" -key "$PKI/cmp2.key"
tap_ok "$(grep -q '"reason":"node cmp1 is not a name of its certificate' "$IT_DIR/s-mismatch"; echo $?)" \
    "openssl s_client with cmp2's certificate, HELLO as cmp1: REFUSE with the reason"
it_ctl --json nodes >"$IT_DIR/nodes.json"
tap_is "$(j "$IT_DIR/nodes.json" 'sorted(n["name"] for n in j)')" "['cmp1', 'cmp2', 'cmp3']" \
    "the store knows cmp1, cmp2 and cmp3 only: nothing of the refused peers"
tap_cmp "$(($(ig tls_failed) - N0))" -ge 6 "ingest.tls_failed counts the failed handshakes ($(($(ig tls_failed) - N0)))"

# ---- an expired agent retrying: logged once ---------------------------------
S0=$(ig log_suppressed)
PUSH_TIMEOUT=12 push expired expired push-expired-retry
tap_is "$(alog 'certificate refused: certificate has expired (CN=expired')" 1 \
    "an agent retrying with an expired certificate for 12 s: still one line in the aggregator's log"
tap_cmp "$(($(ig log_suppressed) - S0))" -ge 4 \
    "its $(($(ig log_suppressed) - S0)) other attempts counted in ingest.log_suppressed"
tap_is "$(grep -c 'certificate expired' "$IT_DIR/push-expired-retry.log")" 1 \
    "and one line in the agent's log"

# ---- the agent checks the aggregator -----------------------------------------
push cmp1 cmp1 push-otherca --tls-ca "$PKI/otherca.crt"
tap_ok "$(test $? -ne 0 && grep -q 'certificate refused: .*(CN=ca, in its chain)\|certificate refused: unable to get local issuer' \
    "$IT_DIR/push-otherca.log"; echo $?)" \
    "an agent trusting another CA refuses the aggregator: $(grep -o 'TLS: [^;]*' "$IT_DIR/push-otherca.log" | head -n 1)"

# ---- deadlines and the startup rule ------------------------------------------
"${PROBE[@]}" idle 127.0.0.1 "$IT_AGG_PORT" 1 14 >"$IT_DIR/idle.json"
tap_is "$(j "$IT_DIR/idle.json" 'j["closed"] == 1 and 9.5 <= j["max_s"] <= 11.5')" True \
    "a connection that never starts TLS is closed $(j "$IT_DIR/idle.json" '"%.1f" % (j["max_s"] or 0)') s after accept"
P2=$(it_free_ports 1)
echo "tls-and-token" >"$IT_DIR/token"
chmod 600 "$IT_DIR/token"
"$IT_AGGREGATOR" -d --listen "0.0.0.0:$P2" --db "$IT_DIR/agg2.db" \
    --ctl "$IT_DIR/ctl2.sock" --alert-log none "${IT_AGG_TLS[@]}" \
    --token-file "$IT_DIR/token" >"$IT_DIR/aggregator2.log" 2>&1 &
A2=$!
IT_PIDS+=("$A2")
it_wait_listen "$P2" 10
tap_ok "$(kill -0 "$A2" 2>/dev/null && grep -q 'with TLS .* and the token' "$IT_DIR/aggregator2.log"; echo $?)" \
    "with TLS it listens on 0.0.0.0 (and here a token too)"
SAVED=$IT_AGG_PORT
IT_AGG_PORT=$P2
push cmp1 cmp1 push-notoken
st1=$?
IT_AGG_PORT=$SAVED
echo '{"kind":"probe","id":"tok-1","t_ns":1}' >"$IT_DIR/rec-tok.jsonl"
# shellcheck disable=SC2046
"$PUSH" $(tlsopt cmp1) "127.0.0.1:$P2" cmp1 "$IT_DIR/rec-tok.jsonl" tls-and-token 15 \
    >"$IT_DIR/push-token.log" 2>&1
st2=$?
tap_ok "$(test "$st1" -ne 0 && grep -q 'bad token for node cmp1' "$IT_DIR/push-notoken.log"; echo $?)" \
    "a good certificate without the token is refused when the aggregator has one"
tap_is "$st2" 0 "with the token too, acknowledged"
it_kill_pid "$A2" 30
"$IT_AGGREGATOR" -d --listen "0.0.0.0:$P2" --db "$IT_DIR/agg3.db" \
    --ctl "$IT_DIR/ctl3.sock" --alert-log none >"$IT_DIR/aggregator3.log" 2>&1
st=$?
tap_ok "$(test "$st" -ne 0 && grep -q 'refusing to listen on 0.0.0.0:[0-9]*: it is not a loopback address' \
    "$IT_DIR/aggregator3.log"; echo $?)" \
    "without TLS or token it refuses to listen on 0.0.0.0 (exit $st): $(grep -o 'refusing.*' "$IT_DIR/aggregator3.log" | cut -c1-90)..."

"$IT_AGGREGATOR" -n --tls-cert "$PKI/aggregator.crt" --tls-key "$PKI/cmp1.key" \
    --tls-ca "$PKI/ca.crt" >"$IT_DIR/check-key.log" 2>&1
st=$?
tap_ok "$(test "$st" -eq 2 && grep -q "key $PKI/cmp1.key is not the key of certificate $PKI/aggregator.crt" \
    "$IT_DIR/check-key.log"; echo $?)" "strata-aggregator -n finds a key that is not the certificate's (exit $st)"

# ---- SIGHUP: a new certificate for new connections --------------------------
"$PUSH" $(tlsopt cmp1) --linger 25 "127.0.0.1:$IT_AGG_PORT" cmp1 \
    "$IT_DIR/rec-cmp1.jsonl" "" 10 >"$IT_DIR/push-linger.log" 2>&1 &
LINGER=$!
IT_PIDS+=("$LINGER")
n=50
until grep -q 'connected to aggregator' "$IT_DIR/push-linger.log" || [ "$n" -eq 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
_it_leaf "$PKI" ca wrongname serverAuth "DNS:elsewhere.example"
cp "$PKI/aggregator.crt" "$PKI/aggregator-1.crt"
cp "$PKI/wrongname.crt" "$PKI/aggregator.crt"
cp "$PKI/wrongname.key" "$PKI/aggregator.key"
kill -HUP "$IT_AGG_PID"
sleep 0.5
tap_ok "$(grep -q 'SIGHUP: TLS files read again; new connections get certificate CN=wrongname' \
    "$IT_DIR/aggregator.log"; echo $?)" "SIGHUP reads the certificate and key again"
push cmp2 cmp2 push-wrongname
tap_ok "$(test $? -ne 0 && grep -q 'certificate refused: IP address mismatch' "$IT_DIR/push-wrongname.log"; echo $?)" \
    "an agent refuses an aggregator whose certificate does not name 127.0.0.1: $(grep -o 'TLS: [^;]*' "$IT_DIR/push-wrongname.log" | head -n 1)"
_it_leaf "$PKI" ca aggregator2 serverAuth "IP:127.0.0.1,DNS:localhost"
cp "$PKI/aggregator2.crt" "$PKI/aggregator.crt"
cp "$PKI/aggregator2.key" "$PKI/aggregator.key"
kill -HUP "$IT_AGG_PID"
sleep 0.5
push cmp2 cmp2 push-rotated
tap_ok $? "after a second SIGHUP with a good new certificate, a new agent is acknowledged"
sclient s-rotated cmp3 -cert "$PKI/cmp3.crt" -key "$PKI/cmp3.key"
tap_ok "$(welcomed s-rotated && grep -q 'subject=CN *= *aggregator2' "$IT_DIR/s-rotated"; echo $?)" \
    "and s_client sees the new certificate (CN=aggregator2)"
echo "not a certificate" >"$PKI/aggregator.crt"
kill -HUP "$IT_AGG_PID"
sleep 0.5
sclient s-broken cmp3 -cert "$PKI/cmp3.crt" -key "$PKI/cmp3.key"
tap_ok "$(grep -q 'SIGHUP: configuration has errors, nothing changed' "$IT_DIR/aggregator.log" &&
    welcomed s-broken && grep -q 'subject=CN *= *aggregator2' "$IT_DIR/s-broken"; echo $?)" \
    "a SIGHUP with a broken certificate file changes nothing: aggregator2 still served"
it_ctl --json status >"$IT_DIR/status-linger.json"
tap_is "$(j "$IT_DIR/status-linger.json" '[a["node"] for a in j["aggregator"]["ingest"]["agents"]]')" "['cmp1']" \
    "the agent connected before the reloads is still connected"
wait "$LINGER"
tap_ok "$(test $? -eq 0 && ! grep -q 'again after\|retrying' "$IT_DIR/push-linger.log"; echo $?)" \
    "and never lost its connection through three SIGHUPs"
tap_done
