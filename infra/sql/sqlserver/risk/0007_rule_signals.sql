-- What the rules of issue #11 need to remember between events, so that events arriving in any order end in the same flags.

-- Where a facility is (UFLPA region rule).
ALTER TABLE risk.facility ADD region nvarchar(100) NULL, latitude decimal(9, 6) NULL, longitude decimal(9, 6) NULL;
GO
CREATE INDEX ix_facility_gln ON risk.facility (gln) WHERE gln IS NOT NULL;
GO
CREATE INDEX ix_facility_osh ON risk.facility (osh_id) WHERE osh_id IS NOT NULL;
GO

-- Which facilities each shipment named (origin, tiers): a facility Risk hears of after its shipments is judged with them.
CREATE TABLE risk.shipment_facility (
  facility_id uniqueidentifier NOT NULL,
  shipment_id uniqueidentifier NOT NULL,
  role nvarchar(60) NOT NULL,
  tenant_id varchar(64) NOT NULL,
  hs_code varchar(10) NOT NULL,
  commodity nvarchar(200) NOT NULL,
  ship_date date NOT NULL,
  CONSTRAINT pk_shipment_facility PRIMARY KEY (facility_id, shipment_id, role)
);
GO

-- When each facility was audited (provenance-gap rule), by the ids Audits names facilities with.
CREATE TABLE risk.facility_audit (
  audit_id uniqueidentifier NOT NULL CONSTRAINT pk_facility_audit PRIMARY KEY,
  gln char(13) NULL,
  osh_id varchar(15) NULL,
  scheme nvarchar(64) NOT NULL,
  end_date date NOT NULL
);
GO
CREATE INDEX ix_facility_audit_gln ON risk.facility_audit (gln, end_date);
GO
CREATE INDEX ix_facility_audit_osh ON risk.facility_audit (osh_id, end_date);
GO

-- ILO indicators seen at facilities: by audit findings (named by GLN / Open Supply Hub id) and grievances (named by
-- Provenance facility ids). `named` is the id the event used, so a signal is kept once per facility it names.
CREATE TABLE risk.facility_signal (
  evidence_id varchar(200) NOT NULL,
  indicator varchar(80) NOT NULL,
  named varchar(100) NOT NULL,
  source varchar(16) NOT NULL,
  gln char(13) NULL,
  osh_id varchar(15) NULL,
  facility_id uniqueidentifier NULL,
  observed_at datetime2(6) NOT NULL,
  CONSTRAINT pk_facility_signal PRIMARY KEY (evidence_id, indicator, named)
);
GO
CREATE INDEX ix_facility_signal_gln ON risk.facility_signal (gln) WHERE gln IS NOT NULL;
GO
CREATE INDEX ix_facility_signal_osh ON risk.facility_signal (osh_id) WHERE osh_id IS NOT NULL;
GO
CREATE INDEX ix_facility_signal_facility ON risk.facility_signal (facility_id) WHERE facility_id IS NOT NULL;
GO

-- Grievance cases per facility: when filed, when acknowledged (either may arrive first), for reprisal-warning.
CREATE TABLE risk.grievance_case (
  case_id uniqueidentifier NOT NULL,
  facility_id uniqueidentifier NOT NULL,
  filed_at datetime2(6) NULL,
  acknowledged_at datetime2(6) NULL,
  CONSTRAINT pk_grievance_case PRIMARY KEY (case_id, facility_id)
);
GO
CREATE INDEX ix_grievance_case_facility ON risk.grievance_case (facility_id);
GO
