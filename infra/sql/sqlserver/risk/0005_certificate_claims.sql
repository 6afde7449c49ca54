-- What Risk knows of certificates (Audits' CertificateStatusChanged) and which shipments claim them, so that
-- a status change re-evaluates every claiming shipment in one statement. A certificate is named by its
-- scheme's key (lower-case letters and digits: "Rainforest Alliance" and "rainforest-alliance" are one) and
-- its number as given.
CREATE TABLE risk.certificate (
  scheme_key varchar(64) NOT NULL,
  number varchar(100) NOT NULL,
  latest_sequence integer NOT NULL,
  CONSTRAINT pk_certificate PRIMARY KEY (scheme_key, number)
);
GO

-- Every status a certificate has had, from the day it applies to goods.
CREATE TABLE risk.certificate_status (
  scheme_key varchar(64) NOT NULL,
  number varchar(100) NOT NULL,
  sequence integer NOT NULL,
  scheme varchar(30) NOT NULL,
  status varchar(16) NOT NULL,
  effective_from date NOT NULL,
  reason nvarchar(500) NULL,
  changed_at datetime2(6) NOT NULL,
  CONSTRAINT pk_certificate_status PRIMARY KEY (scheme_key, number, sequence)
);
GO

CREATE TABLE risk.certificate_claim (
  scheme_key varchar(64) NOT NULL,
  number varchar(100) NOT NULL,
  shipment_id uniqueidentifier NOT NULL,
  subject_id varchar(100) NOT NULL,
  tenant_id varchar(64) NOT NULL,
  ship_date date NOT NULL,
  origin_country char(2) NOT NULL,
  hs_chapter char(2) NULL,
  CONSTRAINT pk_certificate_claim PRIMARY KEY (scheme_key, number, shipment_id)
);
GO

-- The set-based re-evaluation finds the new flags of one rule by the moment they were raised.
CREATE INDEX ix_flag_rule_raised_at ON risk.flag (rule_id, raised_at);
GO
