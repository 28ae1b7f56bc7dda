/*
 * volume.js: the volume kind's web view (kind.c, .web): volumes.html,
 * /api/volumes: each volume and under it one line per attachment (host,
 * mountpoint, target).  Polls while the page is open; every value is
 * also in data-* attributes.
 */
"use strict";

(function () {
	var S = Strata;

	function row(v) {
		var at = v.attachments || [];
		return S.el("tr", { class: "volume", data: { volumeId: v.volume_id,
		    name: v.name, sizeGb: v.size_gb, status: v.status,
		    backend: v.backend, attachments: at.length } },
		    S.el("td", { text: v.volume_id }),
		    S.el("td", { text: v.name || "-" }),
		    S.el("td", { class: "num", text: v.size_gb === null ||
		    v.size_gb === undefined ? "-" : v.size_gb + " GB" }),
		    S.el("td", {}, S.badge(v.status)),
		    S.el("td", { text: v.backend || "-" }),
		    S.el("td", {}, at.length ? S.el.apply(null, ["ul",
		    { class: "attachments" }].concat(at.map(function (a) {
			return S.el("li", { class: "attachment", data: {
			    instanceUuid: a.instance_uuid, host: a.host,
			    mountpoint: a.mountpoint, target: a.target },
			    text: (a.instance_uuid || "?") + " on " +
			    (a.host || "?") + " " + (a.mountpoint || "") +
			    (a.target ? " (" + a.target + ")" : "") });
		    }))) : "-"));
	}

	function list() {
		var live = document.getElementById("f-live").checked;
		return S.api("/api/volumes" + (live ? "?live" : "")).then(
		    function (vs) {
			S.rows("volumes-body", vs.map(row), "no volume yet");
		});
	}

	document.addEventListener("DOMContentLoaded", function () {
		if (document.body.dataset.view !== "volumes")
			return;
		document.getElementById("f-live").addEventListener("input", list);
		S.poll(list, 2000);
	});
})();
