// What the page's modules share: its state, who is signed in, and how problems are shown.

export const $ = (id) => document.getElementById(id);

export const state = {
  me: null,
  map: null,
  vessels: null, // the VesselLayer
  alerts: new Map(), // alert_id -> latest body
  alertItems: new Map(), // alert_id -> <li>
  track: null, // the selected vessel's track layer
  stream: null,
  fitted: false,
  started: false,
};

export const may = (permission) => state.me?.permissions.includes(permission) ?? false;

// -- notices ----------------------------------------------------------------------------------

// Problems stay on screen until dismissed, the latest few, each once.
const NOTICES_KEPT = 4;
export function notice(text) {
  const lines = $("notice-text");
  if ([...lines.children].some((line) => line.textContent === text)) return;
  const line = document.createElement("div");
  line.textContent = text;
  lines.append(line);
  while (lines.children.length > NOTICES_KEPT) lines.firstElementChild.remove();
  $("notice").hidden = false;
}
$("notice-close").addEventListener("click", () => {
  $("notice").hidden = true;
  $("notice-text").replaceChildren();
});

export function setLink(kind, text) {
  $("link").dataset.state = kind;
  $("link").textContent = text;
}
