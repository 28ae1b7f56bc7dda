/*
 * service.js: the service kind's web view (kind.c, .web): services.html,
 * /api/services: per service and operation the count, errors and latency
 * percentiles, and a bar chart of p50, p90, p99 and max per operation
 * (Chart.js when /static/chart.js loaded; the canvas' data-points hold
 * the values either way).  Polls while the page is open.
 */
"use strict";

(function () {
	var S = Strata;
	var KEYS = ["p50_ms", "p90_ms", "p99_ms", "max_ms"];
	var COLORS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2"];

	function row(o) {
		return S.el("tr", { class: "operation", data: { service:
		    o.service, operation: o.operation, count: o.count,
		    errors: o.errors, p50Ms: o.p50_ms, p90Ms: o.p90_ms,
		    p99Ms: o.p99_ms, maxMs: o.max_ms } },
		    S.el("td", { text: o.service }),
		    S.el("td", { text: o.operation }),
		    S.el("td", { class: "num", text: String(o.count) }),
		    S.el("td", { class: "num", text: String(o.errors) }),
		    S.el("td", { class: "num", text: S.ms(o.p50_ms) }),
		    S.el("td", { class: "num", text: S.ms(o.p90_ms) }),
		    S.el("td", { class: "num", text: S.ms(o.p99_ms) }),
		    S.el("td", { class: "num", text: S.ms(o.max_ms) }));
	}

	function list() {
		return S.api("/api/services").then(function (ss) {
			S.rows("services-body", ss.map(row), "no service yet");
			var c = document.getElementById("chart-latency");
			c.dataset.points = JSON.stringify(ss.map(function (o) {
				return [o.service + " " + o.operation].concat(
				    KEYS.map(function (k) { return o[k]; }));
			}));
			S.chart("chart-latency", { type: "bar", data: {
			    labels: ss.map(function (o) {
				return o.service + " " + o.operation; }),
			    datasets: KEYS.map(function (k, i) {
				return { label: k.replace("_ms", ""),
				    backgroundColor: COLORS[i],
				    data: ss.map(function (o) { return o[k]; }) };
			    }) },
			    options: { scales: { y: { beginAtZero: true,
			    title: { display: true, text: "ms" } } } } });
		});
	}

	document.addEventListener("DOMContentLoaded", function () {
		if (document.body.dataset.view === "services")
			S.poll(list, 5000);
	});
})();
