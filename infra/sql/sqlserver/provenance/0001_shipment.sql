CREATE TABLE provenance.shipment (
  id uniqueidentifier NOT NULL CONSTRAINT pk_shipment PRIMARY KEY NONCLUSTERED,
  exporter_id varchar(64) NOT NULL,
  hs_code varchar(10) NOT NULL,
  commodity nvarchar(200) NOT NULL,
  origin_country char(2) NOT NULL,
  quantity decimal(19, 4) NOT NULL,
  unit varchar(8) NOT NULL,
  ship_date date NOT NULL,
  recorded_at datetime2(6) NOT NULL
);
GO

CREATE CLUSTERED INDEX ix_shipment_exporter ON provenance.shipment (exporter_id, recorded_at);
GO
