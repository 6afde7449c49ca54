CREATE TABLE provenance.exporter (
  id varchar(64) NOT NULL CONSTRAINT pk_exporter PRIMARY KEY,
  name nvarchar(200) NOT NULL,
  created_at datetime2(6) NOT NULL
);
GO

-- A key is shown once; only its SHA-256 is kept, found by its public prefix.
CREATE TABLE provenance.api_key (
  id uniqueidentifier NOT NULL CONSTRAINT pk_api_key PRIMARY KEY,
  exporter_id varchar(64) NOT NULL CONSTRAINT fk_api_key_exporter REFERENCES provenance.exporter (id),
  prefix varchar(16) NOT NULL CONSTRAINT uq_api_key_prefix UNIQUE,
  key_hash varbinary(32) NOT NULL,
  created_at datetime2(6) NOT NULL,
  revoked_at datetime2(6) NULL
);
GO

CREATE INDEX ix_api_key_exporter ON provenance.api_key (exporter_id);
GO
