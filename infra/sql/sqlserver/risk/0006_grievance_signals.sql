-- The grievances Risk heard of, per workplace, so that several within a window can raise a flag's severity.
-- Only the case, category and time: never what the worker wrote or who they are.
CREATE TABLE risk.grievance_signal (
  case_id uniqueidentifier NOT NULL,
  facility_key varchar(40) NOT NULL,
  country char(2) NOT NULL,
  category varchar(30) NOT NULL,
  forced_labour bit NOT NULL,
  filed_at datetime2(6) NOT NULL,
  CONSTRAINT pk_grievance_signal PRIMARY KEY (case_id, facility_key)
);
GO

CREATE INDEX ix_grievance_signal_facility ON risk.grievance_signal (facility_key, filed_at);
GO
