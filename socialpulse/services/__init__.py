"""Local Kafka-protocol broker, S3 server and Postgres for the demo and the integration tests."""
