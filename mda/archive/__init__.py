"""Decoded AIS archives (CSV): which column holds what, and rows into records.

The pure layer of ``mda import``: ``layout`` reads a header (MarineCadastre, the Danish
Maritime Authority's aisdk, mda's own decoded CSV, or any CSV by common column names, with the
user's ``--columns`` over them), ``rows`` turns a chunk of rows into ``Position`` and
``VesselStatic`` records under the DESIGN contract, counting every row it rejects by reason.
"""
