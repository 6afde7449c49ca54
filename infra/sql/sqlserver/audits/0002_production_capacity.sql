-- A facility's production capacity as the audit found it (quantity per calendar month or year), for Risk's mass balance.
ALTER TABLE audits.audit ADD
  capacity_quantity decimal(19, 4) NULL,
  capacity_unit varchar(10) NULL,
  capacity_period varchar(10) NULL;
GO
