// Vessels on one canvas over the map: a symbol per vessel, coloured by type and turned to its
// heading (or course), alert rings in severity colours, the selected vessel ringed. One canvas
// instead of a DOM marker per vessel keeps 10,000 vessels smooth to pan and cheap to update.

/* global L */

export const TYPES = {
  fishing: { label: "Fishing", color: "#f08c1a" },
  cargo: { label: "Cargo", color: "#2f9d4a" },
  tanker: { label: "Tanker", color: "#cf3a33" },
  passenger: { label: "Passenger", color: "#2f6fd6" },
  other: { label: "Other", color: "#8b9099" },
};

export const SEVERITY = {
  alarm: { label: "Alarm", color: "#d7191c", rank: 0 },
  warning: { label: "Warning", color: "#f07b12", rank: 1 },
  caution: { label: "Caution", color: "#e8c20c", rank: 2 },
};

// AIS ship and cargo type codes (ITU-R M.1371): 30 fishing, 6x passenger, 7x cargo, 8x tanker.
export function vesselType(code) {
  if (code === 30) return "fishing";
  if (code >= 60 && code <= 69) return "passenger";
  if (code >= 70 && code <= 79) return "cargo";
  if (code >= 80 && code <= 89) return "tanker";
  return "other";
}

// Where the bow points, in degrees from north: the heading when the ship reports one, else the
// course over ground while it makes way (a drifting ship's course says nothing of its bow).
export function bearing(v) {
  if (v.heading !== null && v.heading !== undefined) return v.heading;
  if (v.cog !== null && v.cog !== undefined && (v.sog === null || v.sog >= 0.5)) return v.cog;
  return null;
}

const PAD = 0.2; // the canvas reaches this far past the view, so a pan shows no empty border
const HIT_PX = 12;
const LABEL_ZOOM = 10;

function hull(ctx) {
  ctx.beginPath();
  ctx.moveTo(0, -10);
  ctx.lineTo(5.5, 6);
  ctx.lineTo(0, 3);
  ctx.lineTo(-5.5, 6);
  ctx.closePath();
}

export const VesselLayer = L.Layer.extend({
  initialize() {
    this.vessels = new Map(); // mmsi -> row of the live picture
    this.alerts = []; // {mmsi, lat, lon, severity, acknowledged}
    this.selected = null;
    this.drawn = 0;
    this._points = [];
    this._frame = 0;
    this._marked = false;
  },

  onAdd(map) {
    const pane = map.getPane("vessels") ?? map.createPane("vessels");
    pane.style.zIndex = 450;
    pane.style.pointerEvents = "none";
    this._canvas = L.DomUtil.create("canvas", "mda-vessels leaflet-zoom-hide", pane);
    map.on("moveend zoomend resize viewreset", this._reset, this);
    map.on("click", this._onClick, this);
    map.on("mousemove", this._onMove, this);
    this._reset();
  },

  onRemove(map) {
    map.off("moveend zoomend resize viewreset", this._reset, this);
    map.off("click", this._onClick, this);
    map.off("mousemove", this._onMove, this);
    L.DomUtil.remove(this._canvas);
  },

  // Data changed: draw at the next frame (many stream events in one frame, one drawing).
  changed() {
    if (this._frame || !this._map) return;
    this._frame = requestAnimationFrame(() => {
      this._frame = 0;
      this._draw();
    });
  },

  // Where a vessel is on screen (container pixels), or null when unknown.
  pointOf(mmsi) {
    const v = this.vessels.get(mmsi);
    if (!v || !this._map || v.lat === null) return null;
    const p = this._map.latLngToContainerPoint([v.lat, v.lon]);
    return { x: p.x, y: p.y };
  },

  _reset() {
    const map = this._map;
    const size = map.getSize();
    this._origin = L.point(-PAD * size.x, -PAD * size.y).round();
    L.DomUtil.setPosition(this._canvas, map.containerPointToLayerPoint(this._origin));
    const ratio = window.devicePixelRatio || 1;
    const width = Math.round(size.x * (1 + 2 * PAD));
    const height = Math.round(size.y * (1 + 2 * PAD));
    this._canvas.width = Math.round(width * ratio);
    this._canvas.height = Math.round(height * ratio);
    this._canvas.style.width = `${width}px`;
    this._canvas.style.height = `${height}px`;
    this._ratio = ratio;
    this._draw();
  },

  _draw() {
    const map = this._map;
    if (!map) return;
    const ctx = this._canvas.getContext("2d");
    ctx.setTransform(this._ratio, 0, 0, this._ratio, 0, 0);
    ctx.clearRect(0, 0, this._canvas.width, this._canvas.height);
    const view = map.getBounds();
    const reach = view.pad(PAD);
    const origin = this._origin;
    const at = (lat, lon) => map.latLngToContainerPoint([lat, lon]).subtract(origin);

    // Alert rings under the symbols: the most severe alert of each vessel.
    const worst = new Map();
    for (const a of this.alerts) {
      const held = worst.get(a.mmsi);
      if (!held || SEVERITY[a.severity].rank < SEVERITY[held.severity].rank) worst.set(a.mmsi, a);
    }
    for (const a of worst.values()) {
      const v = this.vessels.get(a.mmsi);
      const lat = v ? v.lat : a.lat;
      const lon = v ? v.lon : a.lon;
      if (lat === null || lat === undefined || !reach.contains([lat, lon])) continue;
      const p = at(lat, lon);
      ctx.save();
      ctx.lineWidth = 3.5;
      ctx.strokeStyle = SEVERITY[a.severity].color;
      ctx.fillStyle = `${SEVERITY[a.severity].color}33`;
      if (a.acknowledged) ctx.setLineDash([5, 4]);
      ctx.beginPath();
      ctx.arc(p.x, p.y, 15, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
      ctx.restore();
    }

    const points = [];
    let drawn = 0;
    const labels = map.getZoom() >= LABEL_ZOOM;
    ctx.lineWidth = 1;
    ctx.strokeStyle = "#1d232b";
    ctx.font = "11px system-ui, sans-serif";
    for (const v of this.vessels.values()) {
      if (v.lat === null || !reach.contains([v.lat, v.lon])) continue;
      const p = at(v.lat, v.lon);
      const direction = bearing(v);
      ctx.save();
      ctx.translate(p.x, p.y);
      ctx.fillStyle = TYPES[vesselType(v.ship_type)].color;
      if (direction === null) {
        ctx.beginPath();
        ctx.arc(0, 0, 4.5, 0, 2 * Math.PI);
      } else {
        ctx.rotate((direction * Math.PI) / 180);
        hull(ctx);
      }
      ctx.fill();
      ctx.stroke();
      ctx.restore();
      if (labels && v.shipname) {
        ctx.fillStyle = "#1d232b";
        // Clear of the symbol, and of the rings around a selected or alerted vessel.
        const ringed = v.mmsi === this.selected || worst.has(v.mmsi);
        ctx.fillText(v.shipname, p.x + (ringed ? 24 : 10), p.y + 4);
      }
      points.push([p.x + origin.x, p.y + origin.y, v.mmsi]);
      if (view.contains([v.lat, v.lon])) drawn += 1;
    }

    const chosen = this.selected !== null ? this.vessels.get(this.selected) : null;
    if (chosen && chosen.lat !== null) {
      const p = at(chosen.lat, chosen.lon);
      ctx.save();
      ctx.lineWidth = 2;
      ctx.strokeStyle = "#ffffff";
      ctx.beginPath();
      ctx.arc(p.x, p.y, 20, 0, 2 * Math.PI);
      ctx.stroke();
      ctx.strokeStyle = "#111111";
      ctx.setLineDash([4, 3]);
      ctx.stroke();
      ctx.restore();
    }
    this._points = points;
    this.drawn = drawn;
    if (!this._marked && this.vessels.size) {
      // For load-time figures (bench/web.py): navigation start to the first vessels drawn.
      this._marked = true;
      performance.mark("mda-vessels-drawn", { detail: { vessels: this.vessels.size } });
    }
    this.fire("drawn", { drawn, total: this.vessels.size });
  },

  _hit(point) {
    let best = null;
    let bestDistance = HIT_PX * HIT_PX;
    for (const [x, y, mmsi] of this._points) {
      const d = (x - point.x) ** 2 + (y - point.y) ** 2;
      if (d <= bestDistance) {
        best = mmsi;
        bestDistance = d;
      }
    }
    return best;
  },

  _onClick(e) {
    const mmsi = this._hit(e.containerPoint);
    if (mmsi !== null) this.fire("select", { mmsi });
  },

  _onMove(e) {
    this._map.getContainer().style.cursor = this._hit(e.containerPoint) !== null ? "pointer" : "";
  },
});
