-- UFLPA along the EPCIS chain: each exporter's EPCIS events as links of a chain, so that goods can be followed back from a
-- shipping event or a shipment naming them to every facility they were at (services/Risk/Features/KeepSupplyChain/GoodsTrace.cs).
CREATE TABLE risk.epcis_event (
  tenant_id varchar(64) NOT NULL,
  epcis_event_id varchar(400) NOT NULL,
  event_type varchar(30) NOT NULL,
  event_time datetime2(6) NOT NULL,
  action varchar(10) NULL,
  biz_step varchar(200) NULL,
  link_kind varchar(20) NULL,
  CONSTRAINT pk_epcis_event PRIMARY KEY (tenant_id, epcis_event_id)
);
GO

-- What each event named, in which role: object, input / output (a transformation), parent / child (a container and its contents).
CREATE TABLE risk.epcis_goods (
  tenant_id varchar(64) NOT NULL,
  epc varchar(400) NOT NULL,
  epcis_event_id varchar(400) NOT NULL,
  role varchar(10) NOT NULL,
  CONSTRAINT pk_epcis_goods PRIMARY KEY (tenant_id, epc, epcis_event_id, role)
);
GO

CREATE INDEX ix_epcis_goods_event ON risk.epcis_goods (tenant_id, epcis_event_id);
GO

-- The places each event named that read as GLNs (business location, read point, sources, destinations); by GLN, a facility
-- Risk hears of late finds the events at it.
CREATE TABLE risk.epcis_place (
  tenant_id varchar(64) NOT NULL,
  epcis_event_id varchar(400) NOT NULL,
  role varchar(12) NOT NULL,
  place varchar(400) NOT NULL,
  gln char(13) NOT NULL,
  CONSTRAINT pk_epcis_place PRIMARY KEY (tenant_id, epcis_event_id, role, place)
);
GO

CREATE INDEX ix_epcis_place_gln ON risk.epcis_place (gln);
GO

-- The EPCs (instances, lots, containers) a shipment names, with what the UFLPA rules say of the shipment.
CREATE TABLE risk.shipment_epc (
  tenant_id varchar(64) NOT NULL,
  epc varchar(400) NOT NULL,
  shipment_id uniqueidentifier NOT NULL,
  hs_code varchar(10) NOT NULL,
  commodity varchar(200) NOT NULL,
  ship_date date NOT NULL,
  CONSTRAINT pk_shipment_epc PRIMARY KEY (tenant_id, epc, shipment_id)
);
GO

CREATE INDEX ix_shipment_epc_shipment ON risk.shipment_epc (shipment_id);
GO
