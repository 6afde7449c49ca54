-- Shipping, receiving and transforming events captured through EPCIS: the provenance links Risk sees.
CREATE TABLE risk.provenance_link (
  tenant_id varchar(64) NOT NULL,
  epcis_event_id varchar(400) NOT NULL,
  link_kind varchar(20) NOT NULL,
  event_type varchar(30) NOT NULL,
  event_time timestamptz NOT NULL,
  biz_location varchar(400) NULL,
  epc_count integer NOT NULL,
  CONSTRAINT pk_provenance_link PRIMARY KEY (tenant_id, epcis_event_id)
);
