-- Idempotency-Keys are handled by shared code for every service: the key's owner (here the exporter) is owner_id.
ALTER TABLE provenance.idempotency_key RENAME COLUMN exporter_id TO owner_id;
