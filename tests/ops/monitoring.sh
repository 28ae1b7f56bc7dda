#!/bin/bash
# monitoring.sh: what Strata ships for Prometheus and Grafana holds
# together.  docs/prometheus/strata-rules.yml passes `promtool check
# rules` and its unit tests (tests/ops/strata-rules.test.yml, `promtool
# test rules`: each alert fires on the series that should fire it);
# docs/grafana/strata.json is a dashboard Grafana imports (JSON, panels
# with targets on one Prometheus datasource variable); and every metric
# the rules and the dashboard name is one the daemons write (their
# sources) and docs/http.md documents, so neither refers to a metric
# that does not exist.  The queries themselves run against a real
# Prometheus in tests/integration/chain-http.sh.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/ops/lib.sh"

it_init ops-monitoring 60
tap_plan 6
RULES=$top_srcdir/docs/prometheus/strata-rules.yml
DASH=$top_srcdir/docs/grafana/strata.json

if command -v promtool >/dev/null 2>&1; then
	promtool check rules "$RULES" >"$IT_DIR/check.out" 2>&1
	tap_ok $? "promtool check rules docs/prometheus/strata-rules.yml: $(grep -o '[0-9]* rules found' "$IT_DIR/check.out")" ||
	    tap_diag "$(cat "$IT_DIR/check.out")"
	cp "$RULES" "$OPS_SRC/strata-rules.test.yml" "$IT_DIR/"
	(cd "$IT_DIR" && promtool test rules strata-rules.test.yml) \
	    >"$IT_DIR/test.out" 2>&1
	tap_ok $? "promtool test rules: every alert fires where it should, after its for" ||
	    tap_diag "$(tail -n 30 "$IT_DIR/test.out")"
else
	tap_skip 2 "promtool not installed (Debian: prometheus)"
fi

python3 - "$DASH" "$RULES" "$top_srcdir" >"$IT_DIR/names.out" <<'EOF'
import json, os, re, sys
dash, rules, top = sys.argv[1:4]
d = json.load(open(dash))
panels = [p for p in d["panels"] if p["type"] != "row"]
exprs = [t["expr"] for p in panels for t in p.get("targets", [])]
ok = (d.get("uid") and d.get("title") and d.get("schemaVersion", 0) >= 30 and
      all(p["datasource"]["uid"] == "${datasource}" for p in panels) and
      all(p.get("targets") for p in panels) and
      [v["type"] for v in d["templating"]["list"]][:1] == ["datasource"])
print("dash", "ok" if ok else "bad", len(panels), len(exprs))
used = set()
for e in exprs + [open(rules).read()]:
    for m in re.findall(r"\bstrata_[a-z_]+", e):
        used.add(re.sub(r"_(bucket|count|sum)$", "", m))
src = ""
for sub in ("aggregator", "agent", "lib"):
    for root, _, files in os.walk(os.path.join(top, sub)):
        for f in files:
            if f.endswith(".c"):
                src += open(os.path.join(root, f)).read()
doc = open(os.path.join(top, "docs", "http.md")).read()
print("unwritten", sorted(n for n in used if '"' + n + '"' not in src))
print("undocumented", sorted(n for n in used if "`" + n not in doc))
print("used", len(used))
EOF
chk() { sed -n "s/^$1 //p" "$IT_DIR/names.out"; }
set -- $(chk dash)
tap_is "$1" ok "docs/grafana/strata.json: a dashboard of $2 panels and $3 queries on the \${datasource} variable"
tap_is "$(chk unwritten)" "[]" \
    "every metric of the rules and the dashboard ($(chk used)) is one the daemons write"
tap_is "$(chk undocumented)" "[]" "... and docs/http.md documents each"
grep -q "strata-rules.yml" "$top_srcdir/docs/operations.md" &&
    grep -q "grafana/strata.json" "$top_srcdir/docs/operations.md" &&
    grep -q "scrape_configs" "$top_srcdir/docs/operations.md"
tap_ok $? "docs/operations.md says how to point Prometheus (scrape_configs, rule_files) and Grafana at Strata"
tap_done
