/*
 * port.js: the port kind's web view (kind.c, .web): ports.html,
 * /api/ports (MAC, IPs, device, binding host, status) and /api/networks.
 * Polls while the page is open; every value is also in data-* attributes.
 */
"use strict";

(function () {
	var S = Strata;

	function row(p) {
		return S.el("tr", { class: "port", data: { portId: p.port_id,
		    mac: p.mac, ips: (p.ips || []).join(","),
		    deviceId: p.device_id, host: p.host, status: p.status } },
		    S.el("td", { text: p.port_id }),
		    S.el("td", { text: p.mac || "-" }),
		    S.el("td", { text: (p.ips || []).join(", ") || "-" }),
		    S.el("td", {}, p.device_id ? S.el("a", { href:
		    "/kinds/vm/vm.html?id=" + encodeURIComponent(p.device_id),
		    text: p.device_id }) : "-"),
		    S.el("td", { text: p.host || "-" }),
		    S.el("td", {}, S.badge(p.status, (p.status || "")
		    .toLowerCase())));
	}

	function netRow(n) {
		return S.el("tr", { class: "network", data: { networkId:
		    n.network_id, name: n.name, status: n.status,
		    ports: n.ports } },
		    S.el("td", { text: n.network_id }),
		    S.el("td", { text: n.name || "-" }),
		    S.el("td", {}, S.badge(n.status, (n.status || "")
		    .toLowerCase())),
		    S.el("td", { text: n.network_type || "-" }),
		    S.el("td", { text: n.segmentation_id === null ||
		    n.segmentation_id === undefined ? "-" :
		    String(n.segmentation_id) }),
		    S.el("td", { text: (n.subnets || []).map(function (s) {
			return s.cidr || s.subnet_id; }).join(", ") || "-" }),
		    S.el("td", { class: "num", text: String(n.ports) }));
	}

	function list() {
		var live = document.getElementById("f-live").checked;
		var text = document.getElementById("f-text").value.trim()
		    .toLowerCase();
		return Promise.all([S.api("/api/ports" + (live ? "?live" : "")),
		    S.api("/api/networks")]).then(function (r) {
			var ps = r[0];
			if (text)
				ps = ps.filter(function (p) {
					return [p.mac, p.device_id, p.host,
					    p.port_id].concat(p.ips || []).some(
					    function (x) {
						return x && x.toLowerCase()
						    .indexOf(text) >= 0;
					});
				});
			S.rows("ports-body", ps.map(row), "no port yet");
			S.rows("networks-body", r[1].map(netRow), "no network");
		});
	}

	document.addEventListener("DOMContentLoaded", function () {
		if (document.body.dataset.view !== "ports")
			return;
		["f-live", "f-text"].forEach(function (f) {
			document.getElementById(f).addEventListener("input", list);
		});
		S.poll(list, 2000);
	});
})();
