-- Risk's own copy of the facilities and products it hears about (it never reads Provenance's tables).
CREATE TABLE risk.facility (
  id uniqueidentifier NOT NULL CONSTRAINT pk_facility PRIMARY KEY,
  tenant_id varchar(64) NOT NULL,
  revision integer NOT NULL,
  name nvarchar(200) NOT NULL,
  country char(2) NOT NULL,
  gln char(13) NULL,
  osh_id varchar(15) NULL,
  facility_type varchar(20) NOT NULL,
  updated_at datetime2(6) NOT NULL
);
GO

CREATE TABLE risk.product (
  id uniqueidentifier NOT NULL CONSTRAINT pk_product PRIMARY KEY,
  tenant_id varchar(64) NOT NULL,
  gtin char(14) NOT NULL,
  hs_code varchar(10) NOT NULL,
  commodity nvarchar(200) NOT NULL
);
GO
