-- The EPCs each exporter has held (named by one of its EPCIS events other than as a transformation's input), from the
-- earliest such event: a TransformationEvent's inputs are checked against it (rule transformation-inputs).
CREATE TABLE risk.held_epc (
  tenant_id varchar(64) NOT NULL,
  epc varchar(400) NOT NULL,
  held_from timestamptz NOT NULL,
  epcis_event_id varchar(400) NOT NULL,
  CONSTRAINT pk_held_epc PRIMARY KEY (tenant_id, epc)
);
