"""Scale-out on NATS JetStream: gateways, workers, pair workers."""
