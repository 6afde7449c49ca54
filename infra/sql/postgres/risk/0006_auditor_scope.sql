-- Risk's copy of each auditor's accreditations (from Audits' AuditorAccreditationChanged): what they may see.
CREATE TABLE risk.auditor (
  auditor_id varchar(100) NOT NULL CONSTRAINT pk_auditor PRIMARY KEY,
  revision integer NOT NULL,
  name varchar(200) NOT NULL,
  level varchar(10) NOT NULL,
  status varchar(16) NOT NULL,
  updated_at timestamptz NOT NULL
);

-- One row per accreditation × country (× HS chapter; NULL: every sector).
CREATE TABLE risk.auditor_scope (
  auditor_id varchar(100) NOT NULL,
  scheme varchar(64) NOT NULL,
  country char(2) NOT NULL,
  hs_chapter char(2) NULL,
  valid_from date NOT NULL,
  valid_to date NOT NULL
);

CREATE INDEX ix_auditor_scope_auditor ON risk.auditor_scope (auditor_id, country);
