-- Mass balance: what left each origin facility (quantity and unit of the shipments naming it as origin; NULL for tiers
-- and for rows kept before this), and the production capacity audits state (NULL when an audit states none).
ALTER TABLE risk.shipment_facility ADD quantity decimal(19, 4) NULL, unit varchar(10) NULL;
GO
ALTER TABLE risk.facility_audit ADD
  capacity_quantity decimal(19, 4) NULL,
  capacity_unit varchar(10) NULL,
  capacity_period varchar(10) NULL;
GO
