/*
 * strata.js: what every Strata page shares (no framework, no build
 * step): the navigation from /views.json (the generic views and each
 * record kind's), /api/ calls (the aggregator's read-only commands, the
 * same JSON as `stratactl --json`; a bearer token given once as
 * #token=... is kept for the tab), polling, formatting, charts through
 * Chart.js when /static/chart.js loaded, and the generic views:
 * overview (index.html), nodes, alerts.  Every figure a page shows is
 * also written into data-* attributes, so a test (or a script) reads
 * the values without parsing text.  docs/http.md.
 */
"use strict";

var Strata = (function () {
	var S = {};
	var views = null;

	/* A token in the address (#token=...) is kept for the tab only. */
	(function () {
		var m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
		if (m) {
			sessionStorage.setItem("strata-token",
			    decodeURIComponent(m[1]));
			history.replaceState(null, "", location.pathname +
			    location.search);
		}
	})();

	S.api = function (path) {
		var h = {};
		var t = sessionStorage.getItem("strata-token");
		if (t)
			h.Authorization = "Bearer " + t;
		return fetch(path, { headers: h, cache: "no-store" })
		    .then(function (r) {
			return r.json().catch(function () {
				return { error: r.status + " " + r.statusText };
			}).then(function (j) {
				if (!r.ok)
					throw new Error(j && j.error ? j.error :
					    r.status + " " + r.statusText);
				return j;
			});
		});
	};

	S.param = function (name) {
		return new URLSearchParams(location.search).get(name);
	};

	/* el("td", {class: "x", data: {n: 1}}, child...) */
	S.el = function (tag, attrs) {
		var e = document.createElement(tag), k, d, i, c;
		attrs = attrs || {};
		for (k in attrs) {
			if (k === "data") {
				for (d in attrs.data)
					if (attrs.data[d] !== undefined &&
					    attrs.data[d] !== null)
						e.dataset[d] = String(attrs.data[d]);
			} else if (k === "text")
				e.textContent = attrs.text;
			else if (attrs[k] !== undefined && attrs[k] !== null)
				e.setAttribute(k, attrs[k]);
		}
		for (i = 2; i < arguments.length; i++) {
			c = arguments[i];
			if (c === null || c === undefined)
				continue;
			e.appendChild(typeof c === "string" ?
			    document.createTextNode(c) : c);
		}
		return e;
	};

	S.clear = function (e) {
		while (e.firstChild)
			e.removeChild(e.firstChild);
		return e;
	};

	S.bytes = function (b) {
		var u = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
		if (b === null || b === undefined)
			return "-";
		while (Math.abs(b) >= 1024 && i < u.length - 1) {
			b /= 1024;
			i++;
		}
		return (i ? b.toFixed(1) : String(b)) + " " + u[i];
	};

	S.rate = function (bps) {
		return bps === null || bps === undefined ? "-" :
		    S.bytes(Math.round(bps)) + "/s";
	};

	S.ms = function (ms) {
		if (ms === null || ms === undefined)
			return "-";
		if (Math.abs(ms) >= 1000)
			return (ms / 1000).toFixed(2) + " s";
		return (Math.round(ms * 100) / 100) + " ms";
	};

	S.time = function (ns) {
		if (ns === null || ns === undefined)
			return "-";
		var d = new Date(ns / 1e6);
		return d.toLocaleDateString() + " " + d.toLocaleTimeString();
	};

	S.badge = function (text, cls) {
		return S.el("span", { class: "badge " + (cls || text || ""),
		    text: text === null || text === undefined ? "-" : text });
	};

	/* The table body of id, filled with rows (an array of <tr>). */
	S.rows = function (id, rows, empty) {
		var tb = S.clear(document.getElementById(id));
		rows.forEach(function (r) { tb.appendChild(r); });
		if (!rows.length && empty) {
			var n = tb.parentNode.querySelectorAll("thead th").length;
			tb.appendChild(S.el("tr", { class: "empty" },
			    S.el("td", { colspan: n || 1, text: empty })));
		}
	};

	S.status = function (text, bad) {
		var e = document.getElementById("status-line");
		if (!e)
			return;
		e.textContent = text;
		e.className = bad ? "bad" : "";
		e.dataset.updated = String(Date.now());
	};

	/* Calls fn now and every ms (fn returns a promise). */
	S.poll = function (fn, ms) {
		var busy = false;
		function tick() {
			if (busy)
				return;
			busy = true;
			Promise.resolve().then(fn).then(function () {
				S.status("updated " + new Date().toLocaleTimeString());
			}, function (e) {
				S.status("cannot reach the aggregator: " + e.message,
				    true);
			}).then(function () { busy = false; });
		}
		tick();
		return setInterval(tick, typeof ms === "function" ? ms() : ms);
	};

	S.views = function () {
		if (!views)
			views = fetch("/views.json").then(function (r) {
				return r.json();
			});
		return views;
	};

	/* The page of an alert's subject ({kind, id}), or null. */
	S.subjectHref = function (v, subject) {
		var i;
		if (!subject || !subject.kind)
			return null;
		for (i = 0; i < v.views.length; i++) {
			if (v.views[i].kind !== subject.kind)
				continue;
			if (v.views[i].item)
				return v.views[i].item + "?id=" +
				    encodeURIComponent(subject.id);
			return v.views[i].page + "#" +
			    encodeURIComponent(subject.id);
		}
		return null;
	};

	S.nav = function () {
		var nav = document.getElementById("nav");
		if (!nav)
			return Promise.resolve();
		return S.views().then(function (v) {
			S.clear(nav);
			nav.appendChild(S.el("span", { class: "brand",
			    text: "Strata" }));
			v.views.forEach(function (x) {
				var here = location.pathname === x.page ||
				    (x.page === "/" &&
				    location.pathname === "/index.html") ||
				    (x.item && location.pathname === x.item);
				nav.appendChild(S.el("a", { href: x.page,
				    class: here ? "here" : null,
				    data: { view: x.kind || x.title.toLowerCase() },
				    text: x.title }));
			});
			nav.appendChild(S.el("a", { href: "/metrics",
			    class: "aside", text: "/metrics" }));
			nav.appendChild(S.el("a", { href: "/api/",
			    class: "aside", text: "/api/" }));
			document.body.dataset.chartjs = String(!!window.Chart);
		});
	};

	/*
	 * A Chart.js chart on canvas id, made once and updated after;
	 * nothing (the tables still show the numbers) without Chart.js.
	 */
	var charts = {};
	S.chart = function (id, config) {
		var c = document.getElementById(id);
		if (!c || !window.Chart)
			return null;
		config.options = config.options || {};
		config.options.animation = false;
		config.options.responsive = true;
		config.options.maintainAspectRatio = false;
		config.options.plugins = config.options.plugins || {};
		config.options.plugins.legend = { labels: { boxWidth: 24,
		    boxHeight: 3 } };
		if (charts[id]) {
			charts[id].data = config.data;
			charts[id].options = config.options;
			charts[id].update("none");
		} else
			charts[id] = new window.Chart(c, config);
		return charts[id];
	};

	S.alertRow = function (v, a, withMigration) {
		var href = S.subjectHref(v, a.subject);
		var advice = (a.evidence && a.evidence.advice) ||
		    (a.advice && (a.advice.text || a.advice)) || null;
		var subj = a.subject ? a.subject.kind + " " + a.subject.id : "-";
		var here = S.param("id") === String(a.id);
		return S.el("tr", { class: "alert " + a.state + (here ? " here" : ""),
		    id: "alert-" + a.id,
		    data: { alertId: a.id, name: a.name, state: a.state,
		    severity: a.severity, node: a.node, subjectKind:
		    a.subject ? a.subject.kind : null, subjectId:
		    a.subject ? a.subject.id : null } },
		    S.el("td", { text: String(a.id) }),
		    S.el("td", {}, S.badge(a.state)),
		    S.el("td", {}, S.badge(a.severity)),
		    S.el("td", { class: "name", text: a.name }),
		    S.el("td", { text: a.node || "-" }),
		    withMigration === false ? null : S.el("td", {},
		    href ? S.el("a", { href: href, text: subj }) : subj),
		    S.el("td", { text: S.time(a.state === "resolved" ?
		    a.resolved_ns : a.t_ns) }),
		    S.el("td", { class: "message" },
		    S.el("div", { class: "msg", text: a.message || "" }),
		    a.state === "resolved" && a.resolution ? S.el("div",
		    { class: "resolution", text: "resolved: " + a.resolution }) :
		    null,
		    advice ? S.el("div", { class: "advice",
		    text: "advice: " + advice }) : null));
	};

	/* ---- the generic views ---------------------------------------- */

	function overview() {
		return S.views().then(function (v) {
			return Promise.all([S.api("/api/status"),
			    S.api("/api/alerts?firing"),
			    S.api("/api/nodes")]).then(function (r) {
				var st = r[0], al = r[1], nodes = r[2];
				var box = S.clear(document.getElementById("summary"));
				var fig = function (label, value, key) {
					box.appendChild(S.el("div", { class: "fig",
					    data: { fig: key, value: value } },
					    S.el("div", { class: "v",
					    text: String(value) }),
					    S.el("div", { class: "l", text: label })));
				};
				fig("nodes", st.nodes, "nodes");
				fig("stale nodes", st.nodes_stale, "nodes_stale");
				fig("alerts firing", st.alerts_firing,
				    "alerts_firing");
				Object.keys(st).forEach(function (k) {
					/* each kind's counts (status) */
					if (/_(total|active)$/.test(k) &&
					    typeof st[k] === "number")
						fig(k.replace(/_/g, " "), st[k], k);
				});
				S.rows("alerts-body", al.map(function (a) {
					return S.alertRow(v, a);
				}), "no alert is firing");
				S.rows("nodes-body", nodes.map(nodeRow),
				    "no node has connected yet");
				var ag = st.aggregator || {};
				document.getElementById("aggregator").textContent =
				    "strata-aggregator " + ag.version + ", up " +
				    ag.uptime_s + " s, store " + st.db +
				    " (schema " + st.schema_version + ")";
			});
		});
	}

	function nodeRow(n) {
		var here = S.param("id") === n.name;
		return S.el("tr", { class: "node " + (n.stale ? "stale" : "up") +
		    (here ? " here" : ""),
		    id: "node-" + n.name,
		    data: { node: n.name, stale: n.stale,
		    clockOffsetMs: n.clock_offset_ms, discarded: n.discarded,
		    records: n.records } },
		    S.el("td", { class: "name", text: n.name }),
		    S.el("td", {}, S.badge(n.stale ? "stale" : "up")),
		    S.el("td", { text: n.agent_version || "-" }),
		    S.el("td", { text: S.time(n.last_seen_ns) }),
		    S.el("td", { class: "num",
		    text: S.ms(n.clock_offset_ms) }),
		    S.el("td", { text: n.clock_source || "-" }),
		    S.el("td", { class: "num", text: n.events_per_s === null ||
		    n.events_per_s === undefined ? "-" :
		    String(Math.round(n.events_per_s)) }),
		    S.el("td", { class: "num", text: String(n.discarded || 0) }),
		    S.el("td", { class: "num", text: String(n.records) }));
	}

	function nodes() {
		return S.api("/api/nodes").then(function (ns) {
			S.rows("nodes-body", ns.map(nodeRow),
			    "no node has connected yet");
			S.chart("clock-chart", {
				type: "bar",
				data: {
					labels: ns.map(function (n) { return n.name; }),
					datasets: [{ label: "clock offset (ms, node - aggregator)",
					    data: ns.map(function (n) {
						return n.clock_offset_ms;
					    }), backgroundColor: "#4e79a7" }]
				},
				options: { indexAxis: "y" }
			});
		});
	}

	function alerts() {
		return S.views().then(function (v) {
			return S.api("/api/alerts?limit=1000").then(function (al) {
				var groups = { firing: [], acked: [], resolved: [] };
				al.slice().reverse().forEach(function (a) {
					(groups[a.state] || groups.firing).push(a);
				});
				Object.keys(groups).forEach(function (g) {
					S.rows("alerts-" + g, groups[g].map(function (a) {
						return S.alertRow(v, a);
					}), "none");
					document.getElementById("count-" + g)
					    .textContent = String(groups[g].length);
				});
			});
		});
	}

	S.start = function () {
		S.nav();
		var view = document.body.dataset.view;
		if (view === "overview")
			S.poll(overview, 2000);
		else if (view === "nodes")
			S.poll(nodes, 2000);
		else if (view === "alerts")
			S.poll(alerts, 2000);
	};

	/* Kinds' pages have views of their own names: only the nav here. */
	document.addEventListener("DOMContentLoaded", S.start);
	return S;
})();
