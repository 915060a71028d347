"""The runtime every shell shares: ``mda run``, ``mda replay``, ``mda demo``, the scale-out
worker and the pair worker build their pipeline, store writer, alert sinks, partner feeds,
status server and API from a :class:`~mda.config.Config` here, deliver output and officers'
acknowledgements the same way, stop on the same signals and drain the same way at the end.

Nothing heavy is imported by the package itself: each module imports what it needs.
"""
