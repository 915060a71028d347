// The map: its base layers (land, zones, corridors), the vessel layer, legend and controls.

/* global L */

import { call, describe } from "./api.js";
import { renderAlerts } from "./alerts.js";
import { selectVessel } from "./detail.js";
import { $, may, notice, state } from "./shared.js";
import { topologyToGeoJSON } from "./topojson.js";
import { SEVERITY, TYPES, VesselLayer } from "./vessels.js";

export function initMap() {
  const map = L.map("map", {
    preferCanvas: true,
    worldCopyJump: true,
    zoomSnap: 0.5,
    attributionControl: true,
  });
  map.attributionControl.setPrefix("Leaflet");
  map.attributionControl.addAttribution("Land: Natural Earth (public domain)");
  map.fitBounds([[-10, -25], [35, 55]]);
  L.control.scale({ imperial: false }).addTo(map);
  state.map = map;
  state.vessels = new VesselLayer().addTo(map);
  state.vessels.on("drawn", ({ drawn, total }) => {
    const count = $("vessel-count");
    count.dataset.drawn = String(drawn);
    count.dataset.total = String(total);
    count.textContent = total ? `${drawn} of ${total} vessels in view` : "no vessels";
  });
  state.vessels.on("select", ({ mmsi }) => selectVessel(mmsi));
  renderAlerts();
  state.track = L.layerGroup().addTo(map);
  legend().addTo(map);
  state.layers = L.control.layers(null, { Vessels: state.vessels }, { collapsed: true }).addTo(map);
  // A hook for tests and for looking around from the console; the page does not need it.
  window.mdaMap = { map, vessels: state.vessels, alerts: state.alerts, track: state.track };
}

function legend() {
  const control = L.control({ position: "bottomleft" });
  control.onAdd = () => {
    const box = L.DomUtil.create("div", "legend");
    const types = Object.values(TYPES)
      .map((t) => `<li><i class="hull" style="--c:${t.color}"></i>${t.label}</li>`)
      .join("");
    const severities = Object.values(SEVERITY)
      .map((s) => `<li><i class="ring" style="--c:${s.color}"></i>${s.label}</li>`)
      .join("");
    box.innerHTML = `<ul>${types}</ul><ul>${severities}<li><i class="ring dashed"></i>acknowledged</li></ul>`;
    return box;
  };
  return control;
}

const ZONE_STYLES = {
  land: { color: "#b7aa86", weight: 0.8, fillColor: "#eee6d0", fillOpacity: 1 },
  sea: { color: "#3f6f9f", weight: 1, dashArray: "5 5", fill: false },
  eez: { color: "#3f6f9f", weight: 1, dashArray: "2 4", fill: false },
  corridor: { stroke: false, fillColor: "#8e44ad", fillOpacity: 0.2 },
  cable: { color: "#8e44ad", weight: 1.4, opacity: 0.9 },
  pipeline: { color: "#7a4a1c", weight: 2, dashArray: "6 3", opacity: 0.9 },
  port: { color: "#59606b", weight: 0.8, fillColor: "#59606b", fillOpacity: 0.12 },
  mpa: { color: "#2e8b57", weight: 1, fillColor: "#2e8b57", fillOpacity: 0.15 },
  custom: { color: "#c0392b", weight: 1.2, dashArray: "8 6", fill: false },
};
const LAYER_OF_KIND = {
  land: "Land",
  sea: "Sea areas",
  eez: "Sea areas",
  cable: "Cable and pipeline corridors",
  pipeline: "Cable and pipeline corridors",
  port: "Ports and anchorages",
  anchorage: "Ports and anchorages",
  mpa: "Protected areas",
  custom: "Other zones",
};

function zoneStyle(feature) {
  const kind = feature.properties.kind;
  if (kind === "cable" || kind === "pipeline") return ZONE_STYLES.corridor;
  if (kind === "anchorage") return ZONE_STYLES.port;
  return ZONE_STYLES[kind] ?? ZONE_STYLES.custom;
}

export async function loadLand() {
  try {
    const response = await fetch("vendor/world-atlas/land-50m.json");
    const land = topologyToGeoJSON(await response.json(), "land");
    const layer = L.geoJSON(land, { style: ZONE_STYLES.land, interactive: false });
    layer.addTo(state.map).bringToBack();
    state.layers.addOverlay(layer, "Land");
  } catch (err) {
    notice(`The land outline could not be loaded: ${err.message}`);
  }
}

export async function loadZones() {
  if (!may("zones")) {
    notice(`Zones and cables are not shown: role ${state.me.role} may not read them (403).`);
    return;
  }
  try {
    const [zones, routes] = await Promise.all([call("/zones?simplify_m=100"), call("/cables")]);
    const groups = new Map();
    for (const feature of zones.features) {
      const name = LAYER_OF_KIND[feature.properties.kind] ?? "Other zones";
      if (!groups.has(name)) groups.set(name, []);
      groups.get(name).push(feature);
    }
    const corridors = groups.get("Cable and pipeline corridors") ?? [];
    corridors.push(...routes.features);
    groups.set("Cable and pipeline corridors", corridors);
    for (const [name, features] of groups) {
      if (!features.length) continue;
      const layer = L.geoJSON(
        { type: "FeatureCollection", features },
        {
          interactive: false,
          style: (f) => (isRoute(f) ? ZONE_STYLES[f.properties.kind] : zoneStyle(f)),
        },
      );
      layer.addTo(state.map);
      state.layers.addOverlay(layer, name);
    }
  } catch (err) {
    notice(`Zones could not be loaded. ${describe(err)}`);
  }
}

// A cable's route and its corridor share an id; the route is the line geometry.
function isRoute(feature) {
  const type = feature.geometry?.type;
  return type === "LineString" || type === "MultiLineString";
}
