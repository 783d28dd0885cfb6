// The BIN signs map: markers per state and the network's area, drawn with
// Leaflet. Background tiles only when the server configures MAP_TILE_URL;
// without them (or without JavaScript) the table on the page lists every sign.
document.addEventListener("DOMContentLoaded", () => {
  const element = document.getElementById("sign-map");
  const source = document.getElementById("sign-map-data");
  if (!element || !source || typeof window.L === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const signs = data.signs || [];
  if (!signs.length && !data.area) {
    return; // nothing to draw: the table says it all
  }
  const colours = {
    planned: "#0d6efd",
    placed: "#198754",
    damaged: "#fd7e14",
    removed: "#6c757d",
  };
  element.hidden = false;
  const L = window.L;
  const map = L.map(element, { scrollWheelZoom: false });
  if (data.tiles && data.tiles.url) {
    L.tileLayer(data.tiles.url, {
      maxZoom: 19,
      attribution: data.tiles.attribution || "",
    }).addTo(map);
  } else {
    const note = L.control({ position: "bottomleft" });
    note.onAdd = () => {
      const box = L.DomUtil.create("div", "sign-map-note");
      box.textContent = element.dataset.noTiles || "";
      return box;
    };
    note.addTo(map);
  }
  // Vector layers go on the map only once it has a view (Leaflet needs one to
  // clip them), so the layers are built first and the view fitted to them.
  const layers = [];
  const bounds = L.latLngBounds([]);
  if (data.area) {
    const area = L.geoJSON(data.area, {
      style: { color: "#0b5394", weight: 2, fillOpacity: 0.08 },
    });
    layers.push(area);
    bounds.extend(area.getBounds());
  }
  signs.forEach((sign) => {
    const marker = L.circleMarker([sign.lat, sign.lng], {
      radius: 8,
      color: "#fff",
      weight: 2,
      fillColor: colours[sign.state] || "#000",
      fillOpacity: 0.95,
    });
    // Text only (a DOM node, not HTML): nothing typed by users becomes markup.
    const label = document.createElement("span");
    label.textContent = [sign.label, sign.state_label].filter(Boolean).join(" · ");
    marker.bindTooltip(label);
    layers.push(marker);
    bounds.extend(marker.getLatLng());
  });
  if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17 });
  } else {
    map.setView([50.85, 4.35], 8);
  }
  layers.forEach((layer) => layer.addTo(map));
});
