// The live map: sign-in, the live stream, and starting the page.
// Everything comes from this page's own origin: no tiles, no fonts, no scripts from elsewhere.

import { applyAlert, loadAlerts } from "./alerts.js";
import { ApiError, call, describe, streamUrl } from "./api.js";
import { showFacts } from "./detail.js";
import { initMap, loadLand, loadZones } from "./layers.js";
import { $, notice, setLink, state } from "./shared.js";

// -- sign-in ----------------------------------------------------------------------------------

// A token handed over in the URL fragment (#token=...) is used once and wiped from the address
// bar and history: the fragment never reaches a server, the session cookie carries on.
function tokenFromFragment() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const token = params.get("token");
  if (token) window.history.replaceState(null, "", window.location.pathname + window.location.search);
  return token;
}

async function boot() {
  const token = tokenFromFragment();
  try {
    const me = token ? await call("/session", { method: "POST", token }) : await call("/me");
    start(me);
  } catch (err) {
    // A first visit without a session is no error; a refused token or session is, and says so.
    const firstVisit = !token && err instanceof ApiError && err.status === 401 && !err.detail.includes("session");
    showLogin(firstVisit ? "" : describe(err));
  }
}

function showLogin(message) {
  closeStream();
  setLink("idle", "not connected");
  $("login").hidden = false;
  $("login-error").textContent = message;
  $("token").focus();
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const token = $("token").value.trim();
  $("login-error").textContent = "";
  try {
    const me = await call("/session", { method: "POST", token });
    $("token").value = "";
    $("login").hidden = true;
    start(me);
  } catch (err) {
    $("login-error").textContent = describe(err);
  }
});

$("sign-out").addEventListener("click", async () => {
  try {
    await call("/session", { method: "DELETE" });
  } finally {
    window.location.reload();
  }
});

// -- the live picture -------------------------------------------------------------------------

function upsertVessel(row) {
  const held = state.vessels.vessels.get(row.mmsi);
  // The first page and the stream overlap: never let an older row replace a newer one.
  if (held && (held.last_seen ?? "") > (row.last_seen ?? "")) return;
  state.vessels.vessels.set(row.mmsi, row);
}

// Every page of the live picture (10,000 vessels a page).
async function fetchVessels() {
  const rows = [];
  for (;;) {
    const page = await call(`/vessels?limit=10000&offset=${rows.length}`);
    rows.push(...page.vessels);
    if (!page.vessels.length || rows.length >= page.total) return rows;
  }
}

async function loadVessels(pages = fetchVessels()) {
  try {
    (await pages).forEach(upsertVessel);
    vesselsChanged();
  } catch (err) {
    notice(`The live picture could not be loaded. ${describe(err)}`);
  }
}

function vesselsChanged() {
  const layer = state.vessels;
  layer.changed();
  let latest = "";
  for (const v of layer.vessels.values()) if ((v.time ?? "") > latest) latest = v.time;
  $("clock").textContent = latest ? `picture at ${latest.slice(0, 16).replace("T", " ")}Z` : "";
  if (!state.fitted && layer.vessels.size) {
    state.fitted = true;
    const points = [...layer.vessels.values()].filter((v) => v.lat !== null).map((v) => [v.lat, v.lon]);
    if (points.length) state.map.fitBounds(points, { padding: [40, 40], maxZoom: 9 });
  }
  if (state.selectedMmsi !== undefined) showFacts(layer.vessels.get(state.selectedMmsi));
}

function openStream() {
  closeStream();
  const source = new EventSource(streamUrl);
  state.stream = source;
  let opened = false;
  setLink("connecting", "connecting");
  source.addEventListener("open", () => {
    setLink("live", "live");
    // After a reconnection, vessels that moved while away are fetched again.
    if (opened) loadVessels();
    opened = true;
  });
  source.addEventListener("vessels", (event) => {
    JSON.parse(event.data).forEach(upsertVessel);
    vesselsChanged();
  });
  source.addEventListener("alert", (event) => applyAlert(JSON.parse(event.data)));
  source.addEventListener("dropped", () => {
    notice("The live stream fell behind and was cut by the service; reconnecting.");
  });
  source.addEventListener("error", async () => {
    if (source !== state.stream) return;
    if (source.readyState !== EventSource.CLOSED) {
      setLink("reconnecting", "reconnecting");
      return;
    }
    // Closed for good: the service refused the stream. Say why (a revoked token, a role).
    setLink("closed", "disconnected");
    try {
      await call("/me");
      setTimeout(() => source === state.stream && openStream(), 3000);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        showLogin(`Your session has ended. ${describe(err)}`);
      } else {
        setTimeout(() => source === state.stream && openStream(), 3000);
      }
    }
  });
}

function closeStream() {
  if (state.stream) state.stream.close();
  state.stream = null;
}

// -- start ------------------------------------------------------------------------------------

async function start(me) {
  state.me = me;
  $("login").hidden = true;
  $("who").textContent = `${me.name} · ${me.role}`;
  $("sign-out").hidden = false;
  if (state.started) {
    openStream();
    await loadVessels();
    return;
  }
  state.started = true;
  // What a watch officer needs first goes first, asked for before the map is even built: the
  // browser opens a handful of connections to one server, and land and zones are large (and
  // slow to draw) while vessels and alerts are not.
  const pages = fetchVessels();
  const alerts = loadAlerts();
  initMap();
  openStream();
  await Promise.all([loadVessels(pages), alerts]);
  loadLand();
  loadZones();
}

boot();
