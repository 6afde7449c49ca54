-- Every evaluation of a shipment: exactly one per ShipmentRecorded message (the inbox makes it so).
CREATE TABLE risk.shipment_evaluation (
  id bigint IDENTITY(1, 1) NOT NULL CONSTRAINT pk_shipment_evaluation PRIMARY KEY,
  shipment_id uniqueidentifier NOT NULL,
  tenant_id varchar(64) NOT NULL,
  message_id uniqueidentifier NOT NULL,
  evaluated_at datetime2(6) NOT NULL,
  findings int NOT NULL
);
GO

CREATE INDEX ix_shipment_evaluation_shipment ON risk.shipment_evaluation (shipment_id);
GO

CREATE TABLE risk.flag (
  id uniqueidentifier NOT NULL CONSTRAINT pk_flag PRIMARY KEY NONCLUSTERED,
  rule_id varchar(100) NOT NULL,
  rule_version int NOT NULL,
  severity varchar(16) NOT NULL,
  subject_type varchar(16) NOT NULL,
  subject_id varchar(100) NOT NULL,
  tenant_id varchar(64) NOT NULL,
  scope_country char(2) NOT NULL,
  explanation nvarchar(2000) NOT NULL,
  evidence nvarchar(2000) NOT NULL,
  status varchar(16) NOT NULL,
  raised_at datetime2(6) NOT NULL,
  -- One flag per rule and subject: re-evidence must not raise a second one.
  CONSTRAINT uq_flag_rule_subject UNIQUE (rule_id, subject_type, subject_id)
);
GO

CREATE INDEX ix_flag_subject ON risk.flag (subject_type, subject_id);
GO
CREATE CLUSTERED INDEX ix_flag_raised_at ON risk.flag (raised_at, id);
GO
