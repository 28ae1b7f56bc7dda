/*
 * migration.js: the migration kind's web view (kind.c, .web): the list
 * (migrations.html, /api/migrations) and one migration
 * (migration.html?id=ID, /api/migration and /api/alerts): both sides'
 * stages on one timeline (each side's times corrected by its node's
 * clock offset), and per round the pending bytes after the sync against
 * QEMU's stop-and-copy threshold (the side's threshold_bytes; without it
 * bandwidth x downtime limit, as QEMU computes it), the dirty rate
 * against the bandwidth, the predicted downtime against the limit and
 * the verdict; then the migration's alerts with their advice.  Polls
 * while the page is open.  Every value drawn is also in data-* attributes
 * (rows of #rounds, .stage elements, the canvases' data-points).
 */
"use strict";

(function () {
	var S = Strata;

	function migRow(m) {
		var href = "/kinds/migration/migration.html?id=" +
		    encodeURIComponent(m.id);
		return S.el("tr", { class: "migration",
		    data: { id: m.id, vmUuid: m.vm_uuid, vmName: m.vm_name,
		    srcNode: m.src_node, dstNode: m.dst_node, state: m.state,
		    outcome: m.outcome, verdict: m.verdict, rounds: m.rounds,
		    downtimeMs: m.downtime_ms, totalMs: m.total_ms } },
		    S.el("td", {}, S.el("a", { href: href,
		    text: S.time(m.started_ns) })),
		    S.el("td", { title: m.vm_uuid || "",
		    text: m.vm_name || m.vm_uuid || "-" }),
		    S.el("td", { text: m.src_node || "-" }),
		    S.el("td", { text: m.dst_node || "-" }),
		    S.el("td", {}, S.badge(m.state)),
		    S.el("td", {}, S.badge(m.outcome || "active",
		    m.outcome || "active")),
		    S.el("td", {}, S.badge(m.verdict)),
		    S.el("td", { class: "num", text: String(m.rounds) }),
		    S.el("td", { class: "num", text: S.ms(m.downtime_ms) }),
		    S.el("td", { class: "num", text: S.ms(m.total_ms) }));
	}

	function list() {
		var q = ["limit=500"];
		var text = document.getElementById("f-text").value.trim()
		    .toLowerCase();
		if (document.getElementById("f-active").checked)
			q.push("active");
		if (document.getElementById("f-failed").checked)
			q.push("failed");
		return S.api("/api/migrations?" + q.join("&")).then(function (ms) {
			if (text)
				ms = ms.filter(function (m) {
					return [m.vm_name, m.vm_uuid, m.src_node,
					    m.dst_node].some(function (x) {
						return x && x.toLowerCase()
						    .indexOf(text) >= 0;
					});
				});
			S.rows("migrations-body", ms.map(migRow),
			    "no migration yet");
		});
	}

	/* ---- one migration -------------------------------------------- */

	var STAGES = ["setup", "precopy", "iterative", "stop-and-copy",
	    "postcopy", "load"];

	function kv(label, value, key) {
		var v = typeof value === "string" || value === null ||
		    value === undefined ? S.el("td", { text: value || "-" }) :
		    S.el("td", {}, value);
		if (key)
			v.dataset.key = key;
		return S.el("tr", {}, S.el("td", { text: label }), v);
	}

	function summary(m) {
		var body = document.getElementById("summary-body");
		var d = body.dataset;
		d.id = m.id;
		d.outcome = m.outcome || "";
		d.state = m.state || "";
		d.verdict = m.verdict || "";
		d.rounds = m.rounds;
		document.getElementById("title").textContent = "Migration of " +
		    (m.vm_name || m.vm_uuid || "?");
		document.getElementById("subtitle").textContent = m.id;
		document.title = "Strata: " + (m.vm_name || m.id);
		S.rows("summary-body", [
		    kv("VM", (m.vm_name || "-") + " (" + (m.vm_uuid || "-") + ")",
		    "vm"),
		    kv("source -> destination", (m.src_node || "?") + " -> " +
		    (m.dst_node || "?"), "nodes"),
		    kv("state", S.badge(m.state), "state"),
		    kv("outcome", S.badge(m.outcome || "in progress",
		    m.outcome || "active"), "outcome"),
		    kv("verdict", S.badge(m.verdict), "verdict"),
		    kv("rounds", String(m.rounds), "rounds"),
		    kv("downtime", S.ms(m.downtime_ms) + (m.downtime_basis ?
		    " (" + m.downtime_basis + ")" : ""), "downtime"),
		    kv("total", S.ms(m.total_ms), "total"),
		    kv("started / ended", S.time(m.started_ns) + " / " +
		    S.time(m.ended_ns), "times"),
		    m.error ? kv("error", m.error, "error") : null
		].filter(function (x) { return x; }));
	}

	/* A side's time on the aggregator's clock. */
	function corr(side, ns) {
		return ns === null || ns === undefined ? null :
		    ns - (side.clock_offset_ns || 0);
	}

	function timeline(m) {
		var box = S.clear(document.getElementById("timeline"));
		var t0 = Infinity, t1 = -Infinity;
		m.sides.forEach(function (s) {
			(s.stages || []).forEach(function (st) {
				var a = corr(s, st.start_ns);
				var b = corr(s, st.end_ns !== null ? st.end_ns : s.t_ns);
				if (a !== null && a < t0) t0 = a;
				if (b !== null && b > t1) t1 = b;
			});
		});
		if (!(t1 > t0)) {
			box.appendChild(S.el("p", { class: "sub",
			    text: "no stage yet" }));
			return;
		}
		var span = t1 - t0;
		m.sides.forEach(function (s) {
			var track = S.el("div", { class: "track" });
			(s.stages || []).forEach(function (st) {
				var a = corr(s, st.start_ns);
				var b = corr(s, st.end_ns !== null ? st.end_ns : s.t_ns);
				var left = (a - t0) / span * 100;
				var width = Math.max((b - a) / span * 100, 0.2);
				var e = S.el("div", { class: "stage " + st.name,
				    title: st.name + ": " + S.ms(st.duration_ms),
				    data: { side: s.role, node: s.node,
				    stage: st.name, startMs: ((a - t0) / 1e6).toFixed(3),
				    endMs: ((b - t0) / 1e6).toFixed(3),
				    durationMs: st.duration_ms },
				    text: st.name });
				e.style.left = left + "%";
				e.style.width = width + "%";
				track.appendChild(e);
			});
			box.appendChild(S.el("div", { class: "lane",
			    data: { side: s.role, node: s.node } },
			    S.el("div", { class: "who", text: (s.role || "?") +
			    " " + s.node }), track));
		});
		box.appendChild(S.el("div", { class: "axis" },
		    S.el("span", { text: "0" }),
		    S.el("span", { text: S.ms(span / 1e6) })));
		var lg = S.clear(document.getElementById("stage-legend"));
		STAGES.forEach(function (n) {
			lg.appendChild(S.el("span", {},
			    S.el("i", { class: "stage " + n }), n));
		});
	}

	function threshold(side, r) {
		if (side.threshold_bytes !== null &&
		    side.threshold_bytes !== undefined)
			return side.threshold_bytes;
		if (r.bandwidth_bps !== null && r.bandwidth_bps !== undefined &&
		    side.downtime_limit_ms !== null &&
		    side.downtime_limit_ms !== undefined)
			return Math.round(r.bandwidth_bps *
			    side.downtime_limit_ms / 1000);
		return null;
	}

	function rounds(m) {
		var pts = [], rows = [];
		m.sides.forEach(function (s) {
			(s.rounds || []).forEach(function (r) {
				var th = threshold(s, r);
				var p = { n: r.n, side: s.role, node: s.node,
				    pending_bytes: r.pending_bytes,
				    threshold_bytes: th,
				    dirty_rate_bps: r.dirty_rate_bps,
				    bandwidth_bps: r.bandwidth_bps,
				    predicted_downtime_ms: r.predicted_downtime_ms,
				    downtime_limit_ms: s.downtime_limit_ms,
				    verdict: r.verdict };
				pts.push(p);
				var over = th !== null && r.pending_bytes !== null &&
				    r.pending_bytes > th;
				rows.push(S.el("tr", { class: "round " +
				    (over ? "over" : "ok"),
				    data: { n: r.n, side: s.role, node: s.node,
				    pendingBytes: r.pending_bytes, thresholdBytes: th,
				    dirtyRateBps: r.dirty_rate_bps,
				    bandwidthBps: r.bandwidth_bps,
				    predictedDowntimeMs: r.predicted_downtime_ms,
				    downtimeLimitMs: s.downtime_limit_ms,
				    verdict: r.verdict, over: over } },
				    S.el("td", { class: "num", text: String(r.n) }),
				    S.el("td", { text: s.role + " " + s.node }),
				    S.el("td", { class: "num",
				    text: S.bytes(r.pending_bytes) }),
				    S.el("td", { class: "num", text: S.bytes(th) }),
				    S.el("td", { class: "num",
				    text: S.rate(r.dirty_rate_bps) }),
				    S.el("td", { class: "num",
				    text: S.rate(r.bandwidth_bps) }),
				    S.el("td", { class: "num",
				    text: S.ms(r.predicted_downtime_ms) }),
				    S.el("td", { class: "num",
				    text: S.ms(s.downtime_limit_ms) }),
				    S.el("td", {}, S.badge(r.verdict),
				    " ", S.badge(over ? "over" : "ok"))));
			});
		});
		S.rows("rounds-body", rows, "no round yet");
		charts(pts);
	}

	/* A log axis labels 1, 2 and 5 times a power of ten only. */
	function logTick(fmt) {
		return function (v) {
			var m = v / Math.pow(10, Math.floor(Math.log10(v)));
			return Math.abs(m - 1) < 1e-6 || Math.abs(m - 2) < 1e-6 ||
			    Math.abs(m - 5) < 1e-6 ? fmt(v) : "";
		};
	}

	function line(label, data, color, dashed) {
		return { label: label, data: data, borderColor: color,
		    backgroundColor: color, borderDash: dashed ? [6, 4] : [],
		    pointRadius: dashed ? 0 : 3, tension: 0, spanGaps: true };
	}

	function charts(pts) {
		var labels = pts.map(function (p) { return "round " + p.n; });
		var put = function (id, keys) {
			var c = document.getElementById(id);
			c.dataset.points = JSON.stringify(pts.map(function (p) {
				var o = { n: p.n };
				keys.forEach(function (k) { o[k] = p[k]; });
				return o;
			}));
			c.dataset.count = String(pts.length);
		};
		var pick = function (k) {
			return pts.map(function (p) { return p[k]; });
		};
		put("chart-pending", ["pending_bytes", "threshold_bytes", "verdict"]);
		put("chart-rate", ["dirty_rate_bps", "bandwidth_bps"]);
		put("chart-downtime", ["predicted_downtime_ms", "downtime_limit_ms",
		    "verdict"]);
		var verdictOf = function (items) {
			return items.length ? "verdict: " +
			    (pts[items[0].dataIndex].verdict || "-") : "";
		};
		S.chart("chart-pending", { type: "line", data: { labels: labels,
		    datasets: [line("pending bytes", pick("pending_bytes"),
		    "#4e79a7"), line("threshold", pick("threshold_bytes"),
		    "#e15759", true)] },
		    options: { scales: { y: { type: "logarithmic", ticks: {
		    callback: logTick(S.bytes) } } },
		    plugins: { tooltip: { callbacks: { footer: verdictOf } } } } });
		S.chart("chart-rate", { type: "line", data: { labels: labels,
		    datasets: [line("dirty rate", pick("dirty_rate_bps"),
		    "#f28e2b"), line("bandwidth", pick("bandwidth_bps"),
		    "#59a14f", true)] },
		    options: { scales: { y: { beginAtZero: true, ticks: {
		    callback: function (v) { return S.rate(v); } } } } } });
		S.chart("chart-downtime", { type: "line", data: { labels: labels,
		    datasets: [line("predicted downtime (ms)",
		    pick("predicted_downtime_ms"), "#b07aa1"),
		    line("limit (ms)", pick("downtime_limit_ms"), "#e15759",
		    true)] },
		    options: { scales: { y: { type: "logarithmic", ticks: {
		    callback: logTick(S.ms) } } },
		    plugins: { tooltip: { callbacks: { footer: verdictOf } } } } });
	}

	function mine(m, a) {
		var sids = m.sides.map(function (s) { return s.id; });
		return a.migration === m.id || (a.subject &&
		    a.subject.kind === "migration" && a.subject.id === m.id) ||
		    sids.indexOf(a.migration_id) >= 0;
	}

	function detail() {
		var id = S.param("id");
		if (!id) {
			document.getElementById("title").textContent =
			    "No migration named (migration.html?id=ID)";
			return Promise.resolve();
		}
		return Promise.all([S.views(),
		    S.api("/api/migration?id=" + encodeURIComponent(id)),
		    S.api("/api/alerts?limit=1000")]).then(function (r) {
			var v = r[0], m = r[1];
			summary(m);
			timeline(m);
			rounds(m);
			S.rows("alerts-body", r[2].filter(function (a) {
				return mine(m, a);
			}).map(function (a) {
				return S.alertRow(v, a, false);
			}), "no alert for this migration");
		});
	}

	document.addEventListener("DOMContentLoaded", function () {
		var view = document.body.dataset.view;
		if (view === "migrations") {
			["f-active", "f-failed", "f-text"].forEach(function (f) {
				document.getElementById(f).addEventListener("input",
				    list);
			});
			S.poll(list, 2000);
		} else if (view === "migration")
			S.poll(detail, 2000);
	});
})();
