/*
 * vm.js: the vm kind's web view (kind.c, .web): the list of Nova
 * instances (vms.html, /api/vms) and one instance (vm.html?id=UUID,
 * /api/vm): its state after each of Nova's events, oldest first, and its
 * live migrations (linking the migration kind's page).  Polls while the
 * page is open; every value is also in data-* attributes.
 */
"use strict";

(function () {
	var S = Strata;

	function vmRow(v) {
		return S.el("tr", { class: "vm", data: { uuid: v.uuid,
		    name: v.name, host: v.host, vmState: v.vm_state,
		    taskState: v.task_state, powerState: v.power_state } },
		    S.el("td", {}, S.el("a", { href: "/kinds/vm/vm.html?id=" +
		    encodeURIComponent(v.uuid), text: v.name || v.uuid })),
		    S.el("td", { text: v.uuid }),
		    S.el("td", { text: v.host || "-" }),
		    S.el("td", {}, S.badge(v.vm_state)),
		    S.el("td", { text: v.task_state || "-" }),
		    S.el("td", { text: v.power_state || "-" }),
		    S.el("td", { text: S.time(v.since_ns) }));
	}

	function list() {
		var q = ["limit=1000"];
		var text = document.getElementById("f-text").value.trim()
		    .toLowerCase();
		if (document.getElementById("f-live").checked)
			q.push("live");
		return S.api("/api/vms?" + q.join("&")).then(function (vs) {
			if (text)
				vs = vs.filter(function (v) {
					return [v.name, v.uuid, v.host].some(
					    function (x) {
						return x && x.toLowerCase()
						    .indexOf(text) >= 0;
					});
				});
			S.rows("vms-body", vs.map(vmRow), "no instance yet");
		});
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
			    "No instance named (vm.html?id=UUID)";
			return Promise.resolve();
		}
		return S.api("/api/vm?id=" + encodeURIComponent(id)).then(
		    function (v) {
			var last = v.timeline.length ?
			    v.timeline[v.timeline.length - 1] : {};
			document.getElementById("title").textContent =
			    "Instance " + (v.name || v.uuid);
			document.getElementById("subtitle").textContent = v.uuid;
			document.title = "Strata: " + (v.name || v.uuid);
			document.getElementById("summary-body").dataset.uuid =
			    v.uuid;
			S.rows("summary-body", [kv("name", v.name, "name"),
			    kv("uuid", v.uuid, "uuid"),
			    kv("host", v.host, "host"),
			    kv("last vm state", last.vm_state, "vm_state"),
			    kv("events", v.timeline.length, "events")]);
			S.rows("timeline-body", v.timeline.map(function (e) {
				return S.el("tr", { class: "event", data: {
				    tNs: e.t_ns, eventType: e.event_type,
				    vmState: e.vm_state, taskState: e.task_state,
				    powerState: e.power_state, host: e.host } },
				    S.el("td", { text: S.time(e.t_ns) }),
				    S.el("td", { text: e.event_type || "-" }),
				    S.el("td", {}, S.badge(e.vm_state)),
				    S.el("td", { text: e.task_state || "-" }),
				    S.el("td", { text: e.power_state || "-" }),
				    S.el("td", { text: e.host || "-" }));
			}), "no event");
			S.rows("migrations-body", (v.migrations || []).map(
			    function (m) {
				return S.el("tr", { class: "migration",
				    data: { id: m } }, S.el("td", {},
				    S.el("a", { href:
				    "/kinds/migration/migration.html?id=" +
				    encodeURIComponent(m), text: m })));
			}), "no live migration");
		});
	}

	document.addEventListener("DOMContentLoaded", function () {
		var view = document.body.dataset.view;
		if (view === "vms") {
			["f-live", "f-text"].forEach(function (f) {
				document.getElementById(f).addEventListener("input",
				    list);
			});
			S.poll(list, 2000);
		} else if (view === "vm")
			S.poll(detail, 2000);
	});
})();
