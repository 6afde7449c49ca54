-- Every evaluation of a shipment: exactly one per ShipmentRecorded message (the inbox makes it so).
CREATE TABLE risk.shipment_evaluation (
  id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_shipment_evaluation PRIMARY KEY,
  shipment_id uuid NOT NULL,
  tenant_id varchar(64) NOT NULL,
  message_id uuid NOT NULL,
  evaluated_at timestamptz NOT NULL,
  findings integer NOT NULL
);

CREATE INDEX ix_shipment_evaluation_shipment ON risk.shipment_evaluation (shipment_id);

CREATE TABLE risk.flag (
  id uuid NOT NULL CONSTRAINT pk_flag PRIMARY KEY,
  rule_id varchar(100) NOT NULL,
  rule_version integer NOT NULL,
  severity varchar(16) NOT NULL,
  subject_type varchar(16) NOT NULL,
  subject_id varchar(100) NOT NULL,
  tenant_id varchar(64) NOT NULL,
  scope_country char(2) NOT NULL,
  explanation varchar(2000) NOT NULL,
  evidence varchar(2000) NOT NULL,
  status varchar(16) NOT NULL,
  raised_at timestamptz NOT NULL,
  -- One flag per rule and subject: re-evidence must not raise a second one.
  CONSTRAINT uq_flag_rule_subject UNIQUE (rule_id, subject_type, subject_id)
);

CREATE INDEX ix_flag_subject ON risk.flag (subject_type, subject_id);
CREATE INDEX ix_flag_raised_at ON risk.flag (raised_at, id);
