-- Provenance's own copy of Risk's flags (from FlagRaised / FlagStatusChanged): what exporters may read about
-- their own shipments and facilities. Never evidence ids, assignees or notes.
CREATE TABLE provenance.risk_flag (
  flag_id uniqueidentifier NOT NULL CONSTRAINT pk_risk_flag PRIMARY KEY,
  tenant_id varchar(64) NOT NULL,
  rule_id varchar(100) NOT NULL,
  rule_version int NOT NULL,
  severity varchar(16) NOT NULL,
  subject_type varchar(16) NOT NULL,
  subject_id varchar(100) NOT NULL,
  -- The subject as Provenance joins it: a shipment's id, or a facility's GLN / Open Supply Hub id / id.
  shipment_id uniqueidentifier NULL,
  facility_key varchar(100) NULL,
  facility_id uniqueidentifier NULL,
  scope_country char(2) NOT NULL,
  scope_hs_chapter char(2) NULL,
  scope_scheme nvarchar(64) NULL,
  explanation nvarchar(2000) NOT NULL,
  grievance_count int NOT NULL,
  status varchar(16) NOT NULL,
  resolution varchar(16) NULL,
  version int NOT NULL,
  raised_at datetime2(6) NOT NULL,
  updated_at datetime2(6) NOT NULL
);
GO

CREATE INDEX ix_risk_flag_shipment ON provenance.risk_flag (shipment_id) WHERE shipment_id IS NOT NULL;
GO
CREATE INDEX ix_risk_flag_facility_key ON provenance.risk_flag (facility_key) WHERE facility_key IS NOT NULL;
GO
CREATE INDEX ix_risk_flag_facility_id ON provenance.risk_flag (facility_id) WHERE facility_id IS NOT NULL;
GO
