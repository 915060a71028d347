"""The live map: one page the API serves at ``/map/``, working offline.

Everything it loads comes from the API's own origin: the page and its scripts (``static/``),
Leaflet and Natural Earth land from the npm registry (``vendor/``, see its README), and the
picture, alerts, zones and stream from ``/api/v1``.
"""

from mda.web.pages import MAP_PATH, install_map

__all__ = ["MAP_PATH", "install_map"]
