"""Partner feeds: what partner navies may see of the picture, redacted, in their formats.

`mda.settings.feeds` reads the ``[feeds.<partner>]`` tables into the specs of
`mda.settings.feed_spec`. The pure part takes a batch of pipeline output (with the pipeline's
zones and vessel state) and gives each partner's release: ``filter`` (who may be seen),
``precision`` (rounding), ``redact`` (alerts), ``nmea`` (raw sentences) and ``core`` (the feeds
and their delays). ``cot`` and ``cot_types`` map releases to Cursor on Target. Each format
(``format``: the interface; ``formats``: made from the table ``FEED_FORMATS`` of
``mda.settings.feed_spec``) sends them on a transport (``mqtt``, ``tak``); ``service`` joins
them; ``acl`` makes the broker's access files (``mda feeds``, in ``mda.cli.feeds``). See
docs/feeds.md.

Nothing is imported here, so that ``mda feeds --help`` loads no geometry: import the modules.
"""
