"""``mda import``: history loaded into the store from recordings, JSON feeds and CSV archives."""
