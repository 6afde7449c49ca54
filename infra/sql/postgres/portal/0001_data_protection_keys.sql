-- The key ring that encrypts the portal's session and antiforgery cookies, shared by every portal instance:
-- a cookie written by one instance must be readable by the next one the balancer picks.
CREATE TABLE portal.data_protection_key (
  friendly_name varchar(200) NOT NULL CONSTRAINT pk_data_protection_key PRIMARY KEY,
  xml text NOT NULL,
  stored_at timestamptz NOT NULL
);
