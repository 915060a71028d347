// TopoJSON to GeoJSON, for the vendored Natural Earth land (world-atlas). The format shares
// arcs between neighbouring rings; quantized files store each arc as integer deltas scaled
// by the topology's transform.

function decodeArcs(topology) {
  const transform = topology.transform;
  if (!transform) return topology.arcs;
  const [sx, sy] = transform.scale;
  const [tx, ty] = transform.translate;
  return topology.arcs.map((arc) => {
    let x = 0;
    let y = 0;
    return arc.map(([dx, dy]) => {
      x += dx;
      y += dy;
      return [x * sx + tx, y * sy + ty];
    });
  });
}

export function topologyToGeoJSON(topology, objectName) {
  const arcs = decodeArcs(topology);
  // A negative index ~i is arc i walked backwards. Consecutive arcs share their end point,
  // so each arc after the first adds its points but the first.
  const line = (indices) => {
    const out = [];
    for (const index of indices) {
      const points = index >= 0 ? arcs[index] : arcs[~index].slice().reverse();
      for (let k = out.length ? 1 : 0; k < points.length; k += 1) out.push(points[k]);
    }
    return out;
  };
  const geometry = (g) => {
    switch (g.type) {
      case "Polygon":
        return { type: g.type, coordinates: g.arcs.map(line) };
      case "MultiPolygon":
        return { type: g.type, coordinates: g.arcs.map((polygon) => polygon.map(line)) };
      case "LineString":
        return { type: g.type, coordinates: line(g.arcs) };
      case "MultiLineString":
        return { type: g.type, coordinates: g.arcs.map(line) };
      default:
        return null; // points carry no land; nothing else appears in land files
    }
  };
  const object = topology.objects[objectName];
  const members = object.type === "GeometryCollection" ? object.geometries : [object];
  return {
    type: "FeatureCollection",
    features: members
      .map((g) => ({ type: "Feature", properties: g.properties ?? {}, geometry: geometry(g) }))
      .filter((f) => f.geometry !== null),
  };
}
