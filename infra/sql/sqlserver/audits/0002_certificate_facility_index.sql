-- A facility's certificates (its risk profile in the portal) without reading every certificate.
CREATE INDEX ix_certificate_facility ON audits.certificate (facility_id);
GO
