CREATE TABLE provenance.facility (
  id uniqueidentifier NOT NULL CONSTRAINT pk_facility PRIMARY KEY NONCLUSTERED,
  exporter_id varchar(64) NOT NULL,
  gln char(13) NULL,
  osh_id varchar(15) NULL,
  name nvarchar(200) NOT NULL,
  country char(2) NOT NULL,
  region nvarchar(100) NULL,
  latitude decimal(9, 6) NULL,
  longitude decimal(9, 6) NULL,
  facility_type varchar(20) NOT NULL,
  revision integer NOT NULL,
  registered_at datetime2(6) NOT NULL,
  updated_at datetime2(6) NOT NULL
);
GO

-- Within one exporter a GLN or an Open Supply Hub id names one facility.
CREATE UNIQUE INDEX uq_facility_exporter_gln ON provenance.facility (exporter_id, gln) WHERE gln IS NOT NULL;
GO
CREATE UNIQUE INDEX uq_facility_exporter_osh ON provenance.facility (exporter_id, osh_id) WHERE osh_id IS NOT NULL;
GO
CREATE CLUSTERED INDEX ix_facility_exporter ON provenance.facility (exporter_id, registered_at);
GO

-- Earlier versions of an updated facility, as their chain links hashed them.
CREATE TABLE provenance.facility_revision (
  facility_id uniqueidentifier NOT NULL,
  revision integer NOT NULL,
  canonical nvarchar(max) NOT NULL,
  CONSTRAINT pk_facility_revision PRIMARY KEY (facility_id, revision)
);
GO

CREATE TABLE provenance.product (
  id uniqueidentifier NOT NULL CONSTRAINT pk_product PRIMARY KEY NONCLUSTERED,
  exporter_id varchar(64) NOT NULL,
  gtin char(14) NOT NULL,
  hs_code varchar(10) NOT NULL,
  commodity nvarchar(200) NOT NULL,
  name nvarchar(200) NULL,
  registered_at datetime2(6) NOT NULL,
  CONSTRAINT uq_product_exporter_gtin UNIQUE (exporter_id, gtin)
);
GO

CREATE CLUSTERED INDEX ix_product_exporter ON provenance.product (exporter_id, registered_at);
GO
