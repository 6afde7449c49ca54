-- Identity's tables: ASP.NET Core Identity (users, roles and what hangs off them), OpenIddict (applications,
-- authorizations, scopes, tokens) and the Data Protection key ring. Written from the EF Core model
-- (IdentityStore) once; EF never creates or migrates tables, these files do, as in every other service.
-- The schema is identity_provider, not identity: IDENTITY is a reserved word in T-SQL, and the platform's
-- shared statements (outbox, inbox) name schemas unquoted.

CREATE TABLE [identity_provider].[data_protection_keys] (
    [id] int NOT NULL IDENTITY,
    [friendly_name] nvarchar(max) NULL,
    [xml] nvarchar(max) NULL,
    CONSTRAINT [pk_data_protection_keys] PRIMARY KEY ([id])
);
GO

CREATE TABLE [identity_provider].[openiddict_applications] (
    [id] nvarchar(450) NOT NULL,
    [application_type] nvarchar(50) NULL,
    [client_id] nvarchar(100) NULL,
    [client_secret] nvarchar(max) NULL,
    [client_type] nvarchar(50) NULL,
    [concurrency_token] nvarchar(50) NULL,
    [consent_type] nvarchar(50) NULL,
    [display_name] nvarchar(max) NULL,
    [display_names] nvarchar(max) NULL,
    [json_web_key_set] nvarchar(max) NULL,
    [permissions] nvarchar(max) NULL,
    [post_logout_redirect_uris] nvarchar(max) NULL,
    [properties] nvarchar(max) NULL,
    [redirect_uris] nvarchar(max) NULL,
    [requirements] nvarchar(max) NULL,
    [settings] nvarchar(max) NULL,
    CONSTRAINT [pk_openiddict_applications] PRIMARY KEY ([id])
);
GO

CREATE TABLE [identity_provider].[openiddict_scopes] (
    [id] nvarchar(450) NOT NULL,
    [concurrency_token] nvarchar(50) NULL,
    [description] nvarchar(max) NULL,
    [descriptions] nvarchar(max) NULL,
    [display_name] nvarchar(max) NULL,
    [display_names] nvarchar(max) NULL,
    [name] nvarchar(200) NULL,
    [properties] nvarchar(max) NULL,
    [resources] nvarchar(max) NULL,
    CONSTRAINT [pk_openiddict_scopes] PRIMARY KEY ([id])
);
GO

CREATE TABLE [identity_provider].[roles] (
    [id] nvarchar(450) NOT NULL,
    [name] nvarchar(256) NULL,
    [normalized_name] nvarchar(256) NULL,
    [concurrency_stamp] nvarchar(max) NULL,
    CONSTRAINT [pk_roles] PRIMARY KEY ([id])
);
GO

CREATE TABLE [identity_provider].[users] (
    [id] nvarchar(450) NOT NULL,
    [auditor_id] nvarchar(64) NULL,
    [created_at] datetimeoffset NOT NULL,
    [disabled_at] datetimeoffset NULL,
    [user_name] nvarchar(256) NULL,
    [normalized_user_name] nvarchar(256) NULL,
    [email] nvarchar(256) NULL,
    [normalized_email] nvarchar(256) NULL,
    [email_confirmed] bit NOT NULL,
    [password_hash] nvarchar(max) NULL,
    [security_stamp] nvarchar(max) NULL,
    [concurrency_stamp] nvarchar(max) NULL,
    [phone_number] nvarchar(max) NULL,
    [phone_number_confirmed] bit NOT NULL,
    [two_factor_enabled] bit NOT NULL,
    [lockout_end] datetimeoffset NULL,
    [lockout_enabled] bit NOT NULL,
    [access_failed_count] int NOT NULL,
    CONSTRAINT [pk_users] PRIMARY KEY ([id])
);
GO

CREATE TABLE [identity_provider].[openiddict_authorizations] (
    [id] nvarchar(450) NOT NULL,
    [application_id] nvarchar(450) NULL,
    [concurrency_token] nvarchar(50) NULL,
    [creation_date] datetime2 NULL,
    [properties] nvarchar(max) NULL,
    [scopes] nvarchar(max) NULL,
    [status] nvarchar(50) NULL,
    [subject] nvarchar(400) NULL,
    [type] nvarchar(50) NULL,
    CONSTRAINT [pk_openiddict_authorizations] PRIMARY KEY ([id]),
    CONSTRAINT [fk_openiddict_authorizations_application_id] FOREIGN KEY ([application_id]) REFERENCES [identity_provider].[openiddict_applications] ([id])
);
GO

CREATE TABLE [identity_provider].[role_claims] (
    [id] int NOT NULL IDENTITY,
    [role_id] nvarchar(450) NOT NULL,
    [claim_type] nvarchar(max) NULL,
    [claim_value] nvarchar(max) NULL,
    CONSTRAINT [pk_role_claims] PRIMARY KEY ([id]),
    CONSTRAINT [fk_role_claims_role_id] FOREIGN KEY ([role_id]) REFERENCES [identity_provider].[roles] ([id]) ON DELETE CASCADE
);
GO

CREATE TABLE [identity_provider].[user_claims] (
    [id] int NOT NULL IDENTITY,
    [user_id] nvarchar(450) NOT NULL,
    [claim_type] nvarchar(max) NULL,
    [claim_value] nvarchar(max) NULL,
    CONSTRAINT [pk_user_claims] PRIMARY KEY ([id]),
    CONSTRAINT [fk_user_claims_user_id] FOREIGN KEY ([user_id]) REFERENCES [identity_provider].[users] ([id]) ON DELETE CASCADE
);
GO

CREATE TABLE [identity_provider].[user_logins] (
    [login_provider] nvarchar(450) NOT NULL,
    [provider_key] nvarchar(450) NOT NULL,
    [provider_display_name] nvarchar(max) NULL,
    [user_id] nvarchar(450) NOT NULL,
    CONSTRAINT [pk_user_logins] PRIMARY KEY ([login_provider], [provider_key]),
    CONSTRAINT [fk_user_logins_user_id] FOREIGN KEY ([user_id]) REFERENCES [identity_provider].[users] ([id]) ON DELETE CASCADE
);
GO

CREATE TABLE [identity_provider].[user_roles] (
    [user_id] nvarchar(450) NOT NULL,
    [role_id] nvarchar(450) NOT NULL,
    CONSTRAINT [pk_user_roles] PRIMARY KEY ([user_id], [role_id]),
    CONSTRAINT [fk_user_roles_role_id] FOREIGN KEY ([role_id]) REFERENCES [identity_provider].[roles] ([id]) ON DELETE CASCADE,
    CONSTRAINT [fk_user_roles_user_id] FOREIGN KEY ([user_id]) REFERENCES [identity_provider].[users] ([id]) ON DELETE CASCADE
);
GO

CREATE TABLE [identity_provider].[user_tokens] (
    [user_id] nvarchar(450) NOT NULL,
    [login_provider] nvarchar(450) NOT NULL,
    [name] nvarchar(450) NOT NULL,
    [value] nvarchar(max) NULL,
    CONSTRAINT [pk_user_tokens] PRIMARY KEY ([user_id], [login_provider], [name]),
    CONSTRAINT [fk_user_tokens_user_id] FOREIGN KEY ([user_id]) REFERENCES [identity_provider].[users] ([id]) ON DELETE CASCADE
);
GO

CREATE TABLE [identity_provider].[openiddict_tokens] (
    [id] nvarchar(450) NOT NULL,
    [application_id] nvarchar(450) NULL,
    [authorization_id] nvarchar(450) NULL,
    [concurrency_token] nvarchar(50) NULL,
    [creation_date] datetime2 NULL,
    [expiration_date] datetime2 NULL,
    [payload] nvarchar(max) NULL,
    [properties] nvarchar(max) NULL,
    [redemption_date] datetime2 NULL,
    [reference_id] nvarchar(100) NULL,
    [status] nvarchar(50) NULL,
    [subject] nvarchar(400) NULL,
    [type] nvarchar(150) NULL,
    CONSTRAINT [pk_openiddict_tokens] PRIMARY KEY ([id]),
    CONSTRAINT [fk_openiddict_tokens_application_id] FOREIGN KEY ([application_id]) REFERENCES [identity_provider].[openiddict_applications] ([id]),
    CONSTRAINT [fk_openiddict_tokens_authorization_id] FOREIGN KEY ([authorization_id]) REFERENCES [identity_provider].[openiddict_authorizations] ([id])
);
GO

CREATE UNIQUE INDEX [uq_openiddict_applications_client_id] ON [identity_provider].[openiddict_applications] ([client_id]) WHERE [client_id] IS NOT NULL;
GO

CREATE INDEX [ix_openiddict_authorizations_application_id_status_subject_type] ON [identity_provider].[openiddict_authorizations] ([application_id], [status], [subject], [type]);
GO

CREATE UNIQUE INDEX [uq_openiddict_scopes_name] ON [identity_provider].[openiddict_scopes] ([name]) WHERE [name] IS NOT NULL;
GO

CREATE INDEX [ix_openiddict_tokens_application_id_status_subject_type] ON [identity_provider].[openiddict_tokens] ([application_id], [status], [subject], [type]);
GO

CREATE INDEX [ix_openiddict_tokens_authorization_id] ON [identity_provider].[openiddict_tokens] ([authorization_id]);
GO

CREATE UNIQUE INDEX [uq_openiddict_tokens_reference_id] ON [identity_provider].[openiddict_tokens] ([reference_id]) WHERE [reference_id] IS NOT NULL;
GO

CREATE INDEX [ix_role_claims_role_id] ON [identity_provider].[role_claims] ([role_id]);
GO

CREATE UNIQUE INDEX [uq_roles_normalized_name] ON [identity_provider].[roles] ([normalized_name]) WHERE [normalized_name] IS NOT NULL;
GO

CREATE INDEX [ix_user_claims_user_id] ON [identity_provider].[user_claims] ([user_id]);
GO

CREATE INDEX [ix_user_logins_user_id] ON [identity_provider].[user_logins] ([user_id]);
GO

CREATE INDEX [ix_user_roles_role_id] ON [identity_provider].[user_roles] ([role_id]);
GO

CREATE INDEX [ix_users_normalized_email] ON [identity_provider].[users] ([normalized_email]);
GO

CREATE UNIQUE INDEX [uq_users_normalized_user_name] ON [identity_provider].[users] ([normalized_user_name]) WHERE [normalized_user_name] IS NOT NULL;
GO

-- The platform's roles (shared/Traceability.Hosting/Roles.cs); ids are the names, so every database agrees.
INSERT INTO identity_provider.roles (id, name, normalized_name, concurrency_stamp) VALUES
  ('admin', 'admin', 'ADMIN', 'admin'),
  ('certifier', 'certifier', 'CERTIFIER', 'certifier'),
  ('auditor', 'auditor', 'AUDITOR', 'auditor'),
  ('caseworker', 'caseworker', 'CASEWORKER', 'caseworker');
GO
