CREATE TABLE provenance.facility (
  id uuid NOT NULL CONSTRAINT pk_facility PRIMARY KEY,
  exporter_id varchar(64) NOT NULL,
  gln char(13) NULL,
  osh_id varchar(15) NULL,
  name varchar(200) NOT NULL,
  country char(2) NOT NULL,
  region varchar(100) NULL,
  latitude numeric(9, 6) NULL,
  longitude numeric(9, 6) NULL,
  facility_type varchar(20) NOT NULL,
  revision integer NOT NULL,
  registered_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- Within one exporter a GLN or an Open Supply Hub id names one facility.
CREATE UNIQUE INDEX uq_facility_exporter_gln ON provenance.facility (exporter_id, gln) WHERE gln IS NOT NULL;
CREATE UNIQUE INDEX uq_facility_exporter_osh ON provenance.facility (exporter_id, osh_id) WHERE osh_id IS NOT NULL;
CREATE INDEX ix_facility_exporter ON provenance.facility (exporter_id, registered_at);

-- Earlier versions of an updated facility, as their chain links hashed them.
CREATE TABLE provenance.facility_revision (
  facility_id uuid NOT NULL,
  revision integer NOT NULL,
  canonical text NOT NULL,
  CONSTRAINT pk_facility_revision PRIMARY KEY (facility_id, revision)
);

CREATE TABLE provenance.product (
  id uuid NOT NULL CONSTRAINT pk_product PRIMARY KEY,
  exporter_id varchar(64) NOT NULL,
  gtin char(14) NOT NULL,
  hs_code varchar(10) NOT NULL,
  commodity varchar(200) NOT NULL,
  name varchar(200) NULL,
  registered_at timestamptz NOT NULL,
  CONSTRAINT uq_product_exporter_gtin UNIQUE (exporter_id, gtin)
);

CREATE INDEX ix_product_exporter ON provenance.product (exporter_id, registered_at);
