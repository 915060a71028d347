// One vessel: its identity as the picture and the store know it, its alerts, and its last
// hours of track (from the store with history access, else the live picture's last hour).

/* global L */

import { call, describe } from "./api.js";
import { $, may, state } from "./shared.js";
import { SEVERITY, TYPES, vesselType } from "./vessels.js";

const HISTORY_HOURS = 6; // the track shown for a vessel, when the role may read the store

const TEXT = (value) => (value === null || value === undefined || value === "" ? "—" : String(value));

export function showFacts(v, detail) {
  if (!v && !detail) return;
  const row = v ?? {};
  const identity = detail?.identity ?? {};
  $("v-name").textContent = row.shipname ?? identity.shipname ?? `MMSI ${row.mmsi ?? state.selectedMmsi}`;
  const type = row.ship_type ?? identity.ship_type;
  const facts = [
    ["MMSI", row.mmsi ?? state.selectedMmsi],
    ["Call sign", row.callsign ?? identity.callsign],
    ["IMO", row.imo ?? identity.imo],
    ["Type", type === null || type === undefined ? null : `${TYPES[vesselType(type)].label} (${type})`],
    ["Flag", row.flag ?? identity.flag],
    ["Length", row.length_m ? `${row.length_m} m` : null],
    ["Destination", row.destination ?? identity.destination],
    ["Speed", row.sog === null || row.sog === undefined ? null : `${row.sog.toFixed(1)} kn`],
    ["Course", row.cog === null || row.cog === undefined ? null : `${row.cog.toFixed(0)}°`],
    ["Heading", row.heading === null || row.heading === undefined ? null : `${row.heading}°`],
    ["Position", row.lat === undefined || row.lat === null ? null : `${row.lat.toFixed(4)}, ${row.lon.toFixed(4)}`],
    ["Last fix", row.time ? `${row.time.slice(0, 19).replace("T", " ")}Z` : null],
    ["Zones", row.zones?.length ? row.zones.join(", ") : null],
  ];
  if (detail?.identity_history?.length > 1) {
    facts.push(["Identities", `${detail.identity_history.length} broadcast (see history)`]);
  }
  const list = $("v-facts");
  list.replaceChildren();
  for (const [name, value] of facts) {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = TEXT(value);
    list.append(dt, dd);
  }
}

export async function selectVessel(mmsi, { pan = false, alert = null } = {}) {
  state.selectedMmsi = mmsi;
  state.vessels.selected = mmsi;
  state.vessels.changed();
  $("vessel").hidden = false;
  $("vessel").dataset.mmsi = String(mmsi);
  $("v-track").textContent = "loading…";
  $("v-alerts").replaceChildren();
  state.track.clearLayers();
  const row = state.vessels.vessels.get(mmsi);
  showFacts(row ?? { mmsi });
  const where = row?.lat != null ? [row.lat, row.lon] : alert?.position ? [alert.position.lat, alert.position.lon] : null;
  if (pan && where) state.map.panTo(where);
  let detail;
  try {
    detail = await call(`/vessels/${mmsi}`);
  } catch (err) {
    $("v-track").textContent = describe(err);
    return;
  }
  if (state.selectedMmsi !== mmsi) return;
  showFacts(detail.vessel ?? row, detail);
  for (const a of detail.alerts ?? []) {
    const li = document.createElement("li");
    li.className = `mini sev-${a.severity}`;
    li.textContent = `${SEVERITY[a.severity]?.label ?? a.severity}: ${a.message} (${a.state})`;
    $("v-alerts").append(li);
  }
  await showTrack(mmsi, detail, alert);
}

async function showTrack(mmsi, detail, alert) {
  const last = detail.vessel?.time ?? detail.recent_track.at(-1)?.[0];
  let segments = [];
  let note = "";
  if (may("history") && last) {
    const until = new Date(Date.parse(last) + 1000);
    const since = new Date(until.getTime() - HISTORY_HOURS * 3600 * 1000);
    try {
      const track = await call(
        `/vessels/${mmsi}/track?since=${since.toISOString()}&until=${until.toISOString()}&resolution_s=30`,
      );
      const bySegment = new Map();
      for (const p of track.positions) {
        // No segment: a fix whose time is suspect, which belongs on no line.
        if (p.segment == null) continue;
        if (!bySegment.has(p.segment)) bySegment.set(p.segment, []);
        bySegment.get(p.segment).push([p.lat, p.lon]);
      }
      segments = [...bySegment.values()];
      note = `Track: the last ${HISTORY_HOURS} h from the store (${track.count} fixes).`;
    } catch (err) {
      note = `Stored track unavailable (${describe(err)}); `;
    }
  }
  if (!segments.length && detail.recent_track.length) {
    segments = [detail.recent_track.map(([, lat, lon]) => [lat, lon])];
    note += `Track: the last hour from the live picture (${detail.recent_track.length} points).`;
  }
  if (state.selectedMmsi !== mmsi) return;
  $("v-track").textContent = note || "No track yet.";
  for (const line of segments) {
    L.polyline(line, { color: "#101820", weight: 2.5, opacity: 0.85, interactive: false }).addTo(state.track);
    L.circleMarker(line[0], { radius: 3, color: "#101820", weight: 1, fillOpacity: 1, interactive: false }).addTo(state.track);
  }
  // Bring the track into view, closer in when it is small on the screen.
  const all = segments.flat();
  if (all.length > 1) {
    const bounds = L.latLngBounds(all);
    const map = state.map;
    if (!map.getBounds().contains(bounds) || map.getBoundsZoom(bounds) - map.getZoom() > 2) {
      map.fitBounds(bounds, { padding: [60, 60], maxZoom: 12 });
    }
  }
  const evidence = alert?.track ?? [];
  if (evidence.length > 1) {
    const color = SEVERITY[alert.severity]?.color ?? "#d7191c";
    L.polyline(evidence.map(([, lat, lon]) => [lat, lon]), { color, weight: 3, dashArray: "4 4", interactive: false }).addTo(state.track);
  }
}

$("v-close").addEventListener("click", () => {
  state.selectedMmsi = undefined;
  state.vessels.selected = null;
  state.vessels.changed();
  state.track.clearLayers();
  $("vessel").hidden = true;
});
