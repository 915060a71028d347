"""Network plumbing shared by every connection mda keeps: backoff between reconnection
attempts, addresses and broker URLs, TLS contexts, and the outbox that holds what waits for a
connection that is away. Nothing here knows about the service that uses it."""
