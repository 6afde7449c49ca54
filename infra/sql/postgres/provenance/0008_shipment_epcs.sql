-- The EPCIS identifiers of the goods a shipment carries (instances, lots, containers), as the exporter named them: Risk
-- follows them back through the exporter's EPCIS events (UFLPA along the chain).
CREATE TABLE provenance.shipment_epc (
  shipment_id uuid NOT NULL CONSTRAINT fk_shipment_epc_shipment REFERENCES provenance.shipment (id),
  position integer NOT NULL,
  epc varchar(400) NOT NULL,
  CONSTRAINT pk_shipment_epc PRIMARY KEY (shipment_id, position)
);
