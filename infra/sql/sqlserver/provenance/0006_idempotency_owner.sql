-- Idempotency-Keys are handled by shared code for every service: the key's owner (here the exporter) is owner_id.
EXEC sp_rename 'provenance.idempotency_key.exporter_id', 'owner_id', 'COLUMN';
GO
