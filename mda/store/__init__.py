"""The store: positions, vessel identities, zone events and alerts in PostgreSQL / TimescaleDB."""
