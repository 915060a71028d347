"""The settings kit: everything that reads what operators write, and nothing that acts on it.

``tomlfile`` reads a TOML file and ``checks`` types its values and ``MDA_*`` variables, one way
everywhere ("key X in file F must be a Y", one line naming the file and key). ``ship_types``
and ``vessel_lists`` parse the ship-type filters and MMSI/IMO lists that rules and partner
feeds share. ``scale``, ``api``, ``feeds`` (with ``feed_spec``) are the sections that
:mod:`mda.config` composes, and ``places`` where mda keeps its own files by default.

Import arrows point down only: the kit imports core modules (``mda.errors``, ``mda.timefmt``,
``mda.zones``), never a package that reads the configuration (alerts, feeds, scale, api,
store, the service or the pipeline). tests/test_layers.py holds it to that.
"""
