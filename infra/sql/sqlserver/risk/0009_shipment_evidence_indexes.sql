-- A shipment's facilities and certificate claims by the shipment (a flag's shipment evidence), not by a scan.
CREATE INDEX ix_shipment_facility_shipment ON risk.shipment_facility (shipment_id);
GO
CREATE INDEX ix_certificate_claim_shipment ON risk.certificate_claim (shipment_id);
GO
