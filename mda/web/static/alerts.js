// The alert panel: current alerts first (then the last that ended), acknowledgement with a
// note, and each alert's ring on the map.

import { call, describe } from "./api.js";
import { selectVessel } from "./detail.js";
import { $, may, notice, state } from "./shared.js";
import { SEVERITY } from "./vessels.js";

const ENDED_SHOWN = 50;
const STATE_RANK = { open: 0, acknowledged: 1, cleared: 2, retracted: 2 };

export async function loadAlerts() {
  try {
    const states = "state=open&state=acknowledged&state=cleared&state=retracted";
    const page = await call(`/alerts?${states}&limit=500`);
    page.alerts.forEach(applyAlert);
  } catch (err) {
    notice(`Alerts could not be loaded. ${describe(err)}`);
  }
}

export function applyAlert(body) {
  const held = state.alerts.get(body.alert_id);
  // The list and the stream's first alerts overlap: keep the latest state of each alert.
  if (held) {
    const newer = (body.updated ?? "") > (held.updated ?? "");
    const same = (body.updated ?? "") === (held.updated ?? "");
    if (!newer && !(same && STATE_RANK[body.state] >= STATE_RANK[held.state])) return;
  }
  state.alerts.set(body.alert_id, body);
  renderAlerts();
}

const isCurrent = (a) => a.state === "open" || a.state === "acknowledged";

function alertOrder(a, b) {
  const keys = (x) => [isCurrent(x) ? 0 : 1, STATE_RANK[x.state], SEVERITY[x.severity]?.rank ?? 3];
  const [ka, kb] = [keys(a), keys(b)];
  for (let i = 0; i < ka.length; i += 1) if (ka[i] !== kb[i]) return ka[i] - kb[i];
  return (b.updated ?? "").localeCompare(a.updated ?? "");
}

export function renderAlerts() {
  const all = [...state.alerts.values()].sort(alertOrder);
  const current = all.filter(isCurrent);
  const shown = [...current, ...all.filter((a) => !isCurrent(a)).slice(0, ENDED_SHOWN)];
  const list = $("alerts");
  const wanted = new Set(shown.map((a) => a.alert_id));
  for (const [id, item] of state.alertItems) {
    if (!wanted.has(id)) {
      item.remove();
      state.alertItems.delete(id);
    }
  }
  shown.forEach((body, index) => {
    let item = state.alertItems.get(body.alert_id);
    if (!item) {
      item = alertItem(body.alert_id);
      state.alertItems.set(body.alert_id, item);
    }
    fillAlert(item, body);
    if (list.children[index] !== item) list.insertBefore(item, list.children[index] ?? null);
  });
  const open = current.filter((a) => a.state === "open").length;
  $("alert-count").textContent = current.length ? `${open} open, ${current.length - open} acknowledged` : "";
  $("no-alerts").hidden = shown.length > 0;
  if (!state.vessels) return; // the map is not built yet: it takes the alerts when it is
  state.vessels.alerts = current.map((a) => ({
    mmsi: a.mmsi,
    lat: a.position?.lat,
    lon: a.position?.lon,
    severity: SEVERITY[a.severity] ? a.severity : "caution",
    acknowledged: a.state === "acknowledged",
  }));
  state.vessels.changed();
}

function alertItem(alertId) {
  const item = document.createElement("li");
  item.className = "alert";
  item.dataset.alertId = alertId;
  item.innerHTML = `
    <div class="alert-head"><span class="sev"></span><span class="rule"></span><span class="state"></span></div>
    <div class="alert-message"></div>
    <div class="alert-meta muted"></div>
    <form class="alert-ack">
      <input class="note" maxlength="1000" placeholder="note (optional)" aria-label="note">
      <button class="ack" type="submit">Acknowledge</button>
    </form>
    <div class="alert-error" role="alert"></div>`;
  item.querySelector(".alert-ack").addEventListener("submit", (event) => {
    event.preventDefault();
    acknowledge(item);
  });
  item.addEventListener("click", (event) => {
    if (event.target.closest("form")) return;
    const body = state.alerts.get(alertId);
    if (body?.mmsi) selectVessel(body.mmsi, { pan: true, alert: body });
  });
  return item;
}

function fillAlert(item, a) {
  item.dataset.state = a.state;
  item.dataset.severity = a.severity;
  item.dataset.mmsi = String(a.mmsi ?? "");
  item.querySelector(".sev").textContent = SEVERITY[a.severity]?.label ?? a.severity;
  item.querySelector(".rule").textContent = (a.rule ?? "").replaceAll("_", " ");
  const by = a.state === "acknowledged" && a.acknowledged_by ? ` by ${a.acknowledged_by}` : "";
  item.querySelector(".state").textContent = `${a.state}${by}`;
  item.querySelector(".alert-message").textContent = a.message ?? "";
  const zone = a.zone?.name ? ` · ${a.zone.name}` : "";
  item.querySelector(".alert-meta").textContent =
    `since ${(a.start ?? "").slice(0, 16).replace("T", " ")}Z · id ${a.alert_id.slice(0, 8)}${zone}`;
  item.querySelector(".alert-ack").hidden = a.state !== "open" || !may("acknowledge");
}

async function acknowledge(item) {
  const id = item.dataset.alertId;
  const button = item.querySelector(".ack");
  const error = item.querySelector(".alert-error");
  button.disabled = true;
  error.textContent = "";
  try {
    const note = item.querySelector(".note").value.trim();
    const body = await call(`/alerts/${encodeURIComponent(id)}/acknowledge`, {
      method: "POST",
      body: { note: note || null },
    });
    applyAlert(body);
  } catch (err) {
    error.textContent = describe(err);
  } finally {
    button.disabled = false;
  }
}
