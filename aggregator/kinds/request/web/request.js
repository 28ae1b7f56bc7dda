/*
 * request.js: the request kind's web view (kind.c, .web): the list
 * (requests.html, /api/requests) and one request (request.html?id=ID,
 * /api/request): its flow tree (API, conductor/scheduler, the computes,
 * Nova's phases, QEMU's sides, stages and rounds, the requests it made of
 * other services), one row per tree node indented by depth.  Polls while
 * the page is open; every value is also in data-* attributes.
 */
"use strict";

(function () {
	var S = Strata;

	function reqRow(r) {
		return S.el("tr", { class: "request", data: { requestId:
		    r.request_id, operation: r.operation, status: r.status,
		    durationMs: r.duration_ms, hosts: (r.hosts || []).join(",") } },
		    S.el("td", { text: S.time(r.started_ns) }),
		    S.el("td", {}, S.el("a", { href:
		    "/kinds/request/request.html?id=" +
		    encodeURIComponent(r.request_id), text: r.request_id })),
		    S.el("td", { text: r.operation || "-" }),
		    S.el("td", { text: (r.services || []).join(", ") }),
		    S.el("td", { text: (r.hosts || []).join(", ") }),
		    S.el("td", {}, S.badge(r.status)),
		    S.el("td", { class: "num", text: S.ms(r.duration_ms) }));
	}

	function list() {
		var q = ["limit=500"];
		var text = document.getElementById("f-text").value.trim()
		    .toLowerCase();
		if (document.getElementById("f-slow").checked)
			q.push("slow");
		if (document.getElementById("f-failed").checked)
			q.push("failed");
		return S.api("/api/requests?" + q.join("&")).then(function (rs) {
			if (text)
				rs = rs.filter(function (r) {
					return [r.request_id, r.operation,
					    r.global_request_id].some(function (x) {
						return x && x.toLowerCase()
						    .indexOf(text) >= 0;
					});
				});
			S.rows("requests-body", rs.map(reqRow), "no request yet");
		});
	}

	/* The tree's nodes depth first, each as a row. */
	function flatten(t, depth, path, out) {
		out.push(S.el("tr", { class: "node " + (t.kind || ""), data: {
		    depth: depth, path: path, kind: t.kind, name: t.name,
		    host: t.host || t.node, startNs: t.start_ns,
		    durationMs: t.duration_ms, status: t.status,
		    migrationId: t.migration_id } },
		    S.el("td", { style: "padding-left:" + (0.6 + 1.4 * depth) +
		    "em", text: t.name || t.kind || "-" }),
		    S.el("td", { text: t.kind || "-" }),
		    S.el("td", { text: t.host || t.node || "-" }),
		    S.el("td", { text: S.time(t.start_ns) }),
		    S.el("td", { class: "num", text: S.ms(t.duration_ms) }),
		    S.el("td", {}, t.status ? S.badge(t.status) : "")));
		(t.children || []).forEach(function (c, i) {
			flatten(c, depth + 1, path + "." + i, out);
		});
		return out;
	}

	function kv(label, value, key) {
		return S.el("tr", { data: { key: key } },
		    S.el("td", { text: label }),
		    S.el("td", { text: value === null || value === undefined ?
		    "-" : String(value) }));
	}

	function detail() {
		var id = S.param("id");
		if (!id) {
			document.getElementById("title").textContent =
			    "No request named (request.html?id=ID)";
			return Promise.resolve();
		}
		return S.api("/api/request?id=" + encodeURIComponent(id)).then(
		    function (r) {
			var t = r.tree || {};
			document.getElementById("title").textContent =
			    "Request " + (r.request_id || id);
			document.getElementById("subtitle").textContent =
			    r.operation || t.name || "";
			S.rows("summary-body", [
			    kv("operation", r.operation || t.name, "operation"),
			    kv("status", r.status || t.status, "status"),
			    kv("duration", S.ms(r.duration_ms !== undefined ?
			    r.duration_ms : t.duration_ms), "duration"),
			    r.diagnosis ? kv("diagnosis", r.diagnosis.summary,
			    "diagnosis") : null
			].filter(function (x) { return x; }));
			S.rows("tree-body", r.tree ? flatten(r.tree, 0, "0", []) :
			    [], "no tree");
		});
	}

	document.addEventListener("DOMContentLoaded", function () {
		var view = document.body.dataset.view;
		if (view === "requests") {
			["f-slow", "f-failed", "f-text"].forEach(function (f) {
				document.getElementById(f).addEventListener("input",
				    list);
			});
			S.poll(list, 2000);
		} else if (view === "request")
			S.poll(detail, 2000);
	});
})();
